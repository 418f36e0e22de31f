"""Python extractors measured like `cargo bench -p linkx-extract --bench extract`: the 181 AEB
pages decompressed into memory, then extracted one after another on one thread (pages/s).
Usage: python3 python_extractors.py ../shared/corpora/extraction/aeb
"""
import gzip, json, os, sys, time

root = sys.argv[1]
truth = json.load(open(os.path.join(root, "ground-truth.json")))
pages = [(gzip.open(os.path.join(root, "html", f"{i}.html.gz")).read().decode("utf-8", "replace"), t.get("url"))
         for i, t in truth.items()]

import re
from collections import Counter

def shingles(text):
    t = re.findall(r"\w+", text or "")
    if len(t) < 4:
        return Counter([" ".join(t)]) if t else Counter()
    return Counter(" ".join(t[i:i + 4]) for i in range(len(t) - 3))

def f1(predictions):
    """The AEB metric (see ../shared/README.md)."""
    ps, rs = [], []
    for (html, url), pred, t in zip(pages, predictions, truth.values()):
        p, g = shingles(pred), shingles(t.get("articleBody", ""))
        tp = sum((p & g).values()); fp = sum(p.values()) - tp; fn = sum(g.values()) - tp
        if fp == 0 and fn == 0:
            ps.append(1.0); rs.append(1.0); continue
        s = tp + fp + fn
        if tp + fp > 0: ps.append(tp / (tp + fp))
        if tp + fn > 0: rs.append(tp / (tp + fn))
    P, R = sum(ps) / len(ps), sum(rs) / len(rs)
    return 2 * P * R / (P + R)

def measure(name, fn):
    out = []
    start = time.perf_counter()
    for html, url in pages:
        try:
            out.append(fn(html, url) or "")
        except Exception:
            out.append("")
    secs = time.perf_counter() - start
    print(f"{name}: {len(pages) / secs:.1f} pages/s ({len(pages)} pages, {secs:.2f} s), F1 {f1(out):.3f}")

try:
    import trafilatura
    measure("trafilatura " + trafilatura.__version__, lambda h, u: trafilatura.extract(h, url=u))
except ImportError:
    print("trafilatura not installed")
try:
    from readability import Document
    import lxml.html
    measure("readability-lxml", lambda h, u: lxml.html.fromstring(Document(h).summary()).text_content())
except ImportError:
    print("readability-lxml not installed")
