-- Attribution: a source may carry a licence (shown with its items) or a note of the permission
-- the operator has; full text is shown only with one of them. `noindex` asks search engines to
-- leave the source's article pages out.

ALTER TABLE sources ADD COLUMN licence TEXT;
ALTER TABLE sources ADD COLUMN permission TEXT;
ALTER TABLE sources ADD COLUMN noindex BIGINT NOT NULL DEFAULT 0;

-- Sources already shown in full keep their display: the operator chose it before this rule.
UPDATE sources SET permission = 'Full text was enabled before licences were recorded'
    WHERE display = 'full';
