"""こちらもおすすめ(自動検索), round 3: production's analysis, style features.

Same metric and near-duplicate definition as bench/recommend_topics.py (P@5 on
all 7,367 livedoor articles, labels used only to score; near-duplicates from
the bench's clean-text content-word analysis, removed while choosing the 5).
The difference: every feature here comes from production's analysis function,
`shinbun.search.analysis.index_terms` (mode A, normalised forms, symbols and
white space dropped, content flag), applied line by line so the raw/clean
text modes work as in the bench.

Feature spaces built from that one token stream:

- content: the tokens with content=True;
- all: every token (particles, auxiliaries, pronouns ... included);
- func: only the content=False tokens (writing style: です/ます, だ, 私 ...);
- bi: bigrams of consecutive tokens of the full stream (within a line);

- allbi: all + bi in one vocabulary.

Needs only the project's dependencies (the SVD is production's own, through
bench/recommend_topics.py).

    # best: 0.3 TF-IDF(content) + 0.7 LSA-50(all tokens + bigrams) + 2nd order
    OMP_NUM_THREADS=1 .venv/bin/python bench/recommend_style.py --text raw \
        --exp finalb --min-df 5 --max-vocab 30000           # P@5 0.922, fold-in 0.919
    OMP_NUM_THREADS=1 .venv/bin/python bench/recommend_style.py --text clean \
        --exp finalb --min-df 5 --max-vocab 30000           # P@5 0.892, fold-in 0.895
    # other experiments: --exp main | sweep | dims | sweep2 | sweep3 | final |
    #   final-r2 | final2 | "cfg:0.3,tfidf,content,1;0.7,lsa,all,50|5,1,all,50"

The first run analyses the corpus (about 45 s per analysis, one core) and
caches it in /tmp; later runs take 1-2 minutes.

See docs/RECOMMENDATIONS.md for rounds 1 and 2.
"""

import argparse
import hashlib
import os
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from recommend_quality import (  # noqa: E402
    BOILER_MIN,
    DEFAULT_CORPUS,
    analyse_lines,
    analysed_corpus,
    load_corpus,
    log,
)
from recommend_topics import (  # noqa: E402
    SEED,
    Scorer,
    idf_of,
    l2,
    lsa,
    near_duplicates,
    restrict,
    sim,
    tf_matrix,
)

# ---------------------------------------------------------------------------
# Production analysis, per line, cached.


def _analyse_doc(doc):
    from shinbun.search.analysis import index_terms

    return analyse_lines(doc, index_terms)


def prod_analysed(docs, path: Path, cache_dir: Path):
    src = Path(__file__).resolve().parent.parent / "src/shinbun/search/analysis.py"
    key = hashlib.sha256(
        f"{path.stat().st_size}:{path.stat().st_mtime_ns}:".encode() + src.read_bytes()
    ).hexdigest()[:16]
    cache = cache_dir / f"shinbun-prod-analysis-{key}.pickle"
    if cache.exists():
        with cache.open("rb") as f:
            return pickle.load(f)
    t0 = time.perf_counter()
    result = [_analyse_doc((d["title"], d["body"])) for d in docs]
    log(f"production analysis of {len(docs)} articles in {time.perf_counter() - t0:.1f} s")
    with cache.open("wb") as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
    return result


def streams(analysed, text: str):
    """Per article, per feature kind, (title tokens, body tokens)."""
    line_df = Counter()
    if text != "raw":
        for _, lines in analysed:
            line_df.update({line for line, _ in lines})
    kinds = {"content": [], "all": [], "func": [], "bi": [], "allbi": []}

    def split(toks):
        forms = [f for f, _ in toks]
        return (
            [f for f, c in toks if c],
            forms,
            [f for f, c in toks if not c],
            [a + "\x00" + b for a, b in zip(forms, forms[1:], strict=False)],
        )

    for title, lines in analysed:
        t = split(title)
        b = ([], [], [], [])
        for line, toks in lines:
            if text != "raw" and line_df[line] >= BOILER_MIN:
                continue
            for acc, part in zip(b, split(toks), strict=True):
                acc.extend(part)
        t, b = (*t, t[1] + t[3]), (*b, b[1] + b[3])
        for k, ti, bo in zip(kinds, t, b, strict=True):
            kinds[k].append((ti, bo))
    return kinds


# ---------------------------------------------------------------------------


def weight(tf, idf, power=1.0, sublinear=True):
    m = tf.copy().astype(np.float64)
    if sublinear:
        m.data = 1 + np.log(m.data)
    return l2(sp.csr_matrix(m @ sp.diags(idf**power)))


def second_order(base, z, k, queries=None):
    b = base.copy()
    if queries is None:
        np.fill_diagonal(b, -np.inf)
    else:
        b[np.arange(len(queries)), queries] = -np.inf
    nb = np.argpartition(-b, k, axis=1)[:, :k]
    return sim(z[nb].mean(1), z)


class Spaces:
    """TF-IDF and LSA matrices of each feature kind, fitted on `fit` rows
    (default all: transductive) and computed for every article."""

    def __init__(self, kinds, fit=None, min_df=1, max_vocab=0):
        self.tf, self.idf = {}, {}
        self.fit = fit
        for k, arts in kinds.items():
            tf, _ = tf_matrix(arts)
            tf = sp.csr_matrix(tf)
            ref = tf if fit is None else tf[fit]
            df = np.bincount(ref.indices, minlength=tf.shape[1])
            keep = np.flatnonzero(df >= min_df)
            if max_vocab and k in ("bi", "allbi") and len(keep) > max_vocab:
                keep = np.sort(keep[np.argsort(-df[keep], kind="stable")[:max_vocab]])
            self.tf[k] = tf[:, keep]
            self.idf[k] = idf_of(ref[:, keep])
        self._cache = {}

    def tfidf(self, k, power=1.0):
        key = ("x", k, power)
        if key not in self._cache:
            self._cache[key] = weight(self.tf[k], self.idf[k], power)
        return self._cache[key]

    def lsa(self, k, dims=50, power=0.5):
        key = ("z", k, dims, power)
        if key not in self._cache:
            self._cache[key] = lsa(self.tfidf(k, power), dims, self.fit)
        return self._cache[key]


def blend(sp_, parts, q=None, so=(5, 1.0, ("content", 50))):
    """sum of weight x cosine over parts ((weight, 'tfidf'|'lsa', kind, arg), ...),
    arg = idf power for tfidf, dims for LSA (of (1+log tf) x sqrt idf); then
    second order so = (k, weight, (kind, dims) of the LSA space used)."""
    rows = slice(None) if q is None else q
    s = None
    for w, what, kind, arg in parts:
        m = sp_.tfidf(kind, arg) if what == "tfidf" else sp_.lsa(kind, arg, 0.5)
        t = w * sim(m[rows], m)
        s = t if s is None else s + t
    if so and so[1]:
        k, w, (kind, dims) = so
        s = s + w * second_order(s, sp_.lsa(kind, dims, 0.5), k, q)
    return s


# The chosen recipe: 0.3 x TF-IDF cosine of the content tokens ((1+log tf) x idf)
# + 0.7 x cosine of LSA-50 of ALL tokens ((1+log tf) x sqrt idf), then second
# order on the same LSA-50 (all tokens), k = 5, weight 1.
FINAL = ((0.3, "tfidf", "content", 1.0), (0.7, "lsa", "all", 50))
FINAL_SO = (5, 1.0, ("all", 50))

# Variant with a second 50-dim LSA vector, of token bigrams.
FINAL2 = (*FINAL, (0.3, "lsa", "bi", 50))

# Variant with one LSA space over all tokens AND their bigrams (one vocabulary).
FINAL_B = ((0.3, "tfidf", "content", 1.0), (0.7, "lsa", "allbi", 50))
FINAL_B_SO = (5, 1.0, ("allbi", 50))

R2 = ((0.3, "tfidf", "content", 1.0), (0.7, "lsa", "content", 50))


def recipe(sp_, q=None, *, extra=(), so_k=5, so_w=1.0):
    return blend(sp_, R2 + tuple(extra), q, (so_k, so_w, ("content", 50)))


def final(S, kinds, sc, parts, so, name, min_df=1, seed=SEED, max_vocab=0):
    ev = sc.evaluate
    best = blend(S, parts, so=so)
    ev(f"{name}: {fmt(parts)} + 2nd {so}", best)
    first = sim(S.lsa(so[2][0], so[2][1], 0.5))
    ev("  same, re-ranking only the LSA top 200 (production shape)", restrict(best, first, 200))
    del first
    # Fold-in: idf and the SVD fitted on 80 % (seed 1); the other 20 % projected
    # with the stored model and scored against the whole archive.
    n = sc.n
    perm = np.random.default_rng(seed).permutation(n)
    old, new = np.sort(perm[: int(0.8 * n)]), np.sort(perm[int(0.8 * n) :])
    F = Spaces(kinds, fit=old, min_df=min_df, max_vocab=max_vocab)
    ev(
        f"  {name}, 20 % new articles folded in (fit on 80 %, seed {seed})",
        blend(F, parts, new, so),
        queries=new,
    )
    ev(f"  {name}, same 20 % articles, transductive fit", best[new], queries=new)


def fmt(parts):
    return " + ".join(
        f"{w:g} {what}{'' if what == 'tfidf' else '-' + str(arg)} {kind}"
        for w, what, kind, arg in parts
    )


def run(a):
    t0 = time.perf_counter()
    docs = load_corpus(a.corpus)
    cached = a.cache_dir / f"shinbun-topics-dups-A-{len(docs)}.pickle"
    if cached.exists():  # recommend_topics.near_duplicates' cache
        with cached.open("rb") as f:
            dups = pickle.load(f)
    else:
        dups = near_duplicates(
            analysed_corpus(docs, a.corpus, "A", a.cache_dir, 1), a.cache_dir, "A"
        )
    analysed = prod_analysed(docs, a.corpus, a.cache_dir)
    kinds = streams(analysed, a.text)
    n = len(docs)
    print(f"corpus {n}; production analysis; text {a.text}; near-dup pairs {len(dups)}", flush=True)
    sc = Scorer(docs, dups)
    S = Spaces(kinds, min_df=a.min_df, max_vocab=a.max_vocab)
    print("vocabulary:", {k: (m.shape[1], m.nnz) for k, m in S.tf.items()}, flush=True)
    log(f"spaces built at {time.perf_counter() - t0:.0f} s")
    ev = sc.evaluate

    if a.exp in ("main", "all"):
        s = sim(S.tfidf("content"))
        ev("tfidf 1+log content (issue baseline), no dedup", s, dedup=False)
        ev("tfidf 1+log content (issue baseline)", s)
        ev("round-2 BEST on prod content tokens", recipe(S))
        ev("round-2 blend, no 2nd order", recipe(S, so_w=0))
        for kind in ("all", "func", "bi"):
            ev(f"tfidf 1+log {kind} alone", sim(S.tfidf(kind)))
            ev(f"LSA-50 sqrt-idf {kind} alone", sim(S.lsa(kind)))
    if a.exp in ("sweep", "all"):
        for w in (0.2, 0.5):
            for kind in ("func", "all", "bi"):
                ev(f"R2 + {w} LSA-50 {kind}", recipe(S, extra=((w, "lsa", kind, 50),)))
                ev(f"R2 + {w} tfidf {kind}", recipe(S, extra=((w, "tfidf", kind, 1.0),)))
        for so in (("content", 50), ("all", 50)):
            for parts in (
                ((0.3, "tfidf", "content", 1.0), (0.7, "lsa", "all", 50)),
                ((0.3, "tfidf", "all", 1.0), (0.7, "lsa", "all", 50)),
                (
                    (0.3, "tfidf", "content", 1.0),
                    (0.35, "lsa", "content", 50),
                    (0.35, "lsa", "all", 50),
                ),
                ((0.3, "tfidf", "bi", 1.0), (0.7, "lsa", "all", 50)),
            ):
                ev(f"{fmt(parts)} 2nd {so[0]}", blend(S, parts, so=(5, 1.0, so)))
    if a.exp in ("dims", "all"):
        for d in (30, 40, 70, 100):
            parts = ((0.3, "tfidf", "content", 1.0), (0.7, "lsa", "all", d))
            ev(f"{fmt(parts)} 2nd all-{d}", blend(S, parts, so=(5, 1.0, ("all", d))))
    if a.exp in ("final", "all"):
        final(S, kinds, sc, FINAL, FINAL_SO, "FINAL", a.min_df, a.seed)
    if a.exp == "final-r2":
        final(S, kinds, sc, R2, (5, 1.0, ("content", 50)), "R2 (content only)")
    if a.exp in ("sweep2", "all"):
        c, al = ("content", "all")
        for alpha in (0.0, 0.15, 0.5):
            parts = ((alpha, "tfidf", c, 1.0), (1 - alpha, "lsa", al, 50))
            ev(f"{fmt(parts)} + 2nd", blend(S, parts, so=FINAL_SO))
        for k, w in ((3, 1.0), (10, 1.0), (5, 0.5), (5, 2.0), (5, 0.0)):
            ev(f"FINAL, 2nd k={k} w={w}", blend(S, FINAL, so=(k, w, (al, 50))))
        for extra in (
            (0.3, "lsa", "func", 50),
            (0.3, "lsa", "bi", 50),
            (0.3, "tfidf", "bi", 1.0),
            (0.3, "lsa", c, 50),
        ):
            parts = FINAL + (extra,)
            ev(f"{fmt(parts)} + 2nd", blend(S, parts, so=FINAL_SO))
        for pw in (0.25, 0.75, 1.0):
            z = S.lsa(al, 50, pw)
            S._cache[("z", "all", 50, 0.5)], keep = z, S._cache[("z", "all", 50, 0.5)]
            ev(f"FINAL with LSA all on idf^{pw}", blend(S, FINAL, so=FINAL_SO))
            S._cache[("z", "all", 50, 0.5)] = keep
    if a.exp == "finalb":
        final(S, kinds, sc, FINAL_B, FINAL_B_SO, "FINAL_B", a.min_df, a.seed, a.max_vocab)
    if a.exp == "final2":
        final(S, kinds, sc, FINAL2, FINAL_SO, "FINAL2", a.min_df, a.seed)
    if a.exp in ("sweep3", "all"):
        parts = ((0.3, "tfidf", "content", 1.0), (0.7, "lsa", "allbi", 50))
        ev(f"{fmt(parts)} + 2nd allbi", blend(S, parts, so=(5, 1.0, ("allbi", 50))))
        for extra in (
            ((0.5, "lsa", "bi", 50),),
            ((0.3, "lsa", "bi", 50), (0.3, "lsa", "func", 50)),
        ):
            parts = FINAL + extra
            ev(f"{fmt(parts)} + 2nd", blend(S, parts, so=FINAL_SO))
        ev("FINAL2 2nd k=10", blend(S, FINAL2, so=(10, 1.0, ("all", 50))))
    if a.exp.startswith("cfg:"):
        # cfg:w,what,kind,arg;w,what,...|k,w,kind,dims
        p_, so_ = a.exp[4:].split("|")
        parts = tuple(
            (float(w), what, kind, float(arg) if what == "tfidf" else int(arg))
            for w, what, kind, arg in (x.split(",") for x in p_.split(";"))
        )
        k, w, kind, d = so_.split(",")
        ev(
            f"{fmt(parts)} 2nd {kind}-{d} k={k} w={w}",
            blend(S, parts, so=(int(k), float(w), (kind, int(d)))),
        )
    log(f"total {time.perf_counter() - t0:.0f} s")
    return S, sc


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--text", choices=("raw", "clean"), default="raw")
    p.add_argument("--exp", default="main")
    p.add_argument("--min-df", type=int, default=1, help="drop rarer terms from every space")
    p.add_argument(
        "--max-vocab",
        type=int,
        default=0,
        help="keep only the N most frequent terms of the bigram spaces",
    )
    p.add_argument("--seed", type=int, default=SEED, help="fold-in split")
    p.add_argument("--cache-dir", type=Path, default=Path("/tmp"))
    run(p.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
