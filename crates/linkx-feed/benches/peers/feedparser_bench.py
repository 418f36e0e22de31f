"""Python feedparser measured like `cargo bench -p linkx-feed --bench parse`: every file of its own
test corpus read into memory, then parsed one after another on one thread (files/s); and the
same large synthetic feeds (MB/s). Usage: python3 feedparser_bench.py CORPUS_TESTS_DIR big-1.xml big-5.xml
"""
import os, sys, time
import feedparser

def files_under(root):
    for d, _, names in os.walk(root):
        for n in names:
            with open(os.path.join(d, n), "rb") as f:
                yield f.read()

def best_of(runs, fn):
    times = []
    for _ in range(runs):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]

corpus = list(files_under(sys.argv[1]))
for sanitize in (False, True):
    secs = best_of(5, lambda: [feedparser.parse(b, sanitize_html=sanitize) for b in corpus])
    print(f"feedparser corpus sanitize={sanitize}: {len(corpus) / secs:,.0f} files/s ({len(corpus)} files)")
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    for sanitize in (False, True):
        secs = best_of(3, lambda: feedparser.parse(data, sanitize_html=sanitize))
        print(f"feedparser {os.path.basename(path)} sanitize={sanitize}: {len(data) / secs / 1e6:.2f} MB/s")
