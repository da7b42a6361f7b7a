"""Topic profiles for こちらもおすすめ(自動検索), round 2: LSA, clusters, blends.

Label-free methods on the livedoor news corpus, scored like
bench/recommend_quality.py (P@5 against the category labels, which are used to
score only; near-duplicates by the same definition: content-word 5-gram
shingle Jaccard >= 0.5 or raw-tf TF-IDF cosine >= 0.9, on the clean text).
Every method scores all 7,367 articles against the whole archive with dense
numpy matrices, removes near-duplicates while choosing the 5, and reports the
number of lists that still hold one.

Needs only the project's dependencies: the SVD is production's own
(shinbun.search.topics._truncated_svd), k-means a few lines of numpy below.

    .venv/bin/python bench/recommend_topics.py --text raw
    .venv/bin/python bench/recommend_topics.py --text clean
    .venv/bin/python bench/recommend_topics.py --text raw --sweep   # + more rows

Analysis: the colleague's cached Sudachi analyses (mode A by default, the
production mode). See docs/RECOMMENDATIONS.md, "Topic profiles (round 2)".
"""

import argparse
import os
import pickle
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import django
import numpy as np
import scipy.sparse as sp

from recommend_quality import (
    COSINE_DUP,
    DEFAULT_CORPUS,
    analysed_corpus,
    article_tokens,
    load_corpus,
    log,
    shingle_duplicate_pairs,
)

# shinbun.search.topics imports the search models, so Django is set up first. Nothing
# is read or written: the database is never opened, the task queue is kept in memory
# and the data directory is the temp directory. The settings refuse to start without a
# key; this process never signs anything.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
os.environ.setdefault("SECRET_KEY", "bench-research-only")
os.environ["SHINBUN_DATA_DIR"] = tempfile.gettempdir()
os.environ["SHINBUN_HUEY_IMMEDIATE"] = "1"
django.setup()

from shinbun.search.topics import _truncated_svd  # noqa: E402

SEED = 1


def tf_matrix(arts, vocab=None):
    """Term counts (title + body), a sparse article x term matrix."""
    vocab = {} if vocab is None else vocab
    rows, cols, vals = [], [], []
    for i, (title, body) in enumerate(arts):
        c = Counter(body)
        c.update(title)
        for t, f in c.items():
            j = vocab.setdefault(t, len(vocab))
            rows.append(i)
            cols.append(j)
            vals.append(f)
    m = sp.csr_matrix((np.array(vals, dtype=float), (rows, cols)), shape=(len(arts), len(vocab)))
    return m, vocab


def l2(m):
    if sp.issparse(m):
        norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
        norms[norms == 0] = 1
        return sp.csr_matrix(sp.diags(1 / norms) @ m)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return m / norms


def idf_of(tf):
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    return np.log((1 + tf.shape[0]) / (1 + df)) + 1  # smooth idf, as the colleague's


def weighted(tf, idf, power=1.0, sublinear=True):
    """(1 + log tf) x idf^power, L2-normalised."""
    m = tf.copy()
    if sublinear:
        m.data = 1 + np.log(m.data)
    return l2(sp.csr_matrix(m @ sp.diags(idf**power)))


def sim(a, b=None):
    s = a @ (a if b is None else b).T
    if sp.issparse(s):
        s = s.toarray()
    return np.asarray(s, dtype=np.float32)


def lsa(x, dims, fit_rows=None):
    """Truncated SVD fitted on fit_rows (default all), with production's randomized
    SVD; every row folded in with the stored projection (x @ V), then L2-normalised."""
    components = _truncated_svd(x if fit_rows is None else x[fit_rows], dims, SEED)
    return l2(np.asarray(x @ components.T, dtype=np.float32))


def kmeans(x, k, n_init=3, seed=SEED, max_iter=300):
    """Cluster labels of the rows of x: Lloyd's k-means from k-means++ seeds, the
    best (least within-cluster sum of squares) of n_init runs."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float64)
    sq = (x * x).sum(1)

    def dist2(centres):  # squared distances, rows x centres
        return np.maximum(sq[:, None] - 2 * x @ centres.T + (centres * centres).sum(1), 0)

    best, best_inertia = None, np.inf
    for _ in range(n_init):
        # k-means++: each next centre drawn with probability proportional to the
        # squared distance to the nearest centre so far.
        centres = x[[rng.integers(len(x))]]
        near = dist2(centres)[:, 0]
        for _ in range(1, k):
            c = x[[rng.choice(len(x), p=near / near.sum())]]
            centres = np.vstack([centres, c])
            near = np.minimum(near, dist2(c)[:, 0])
        labels = None
        for _ in range(max_iter):
            d = dist2(centres)
            new = d.argmin(1)
            if labels is not None and (new == labels).all():
                break
            labels = new
            counts = np.bincount(labels, minlength=k)
            sums = np.zeros_like(centres)
            np.add.at(sums, labels, x)
            full = counts > 0  # an emptied cluster keeps its centre
            centres[full] = sums[full] / counts[full, None]
        inertia = d[np.arange(len(x)), labels].sum()
        if inertia < best_inertia:
            best, best_inertia = labels, inertia
    return best


# ---------------------------------------------------------------------------
# Near-duplicates: the colleague's definition, computed with sparse algebra.


def near_duplicates(analysed, cache_dir: Path, mode: str):
    cache = cache_dir / f"shinbun-topics-dups-{mode}-{len(analysed)}.pickle"
    if cache.exists():
        with cache.open("rb") as f:
            return pickle.load(f)
    clean = article_tokens(analysed, "clean")
    jac = shingle_duplicate_pairs(clean)
    tf, _ = tf_matrix(clean)
    x = weighted(tf, idf_of(tf), sublinear=False)
    c = (x @ x.T).tocoo()
    cos = {
        (int(a), int(b))
        for a, b, v in zip(c.row, c.col, c.data, strict=False)
        if a < b and v >= COSINE_DUP
    }
    result = jac | cos
    with cache.open("wb") as f:
        pickle.dump(result, f)
    return result


# ---------------------------------------------------------------------------
# Scoring: choose 5 per article from a dense score matrix.


class Scorer:
    def __init__(self, docs, dups):
        _, self.cat = np.unique([d["category"] for d in docs], return_inverse=True)
        self.n = len(docs)
        self.dups = dups
        self.rows = []

    def pick(self, q, ranked):
        dups, chosen = self.dups, []
        for d in ranked:
            d = int(d)
            if d == q or (min(q, d), max(q, d)) in dups:
                continue
            if any((min(c, d), max(c, d)) in dups for c in chosen):
                continue
            chosen.append(d)
            if len(chosen) == 5:
                break
        return chosen

    def evaluate(self, name, scores, queries=None, top=60, dedup=True):
        """scores: (len(queries), n) matrix; row i scores article queries[i]."""
        t0 = time.perf_counter()
        queries = np.arange(self.n) if queries is None else np.asarray(queries)
        s = np.array(scores, dtype=np.float32, copy=True)
        s[np.arange(len(queries)), queries] = -np.inf
        idx = np.argpartition(-s, top, axis=1)[:, :top]
        order = np.argsort(-np.take_along_axis(s, idx, 1), axis=1)
        idx = np.take_along_axis(idx, order, 1)
        hit = dup_lists = short = 0
        for row, q in enumerate(queries):
            q = int(q)
            recs = self.pick(q, idx[row]) if dedup else [int(d) for d in idx[row][:5]]
            assert q not in recs
            hit += int((self.cat[recs] == self.cat[q]).sum())
            short += len(recs) < 5
            m = [q, *recs]
            if any(
                (min(a, c), max(a, c)) in self.dups for i, a in enumerate(m) for c in m[i + 1 :]
            ):
                dup_lists += 1
        row = {
            "method": name,
            "articles": len(queries),
            "p_at_5": hit / (5 * len(queries)),
            "dup_lists": dup_lists,
            "short_lists": short,
        }
        self.rows.append(row)
        print(
            f"{name:<58} n={len(queries)} P@5 {row['p_at_5']:.4f}  lists with near-dup "
            f"{dup_lists:>3}  <5 recs {short}  ({time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        return row


def second_order(base, z, k):
    """Mean LSA cosine of each candidate to the article's k best candidates by
    `base`: z_c . mean(z_n), i.e. one more query vector."""
    b = base.copy()
    np.fill_diagonal(b, -np.inf)
    nb = np.argpartition(-b, k, axis=1)[:, :k]
    return sim(z[nb].mean(1), z)


def restrict(scores, first_stage, depth):
    """Keep only the `depth` best candidates of the first stage (production
    re-ranks a candidate list, it does not score the whole archive twice)."""
    f = first_stage.copy()
    np.fill_diagonal(f, -np.inf)
    keep = np.argpartition(-f, depth, axis=1)[:, :depth]
    out = np.full_like(scores, -np.inf)
    np.put_along_axis(out, keep, np.take_along_axis(scores, keep, 1), 1)
    return out


# ---------------------------------------------------------------------------


def run(a):
    t0 = time.perf_counter()
    docs = load_corpus(a.corpus)
    analysed = analysed_corpus(docs, a.corpus, a.mode, a.cache_dir, 2)
    dups = near_duplicates(analysed, a.cache_dir, a.mode)
    n = len(docs)
    print(f"corpus {n} articles; mode {a.mode}; text {a.text}; near-duplicate pairs {len(dups)}")
    sc = Scorer(docs, dups)
    tf, _ = tf_matrix(article_tokens(analysed, a.text))
    idf = idf_of(tf)
    x1 = weighted(tf, idf, 1.0)  # the baseline vectors
    xh = weighted(tf, idf, 0.5)  # (1 + log tf) x sqrt(idf)
    s1 = sim(x1)
    sc.evaluate("tfidf 1+log cosine (issue baseline)", s1)
    sc.evaluate("tfidf 1+log cosine, no dedup", s1, dedup=False)

    z1 = lsa(x1, 50)
    sl1 = sim(z1)
    sc.evaluate("LSA-50 (idf) cosine", sl1)
    blend1 = 0.3 * s1 + 0.7 * sl1
    sc.evaluate("0.3 tfidf + 0.7 LSA-50 (idf)", blend1)
    lab = kmeans(z1, 20)
    same = (lab[:, None] == lab[None, :]).astype(np.float32)
    sc.evaluate("0.3 tfidf + 0.7 LSA-50 + 0.05 same k-means cluster (k=20)", blend1 + 0.05 * same)
    del same

    zh = lsa(xh, 50)
    slh = sim(zh)
    sc.evaluate("LSA-50 (sqrt idf) cosine", slh)
    blend = 0.3 * s1 + 0.7 * slh
    sc.evaluate("0.3 tfidf + 0.7 LSA-50 (sqrt idf)", blend)
    so = second_order(blend, zh, 5)
    best = blend + so
    sc.evaluate("0.3 tfidf + 0.7 LSA-50 (sqrt idf) + 2nd order k=5: BEST", best)
    prod = restrict(best, slh, 200)
    sc.evaluate("  same, re-ranking only LSA top 200 (production)", prod)
    del prod

    # Fold-in: fit idf and the projection on 80 % of the archive (seed 1),
    # fold the other 20 % in as if published after the nightly job, and score
    # those new articles against the whole archive.
    rng = np.random.default_rng(SEED)
    perm = rng.permutation(n)
    old, new = np.sort(perm[: int(0.8 * n)]), np.sort(perm[int(0.8 * n) :])
    idf_old = idf_of(tf[old])
    zf = lsa(weighted(tf, idf_old, 0.5), 50, fit_rows=old)
    xf = weighted(tf, idf_old, 1.0)
    bf = 0.3 * sim(xf[new], xf) + 0.7 * sim(zf[new], zf)
    bq = bf.copy()
    bq[np.arange(len(new)), new] = -np.inf
    nb = np.argpartition(-bq, 5, axis=1)[:, :5]
    bf = bf + sim(zf[nb].mean(1), zf)
    sc.evaluate("  BEST, 20 % new articles folded in (fit on 80 %)", bf, queries=new)
    sc.evaluate("  BEST, same 20 % articles, transductive fit", best[new], queries=new)

    if a.sweep:
        for dims in (30, 70, 100, 200):
            z = lsa(xh, dims)
            b = 0.3 * s1 + 0.7 * sim(z)
            sc.evaluate(f"sweep: 0.3 tfidf + 0.7 LSA-{dims} (sqrt idf)", b)
            sc.evaluate(f"sweep: same + 2nd order k=5 (LSA-{dims})", b + second_order(b, z, 5))
        for alpha in (0.0, 0.15, 0.5):
            b = alpha * s1 + (1 - alpha) * slh
            sc.evaluate(f"sweep: {alpha} tfidf + {1 - alpha} LSA-50 + 2nd", b + so)
        for k, g in ((3, 1.0), (10, 1.0), (5, 0.5), (5, 2.0)):
            sc.evaluate(
                f"sweep: blend + {g} x 2nd order k={k}", blend + g * second_order(blend, zh, k)
            )
        sh = sim(xh)
        b = 0.3 * sh + 0.7 * slh
        sc.evaluate("sweep: 0.3 tfidf(sqrt idf) + 0.7 LSA-50 + 2nd", b + second_order(b, zh, 5))
        for kc in (20, 50, 100):
            lab = kmeans(zh, kc)
            same = (lab[:, None] == lab[None, :]).astype(np.float32)
            sc.evaluate(f"sweep: BEST + 0.05 same k-means cluster (k={kc})", best + 0.05 * same)
    log(f"total {time.perf_counter() - t0:.0f} s")
    return sc.rows


def cost(dims: int = 50, archive: int = 1_000_000, depth: int = 200):
    """Publish-time cost at `archive` articles on this machine, one core: an
    exact scan of the stored LSA vectors (float32), the top `depth`, the
    second-order query and the re-rank of the candidates."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rng = np.random.default_rng(SEED)
    z = l2(rng.standard_normal((archive, dims), dtype=np.float32))
    q = z[12345]
    times = []
    for _ in range(10):
        t = time.perf_counter()
        s = z @ q
        top = np.argpartition(-s, depth)[:depth]
        nb = top[np.argsort(-s[top])][:5]
        s2 = z[top] @ z[nb].mean(0)
        _ = top[np.argsort(-(s[top] + s2))]
        times.append(time.perf_counter() - t)
    times.sort()
    print(
        f"publish-time scan of {archive:,} x {dims} float32 ({z.nbytes / 2**20:.0f} MiB): "
        f"median {1000 * times[5]:.1f} ms, max {1000 * times[-1]:.1f} ms "
        "(+ 200 sparse cosines for the tfidf part)"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--mode", choices="ABC", default="A", help="Sudachi split mode")
    p.add_argument("--text", choices=("raw", "clean", "strict"), default="raw")
    p.add_argument("--sweep", action="store_true", help="also sweep dims, blend, k, clusters")
    p.add_argument("--cost", action="store_true", help="time the publish-time step at 1M")
    p.add_argument("--cache-dir", type=Path, default=Path("/tmp"))
    a = p.parse_args(argv)
    if a.cost:
        cost()
        return 0
    run(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
