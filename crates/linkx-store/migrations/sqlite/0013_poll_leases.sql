-- A worker claims a due source until poll_lease_until (Unix seconds) before fetching it, so
-- several workers never poll one source at once; finishing the poll clears the lease, and a
-- worker that dies leaves it to expire.
ALTER TABLE sources ADD COLUMN poll_lease_until BIGINT;
