"""こちらもおすすめ(自動検索): related articles found by searching the archive with an
article's own most distinctive terms. No editor is involved.

1. Query: the article's content words weighted by BM25 (term frequency saturated and
   normalised by length, times IDF from the index), the top QUERY_TERMS of them.
2. Candidates: for each query term, its newest POSTINGS_PER_TERM matches from the
   engine; candidates accumulate the weights of the terms they contain (a BM25-style
   OR query), and the best CANDIDATES are kept. Bounded work whatever the archive size.
3. Re-rank: cosine between the article's and each candidate's weighted term vectors,
   times a freshness prior (a gentle decay with age relative to the article).
4. Select: never the article itself, never two near-duplicates (cosine above
   NEAR_DUPLICATE between any two picks, or with the article itself); up to COUNT.

The result is stored (Recommendation rows); pages only read it.
"""

import math
from dataclasses import dataclass

from django.db import transaction

from shinbun.newsroom.models import Article
from shinbun.search.backends import backend
from shinbun.search.models import Recommendation, SearchDocument, TermStat

COUNT = 5
QUERY_TERMS = 16
POSTINGS_PER_TERM = 2000
CANDIDATES = 200
NEAR_DUPLICATE = 0.8
MIN_SIMILARITY = 0.05
FRESHNESS_HALF_LIFE_DAYS = 365.0
K1, B = 1.2, 0.75
AVERAGE_LENGTH = 400.0


@dataclass
class Scored:
    article_id: int
    sort_key: int
    score: float


def _idf(df: int, total: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def weighted_vector(terms: dict[str, int], length: int, idf: dict[str, float]) -> dict[str, float]:
    norm = K1 * (1 - B + B * (length or 1) / AVERAGE_LENGTH)
    vector = {}
    for form, tf in terms.items():
        weight = idf.get(form)
        if weight:
            vector[form] = weight * tf * (K1 + 1) / (tf + norm)
    return vector


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(form, 0.0) for form, weight in a.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))


def document_frequencies(forms) -> tuple[dict[str, int], int]:
    stats = dict(
        TermStat.objects.filter(form__in=[*forms, TermStat.TOTAL]).values_list("form", "df")
    )
    return stats, max(stats.pop(TermStat.TOTAL, 0), 1)


def _age_days(key_a: int, key_b: int) -> float:
    from shinbun.search.indexing import _ID_SPACE

    return abs(key_a // _ID_SPACE - key_b // _ID_SPACE) / 86400


def recommend(article_id: int) -> list[Scored]:
    document = SearchDocument.objects.filter(article_id=article_id).first()
    if document is None or not document.terms:
        return []
    engine = backend()
    df, total = document_frequencies(document.terms)
    # Words found in one article only, or in most of them, say nothing about relatedness.
    idf = {f: _idf(n, total) for f, n in df.items() if 2 <= n <= total * 0.2}
    query = weighted_vector(document.terms, document.length, idf)
    top = sorted(query.items(), key=lambda item: item[1], reverse=True)[:QUERY_TERMS]
    if not top:
        return []
    scores: dict[int, float] = {}
    for form, weight in top:
        for key in engine.term_postings(form, POSTINGS_PER_TERM):
            if key != document.sort_key:
                scores[key] = scores.get(key, 0.0) + weight
    best = sorted(scores, key=scores.get, reverse=True)[:CANDIDATES]
    candidates = SearchDocument.objects.filter(sort_key__in=best).only(
        "article_id", "sort_key", "terms", "length"
    )
    visible = set(
        Article.objects.published()
        .filter(pk__in=[c.article_id for c in candidates])
        .values_list("pk", flat=True)
    )
    # Candidate vectors need the IDF of their own words too.
    missing = {f for c in candidates for f in c.terms} - set(df)
    df.update(document_frequencies(missing)[0])
    idf = {f: _idf(n, total) for f, n in df.items() if 2 <= n <= total * 0.2}
    query_full = weighted_vector(document.terms, document.length, idf)
    ranked = []
    for candidate in candidates:
        if candidate.article_id not in visible:
            continue
        vector = weighted_vector(candidate.terms, candidate.length, idf)
        similarity = cosine(query_full, vector)
        if similarity < MIN_SIMILARITY or similarity >= NEAR_DUPLICATE:
            continue
        freshness = 0.5 ** (
            _age_days(document.sort_key, candidate.sort_key) / FRESHNESS_HALF_LIFE_DAYS
        )
        ranked.append((similarity * (0.8 + 0.2 * freshness), candidate, vector))
    ranked.sort(key=lambda item: item[0], reverse=True)
    picks: list[tuple[Scored, dict]] = []
    for score, candidate, vector in ranked:
        if any(cosine(vector, other) >= NEAR_DUPLICATE for _, other in picks):
            continue
        picks.append((Scored(candidate.article_id, candidate.sort_key, score), vector))
        if len(picks) == COUNT:
            break
    return [scored for scored, _ in picks]


def store_recommendations(article_id: int) -> list[int]:
    picks = recommend(article_id)
    # Shown freshest first, as news readers expect.
    picks.sort(key=lambda s: s.sort_key, reverse=True)
    with transaction.atomic():
        Recommendation.objects.filter(article_id=article_id).delete()
        Recommendation.objects.bulk_create(
            Recommendation(
                article_id=article_id, recommended_id=s.article_id, rank=i, score=s.score
            )
            for i, s in enumerate(picks)
        )
    return [s.article_id for s in picks]


def recommendations_for(article: Article) -> list[Article]:
    """What the article page and the API show: the stored list, visible articles only,
    in one query whatever the list holds."""
    return list(
        Article.objects.published()
        .for_listing()
        .filter(recommended_in__article=article)
        .order_by("recommended_in__rank")
    )
