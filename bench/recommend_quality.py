"""Quality of こちらもおすすめ(自動検索) on the livedoor news corpus.

Loads ../shared/corpus/livedoor-news.jsonl.gz (7,367 articles, 9 categories),
analyses every article with the one analysis function (NFKC, SudachiPy core
dictionary, normalized_form(), content words only), builds the index
statistics in memory and evaluates recommendation methods:

* P@5: the share of an article's 5 recommendations from the article's own
  category, averaged over all articles (a missing recommendation counts as a
  miss). The category labels are used for this score only.
* near-duplicates: pairs of articles whose content-word 5-gram shingles have a
  Jaccard similarity >= 0.5, or whose TF-IDF cosine is >= 0.9. Reported for the
  corpus, and for every method as the number of articles whose list holds a
  near-duplicate pair (or a near-duplicate of the article itself).

    .venv/bin/python bench/recommend_quality.py                 # all methods
    .venv/bin/python bench/recommend_quality.py --mode C --text raw
    .venv/bin/python bench/recommend_quality.py --no-baseline \
        --methods "bm25 k=60 uniform + rerank cos200 full"
    .venv/bin/python bench/recommend_quality.py --grid                 # + sweeps

Analysed tokens are cached in /tmp (``--cache-dir``); nothing of the corpus is
written to the repository. See docs/RECOMMENDATIONS.md for the findings.
"""

import argparse
import gzip
import hashlib
import heapq
import json
import math
import multiprocessing
import os
import pickle
import random
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "livedoor-news.jsonl.gz"

# ---------------------------------------------------------------------------
# The analysis function (the same one must serve index, queries, keyword
# follows and recommendation queries).

KEEP_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞"}
_tokenizer = None
_split_mode = None


def _init_tokenizer(mode: str) -> None:
    global _tokenizer, _split_mode
    from sudachipy import Dictionary, SplitMode

    _tokenizer = Dictionary(dict="core").create()
    _split_mode = getattr(SplitMode, mode)


def analyse(text: str) -> list[str]:
    """NFKC, Sudachi (core), normalized_form(), lower-cased content words.

    Keeps nouns (common, proper, numerals), verbs, adjectives, adjectival nouns
    and adverbs; drops particles, auxiliaries, symbols, white space, pronouns,
    prefixes/suffixes, conjunctions, interjections, and the grammatical
    "非自立可能" words (為る, 居る, 事, 物, ...), which carry no topic.
    """
    text = unicodedata.normalize("NFKC", text)
    out = []
    for m in _tokenizer.tokenize(text, _split_mode):
        pos = m.part_of_speech()
        if pos[0] not in KEEP_POS or "非自立可能" in pos[1:3]:
            continue
        form = m.normalized_form().lower()
        if form.strip():
            out.append(form)
    return out


def analyse_lines(doc: tuple[str, str], analyser) -> tuple[list, list[tuple[str, list]]]:
    """(title, body) -> the title's analysis and each non-blank body line's."""
    title, body = doc
    lines = []
    for line in body.split("\n"):
        line = line.strip().strip("\u3000").strip()
        if line:
            lines.append((line, analyser(line)))
    return analyser(title.strip()), lines


def _analyse_doc(doc: tuple[str, str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    return analyse_lines(doc, analyse)


def load_corpus(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    for d in docs:
        d["ts"] = datetime.fromisoformat(d["published"]).timestamp()
    return docs


def analysed_corpus(docs: list[dict], path: Path, mode: str, cache_dir: Path, jobs: int):
    """Returns [(title_tokens, [(line, tokens), ...]), ...], cached per mode."""
    key = hashlib.sha256(
        f"{path.stat().st_size}:{path.stat().st_mtime_ns}:{mode}:{sorted(KEEP_POS)}:v2".encode()
    ).hexdigest()[:16]
    cache = cache_dir / f"shinbun-reco-{mode}-{key}.pickle"
    if cache.exists():
        with cache.open("rb") as f:
            return pickle.load(f)
    t0 = time.perf_counter()
    items = [(d["title"], d["body"]) for d in docs]
    if jobs > 1:
        with multiprocessing.Pool(jobs, _init_tokenizer, (mode,)) as pool:
            result = pool.map(_analyse_doc, items, chunksize=64)
    else:
        _init_tokenizer(mode)
        result = [_analyse_doc(x) for x in items]
    log(f"analysed {len(docs)} articles, mode {mode}, in {time.perf_counter() - t0:.1f} s")
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache)
    return result


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Boilerplate. "clean": a line found verbatim in >= BOILER_MIN articles is
# boilerplate (source credits, shop boxes, newsletter footers, list headers).
# "strict": clean, and the rest of the body is cut at a related-links header
# (■関連記事, 【関連情報】, 【MOVIE ENTER おすすめ記事】, ...), whose lists hold
# the titles of the same source's other articles. "raw": the text as is.

BOILER_MIN = 5
RELATED_HEADER = re.compile(r"^[■【\[]\s*\S*(関連|おすすめ|オススメ)")


def article_tokens(analysed, text: str):
    """Per article (title tokens, body tokens) after boilerplate handling."""
    line_df = Counter()
    if text != "raw":
        for _, lines in analysed:
            line_df.update({line for line, _ in lines})
    out = []
    for title, lines in analysed:
        body = []
        for line, toks in lines:
            if text == "strict" and RELATED_HEADER.match(line):
                break
            if text != "raw" and line_df[line] >= BOILER_MIN:
                continue
            body.extend(toks)
        out.append((title, body))
    return out


# ---------------------------------------------------------------------------
# In-memory index: term frequencies, document frequencies, lengths, postings.


class Index:
    def __init__(self, arts, title_weight: float = 1.0, k1: float = 1.2, b: float = 0.75):
        self.n = len(arts)
        self.tf = []
        for title, body in arts:
            c = Counter(body)
            for t in title:
                c[t] += title_weight
            self.tf.append(c)
        self.df = Counter()
        for c in self.tf:
            self.df.update(c.keys())
        self.length = [sum(c.values()) for c in self.tf]
        self.avglen = sum(self.length) / self.n
        self.k1, self.b = k1, b
        n = self.n
        self.idf_bm25 = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in self.df.items()}
        self.idf_smooth = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in self.df.items()}
        # BM25 impact of term t in document d (what the FTS engine computes).
        self.bm25 = []
        post = defaultdict(lambda: ([], []))
        for d, c in enumerate(self.tf):
            norm = k1 * (1 - b + b * self.length[d] / self.avglen)
            w = {t: self.idf_bm25[t] * f * (k1 + 1) / (f + norm) for t, f in c.items()}
            self.bm25.append(w)
            for t, v in w.items():
                ds, vs = post[t]
                ds.append(d)
                vs.append(v)
        self.post = dict(post)
        self._tfidf = None
        self._short = {}

    def tfidf(self, sublinear: bool = False):
        """TF-IDF (raw or 1 + log tf, smooth idf, L2), as scikit-learn's."""
        if self._tfidf is None:
            self._tfidf = {}
        if sublinear not in self._tfidf:
            vecs = []
            for c in self.tf:
                v = {
                    t: (1 + math.log(f) if sublinear else f) * self.idf_smooth[t]
                    for t, f in c.items()
                }
                norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
                vecs.append({t: x / norm for t, x in v.items()})
            self._tfidf[sublinear] = vecs
        return self._tfidf[sublinear]

    def short_vectors(self, size: int):
        """Each article's `size` heaviest terms, (1 + log tf) * idf, L2: the
        vector stored with the article at publish time for re-ranking."""
        if size not in self._short:
            vecs = []
            for c in self.tf:
                v = {t: (1 + math.log(f)) * self.idf_smooth[t] for t, f in c.items() if f >= 1}
                top = sorted(v.items(), key=lambda x: -x[1])[:size]
                norm = math.sqrt(sum(x * x for _, x in top)) or 1.0
                vecs.append({t: x / norm for t, x in top})
            self._short[size] = vecs
        return self._short[size]


def dot(a: dict, b: dict) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[t] for t, v in a.items() if t in b)


# ---------------------------------------------------------------------------
# Near-duplicates, defined once on the "clean" text with title weight 1:
# Jaccard of content-word 5-gram shingles >= 0.5, or TF-IDF cosine >= 0.9.

SHINGLE = 5
JACCARD_DUP = 0.5
COSINE_DUP = 0.9


def shingles(tokens: list[str]) -> set[int]:
    return {hash("\x00".join(tokens[i : i + SHINGLE])) for i in range(len(tokens) - SHINGLE + 1)}


def all_pairs_cosine(vecs, post_of, threshold: float, jobs: int, top: int = 0, queries=None):
    """Exact cosine of each query article (default all) against all articles,
    term at a time. Returns, per query, its `top` most similar other articles,
    and all pairs with cosine >= threshold."""
    global _G
    _G = (vecs, post_of, threshold, top)
    idx = list(range(len(vecs))) if queries is None else queries
    chunks = [idx[i::jobs] for i in range(jobs)]
    if jobs > 1:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs) as pool:
            parts = pool.map(_cosine_chunk, chunks)
    else:
        parts = [_cosine_chunk(chunks[0])]
    tops, pairs = {}, set()
    for t, p in parts:
        tops.update(t)
        pairs |= p
    return tops, pairs


def _cosine_chunk(chunk):
    vecs, post_of, threshold, top = _G
    n = len(vecs)
    tops, pairs = {}, set()
    for q in chunk:
        acc = [0.0] * n
        for t, w in vecs[q].items():
            ds, vs = post_of[t]
            for d, v in zip(ds, vs, strict=True):
                acc[d] += w * v
        acc[q] = -1.0
        for d, s in enumerate(acc):
            if s >= threshold:
                pairs.add((min(q, d), max(q, d)))
        if top:
            tops[q] = [(d, acc[d]) for d in heapq.nlargest(top, range(n), key=acc.__getitem__)]
        else:
            tops[q] = []
    return tops, pairs


def postings_of(vecs):
    post = defaultdict(lambda: ([], []))
    for d, v in enumerate(vecs):
        for t, x in v.items():
            ds, vs = post[t]
            ds.append(d)
            vs.append(x)
    return dict(post)


def shingle_duplicate_pairs(arts) -> set[tuple[int, int]]:
    """Pairs of articles (title + body tokens) whose shingles overlap with Jaccard >=
    JACCARD_DUP; shingles shared by more than 50 articles are boilerplate, skipped."""
    sh = [shingles(title + body) for title, body in arts]
    sdf = defaultdict(list)
    for d, s in enumerate(sh):
        for h in s:
            sdf[h].append(d)
    inter = Counter()
    for ds in sdf.values():
        if 1 < len(ds) <= 50:
            for i, a in enumerate(ds):
                for c in ds[i + 1 :]:
                    inter[a, c] += 1
    return {
        (a, c) for (a, c), k in inter.items() if k / (len(sh[a]) + len(sh[c]) - k) >= JACCARD_DUP
    }


def near_duplicates(analysed, cache_dir: Path, mode: str, jobs: int):
    key = hashlib.sha256(f"{len(analysed)}:{mode}:{SHINGLE}:{JACCARD_DUP}:{COSINE_DUP}:v2".encode())
    cache = cache_dir / f"shinbun-reco-dups-{key.hexdigest()[:16]}.pickle"
    if cache.exists():
        with cache.open("rb") as f:
            return pickle.load(f)
    t0 = time.perf_counter()
    arts = article_tokens(analysed, "clean")
    jac = shingle_duplicate_pairs(arts)
    vecs = Index(arts).tfidf(sublinear=False)
    _, cos = all_pairs_cosine(vecs, postings_of(vecs), COSINE_DUP, jobs)
    result = {"jaccard": jac, "cosine": cos}
    log(f"near-duplicates computed in {time.perf_counter() - t0:.1f} s")
    with cache.open("wb") as f:
        pickle.dump(result, f)
    return result


# ---------------------------------------------------------------------------
# Recommendation methods. Each yields, for article q, candidates with scores;
# select() then applies the freshness prior and removes q and near-duplicates.


def query_terms(ix: Index, q: int, k: int, max_df: float, weighting: str):
    """The article's k most distinctive terms: highest BM25 weight in the
    article itself, among terms found in at least one other article and in at
    most max_df of the archive (a cap that bounds posting-list reads)."""
    cap = max_df * ix.n
    cands = [(t, w) for t, w in ix.bm25[q].items() if 2 <= ix.df[t] <= cap]
    cands.sort(key=lambda x: -x[1])
    top = cands[:k]
    if weighting == "uniform":
        return {t: 1.0 for t, _ in top}
    return dict(top)


def bm25_search(ix: Index, query: dict, depth: int):
    """Σ_t w_q(t) · BM25(t, d) over the inverted index; the top `depth`."""
    acc = defaultdict(float)
    for t, w in query.items():
        ds, vs = ix.post[t]
        for d, v in zip(ds, vs, strict=True):
            acc[d] += w * v
    return heapq.nlargest(depth, acc.items(), key=lambda x: x[1])


def candidates(ix: Index, q: int, cfg: dict):
    query = query_terms(ix, q, cfg["k"], cfg["max_df"], cfg["qweight"])
    hits = bm25_search(ix, query, cfg["depth"] + 1)
    if cfg.get("prf"):
        # Pseudo-relevance feedback (Rocchio): add the short vectors of the top
        # m hits (other than q) to the query and search again.
        m, beta = cfg["prf"], cfg.get("prf_beta", 0.5)
        vecs = ix.short_vectors(cfg.get("vec", 64))
        top = [d for d, _ in hits if d != q][:m]
        mx = max(query.values())
        exp = defaultdict(float, {t: w / mx for t, w in query.items()})
        for d in top:
            for t, w in vecs[d].items():
                if ix.df[t] <= cfg["max_df"] * ix.n:
                    exp[t] += beta * w / m
        query = dict(sorted(exp.items(), key=lambda x: -x[1])[: cfg.get("prf_k", cfg["k"])])
        hits = bm25_search(ix, query, cfg["depth"] + 1)
    hits = [(d, s) for d, s in hits if d != q]
    rr = cfg.get("rerank")
    if rr:
        vec = cfg.get("vec", 64)
        vecs = ix.short_vectors(vec) if vec else ix.tfidf(sublinear=True)
        qv = vecs[q]
        top = hits[0][1] if hits else 1.0
        alpha = cfg.get("alpha", 1.0)
        hits = [(d, alpha * dot(qv, vecs[d]) + (1 - alpha) * s / top) for d, s in hits]
        hits.sort(key=lambda x: -x[1])
    return hits


def select(ix_ts, q: int, hits, cfg: dict, dups: set, now: float):
    phi, half = cfg.get("fresh", 0.0), cfg.get("half_life", 365.0)
    if phi:
        hits = [(d, s * (1 + phi * 2 ** (-(now - ix_ts[d]) / 86400 / half))) for d, s in hits]
        hits.sort(key=lambda x: -x[1])
    chosen = []
    for d, _ in hits:
        if d == q:
            continue
        if cfg.get("dedup", True) and (
            (min(q, d), max(q, d)) in dups or any((min(c, d), max(c, d)) in dups for c in chosen)
        ):
            continue
        chosen.append(d)
        if len(chosen) == 5:
            break
    return chosen


def _recommend_chunk(chunk):
    ix, cfg, dups, ts, now, baseline = _R
    out = {}
    for q in chunk:
        hits = baseline[q] if baseline is not None else candidates(ix, q, cfg)
        out[q] = select(ts, q, hits, cfg, dups, now)
    return out


def evaluate(name, ix, cfg, docs, dups, jobs, baseline=None, queries=None):
    global _R
    t0 = time.perf_counter()
    ts = [d["ts"] for d in docs]
    now = max(ts)
    _R = (ix, cfg, dups, ts, now, baseline)
    idx = list(range(len(docs))) if queries is None else queries
    chunks = [idx[i::jobs] for i in range(jobs)]
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_recommend_chunk, chunks)
    else:
        parts = [_recommend_chunk(chunks[0])]
    recs = {}
    for p in parts:
        recs.update(p)
    hit = dup_lists = short = 0
    ages = []
    for q, rs in recs.items():
        assert q not in rs
        cat = docs[q]["category"]
        hit += sum(docs[d]["category"] == cat for d in rs)
        short += len(rs) < 5
        members = [q, *rs]
        if any(
            (min(a, c), max(a, c)) in dups for i, a in enumerate(members) for c in members[i + 1 :]
        ):
            dup_lists += 1
        ages.extend((now - ts[d]) / 86400 for d in rs)
    ages.sort()
    row = {
        "method": name,
        "articles": len(recs),
        "p_at_5": hit / (5 * len(recs)),
        "dup_lists": dup_lists,
        "short_lists": short,
        "median_age_days": ages[len(ages) // 2] if ages else None,
        "seconds": time.perf_counter() - t0,
    }
    print(
        f"{name:<44} n={len(recs)} P@5 {row['p_at_5']:.4f}  lists with near-dup {dup_lists:>4}  "
        f"<5 recs {short:>3}  median age {row['median_age_days']:.0f} d  "
        f"({row['seconds']:.1f} s)",
        flush=True,
    )
    return row


# ---------------------------------------------------------------------------

BASE = {"k": 30, "max_df": 0.1, "qweight": "bm25", "depth": 200, "title": 1.0, "dedup": True}


def methods(grid: bool) -> list[tuple[str, dict]]:
    wide = {**BASE, "max_df": 1.0, "qweight": "uniform"}
    m = [
        ("bm25 k=30 max_df=0.1", BASE),
        ("bm25 k=30 uniform", wide),
        ("bm25 k=60 uniform", {**wide, "k": 60}),
        ("bm25 k=30 uniform title x3", {**wide, "title": 3.0}),
        ("bm25 k=30 uniform + rerank cos200", {**wide, "rerank": True}),
        ("bm25 k=30 uniform + rerank cos200 full", {**wide, "rerank": True, "vec": 0}),
        ("bm25 k=60 uniform + rerank cos200 full", {**wide, "k": 60, "rerank": True, "vec": 0}),
        ("bm25 k=60 uniform + fresh .1/365d", {**wide, "k": 60, "fresh": 0.1}),
    ]
    if grid:
        for k in (10, 20, 100):
            m.append((f"bm25 k={k} uniform", {**wide, "k": k}))
        m.append(("bm25 k=60 bm25-weighted", {**wide, "k": 60, "qweight": "bm25"}))
        for vec in (32, 128):
            m.append(
                (f"bm25 k=30 uniform + rerank vec={vec}", {**wide, "rerank": True, "vec": vec})
            )
        m.append(("bm25 k=30 uniform + rerank alpha=.5", {**wide, "rerank": True, "alpha": 0.5}))
        for prf, beta in ((3, 0.5), (10, 1.0)):
            m.append(
                (
                    f"bm25 k=60 uniform + prf{prf} b={beta}",
                    {**wide, "k": 60, "prf": prf, "prf_beta": beta, "prf_k": 60},
                )
            )
        for fresh, half in ((0.05, 365), (0.5, 365), (1.0, 730)):
            m.append(
                (
                    f"bm25 k=60 uniform + fresh {fresh}/{half}d",
                    {**wide, "k": 60, "fresh": fresh, "half_life": half},
                )
            )
    return m


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--mode", choices="ABC", default="B", help="Sudachi split mode")
    p.add_argument("--text", choices=("raw", "clean", "strict"), default="clean")
    p.add_argument("--methods", default="all", help="comma-separated names, or all")
    p.add_argument("--grid", action="store_true", help="also sweep the parameters")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument(
        "--baseline-sample",
        type=int,
        default=2000,
        help="exact all-pairs cosine is slow in pure Python: score this many random "
        "articles (seed 1) for the baseline; 0 = all",
    )
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--cache-dir", type=Path, default=Path("/tmp"))
    p.add_argument("--json", type=Path, help="write the result rows here")
    a = p.parse_args(argv)

    t0 = time.perf_counter()
    docs = load_corpus(a.corpus)
    analysed = analysed_corpus(docs, a.corpus, a.mode, a.cache_dir, a.jobs)
    dups_by = near_duplicates(analysed, a.cache_dir, a.mode, a.jobs)
    dups = dups_by["jaccard"] | dups_by["cosine"]
    involved = {d for pair in dups for d in pair}
    print(
        f"corpus: {len(docs)} articles; mode {a.mode}; text {a.text}; near-duplicate pairs "
        f"{len(dups)} (shingle Jaccard>={JACCARD_DUP}: {len(dups_by['jaccard'])}, "
        f"cosine>={COSINE_DUP}: {len(dups_by['cosine'])}) involving {len(involved)} articles"
    )
    arts = article_tokens(analysed, a.text)
    rows = []
    indexes = {}

    def index(title):
        if title not in indexes:
            indexes[title] = Index(arts, title_weight=title)
        return indexes[title]

    if not a.no_baseline:
        ix = index(1.0)
        sample = None
        if a.baseline_sample:
            sample = sorted(random.Random(1).sample(range(len(docs)), a.baseline_sample))
        for sub in (False, True):
            vecs = ix.tfidf(sublinear=sub)
            tops, _ = all_pairs_cosine(vecs, postings_of(vecs), 2.0, a.jobs, 50, sample)
            for dedup in (False, True):
                name = f"tfidf cosine ({'1+log tf' if sub else 'raw tf'})" + (
                    " + dedup" if dedup else ""
                )
                cfg = {"dedup": dedup}
                rows.append(evaluate(name, ix, cfg, docs, dups, a.jobs, tops, sample))
    wanted = None if a.methods == "all" else set(a.methods.split(","))
    for name, cfg in methods(a.grid):
        if wanted and name not in wanted:
            continue
        rows.append(evaluate(name, index(cfg["title"]), cfg, docs, dups, a.jobs))
    log(f"total {time.perf_counter() - t0:.0f} s")
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
