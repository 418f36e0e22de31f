#!/usr/bin/env bash
# Comments under load (issue 5): accepted comment POSTs per second, and the article page with
# 200 comments, with wrk against `linkx serve --demo` on SQLite. Flood control, the per-IP
# limit and the time-to-submit check are switched off for the measurement (as for WordPress's
# figure); moderation publishes at once, so every POST is a stored, approved comment.
#
#   cargo build --release -p linkx && crates/linkx-web/benches/comments/run.sh
set -euo pipefail
cd "$(dirname "$0")/../../../.."
B=${B:-target/release}
PORT=${PORT:-18182}
SECONDS_EACH=${SECONDS_EACH:-20}
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
cat > "$DIR/bench.toml" <<TOML
[comments]
moderation = "none"
flood_seconds = 0
rate_limit_per_hour = 0
min_submit_seconds = 0
TOML
SITE=http://127.0.0.1:$PORT
$B/linkx --config "$DIR/bench.toml" --data "$DIR/data" serve --demo --listen 127.0.0.1:$PORT 2>"$DIR/serve.log" &
SERVER=$!
until curl -sf "$SITE/healthz" >/dev/null; do sleep 0.2; done

count() { curl -s "$SITE/api/v1/articles/$1/comments" | { grep -o '"id":' || true; } | wc -l; }

# Two articles: one gets 200 comments for the page test, the other takes the POST load.
mapfile -t PAGES < <(curl -s "$SITE/" | grep -o 'href="/a/[0-9]*/[^"]*"' | cut -d'"' -f2 | sort -u | head -2)
PAGE=${PAGES[0]}
POST_ID=$(echo "${PAGES[1]}" | cut -d/ -f3)
curl -s -c "$DIR/jar" "$SITE$PAGE" > "$DIR/page.html"
TOKEN=$(grep -o 'name="_token" value="[^"]*"' "$DIR/page.html" | cut -d'"' -f4)
SESSION=$(awk '$6 == "lx_session" { print $7 }' "$DIR/jar")
PAGE_ID=$(echo "$PAGE" | cut -d/ -f3)
for i in $(seq 1 200); do
  curl -s -o /dev/null -b "lx_session=$SESSION" \
    --data-urlencode "author=Reader $i" --data-urlencode "email=r$i@example.org" \
    --data-urlencode "comment=Comment $i: a **reasonable** paragraph about the story, with [a link](https://example.org/$i) and some more words to make it realistic." \
    --data-urlencode "_token=$TOKEN" "$SITE/a/$PAGE_ID/comments"
done
echo "article page with $(count "$PAGE_ID") comments: $SITE$PAGE"

echo "== GET the article page with 200 comments"
wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency "$SITE$PAGE"
echo "== GET the same page, gzip (as browsers ask)"
wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency -H "Accept-Encoding: gzip" "$SITE$PAGE"

echo "== POST comments"
BEFORE=$(count "$POST_ID")
LX_PATH=/a/$POST_ID/comments LX_TOKEN=$TOKEN LX_SESSION=$SESSION \
  wrk -t2 -c16 -d"${SECONDS_EACH}s" --latency -s crates/linkx-web/benches/comments/post.lua "$SITE"
AFTER=$(count "$POST_ID")
echo "stored and approved during the POST run: $((AFTER - BEFORE))"
