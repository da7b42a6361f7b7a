"""こちらもおすすめ(自動検索): related articles found by searching the archive with an
article's own most distinctive terms. No editor is involved.

1. Query: the article's QUERY_TERMS most distinctive content words by (1 + log tf) x
   idf, leaving out words found in one article only or in over MAX_DF_SHARE of them.
2. Candidates: an OR query of those words; for each word the engine gives its newest
   POSTINGS_PER_TERM matches, and the CANDIDATES articles matching most words are
   kept. Bounded work whatever the archive size, and a preference for fresh ones.
3. Re-rank: cosine of full (1 + log tf) x idf vectors, times a freshness prior
   (1 + 0.1 x 2^(-age / 1 year)), a tie-breaker among similar scores.
4. Select: never the article itself, never a near-duplicate of it or of another pick
   (cosine >= NEAR_DUPLICATE: the same story reworded or sent again); up to COUNT.

The result is stored (Recommendation rows); pages only read it.
"""

import math
from dataclasses import dataclass

from django.db import transaction

from shinbun.newsroom.models import Article
from shinbun.search.backends import backend
from shinbun.search.models import Recommendation, SearchDocument, TermStat

COUNT = 5
QUERY_TERMS = 60
POSTINGS_PER_TERM = 2000
CANDIDATES = 200
MAX_DF_SHARE = 0.1  # words in more than 10 % of articles say little about relatedness
NEAR_DUPLICATE = 0.9
MIN_SIMILARITY = 0.05
FRESHNESS_WEIGHT, FRESHNESS_HALF_LIFE_DAYS = 0.1, 365.0


@dataclass
class Scored:
    article_id: int
    sort_key: int
    score: float


def _idf(df: int, total: int) -> float:
    return math.log(total / df)


def weighted_vector(terms: dict[str, int], idf: dict[str, float]) -> dict[str, float]:
    """(1 + log tf) x idf: the weighting that ranks same-topic articles best (see
    docs/RECOMMENDATIONS.md; raw tf lost ten points of P@5)."""
    vector = {}
    for form, tf in terms.items():
        weight = idf.get(form)
        if weight:
            vector[form] = (1 + math.log(tf)) * weight
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
    idf = {form: _idf(n, total) for form, n in df.items() if n >= 1}
    query = weighted_vector(document.terms, idf)
    # The query: the most distinctive words, leaving out the unique and the common.
    distinctive = [f for f in query if 2 <= df[f] <= max(2, total * MAX_DF_SHARE)]
    top = sorted(distinctive, key=query.get, reverse=True)[:QUERY_TERMS]
    if not top:
        return []
    hits: dict[int, int] = {}
    for form in top:
        for key in engine.term_postings(form, POSTINGS_PER_TERM):
            if key != document.sort_key:
                hits[key] = hits.get(key, 0) + 1
    best = sorted(hits, key=lambda key: (hits[key], key), reverse=True)[:CANDIDATES]
    candidates = list(
        SearchDocument.objects.filter(sort_key__in=best).only("article_id", "sort_key", "terms")
    )
    visible = set(
        Article.objects.published()
        .filter(pk__in=[c.article_id for c in candidates])
        .values_list("pk", flat=True)
    )
    # Candidates' own words need their weights too, for a full cosine.
    missing = {f for c in candidates for f in c.terms} - set(df)
    more, _ = document_frequencies(missing)
    idf.update({form: _idf(n, total) for form, n in more.items() if n >= 1})
    ranked = []
    for candidate in candidates:
        if candidate.article_id not in visible:
            continue
        vector = weighted_vector(candidate.terms, idf)
        similarity = cosine(query, vector)
        if similarity < MIN_SIMILARITY or similarity >= NEAR_DUPLICATE:
            continue  # unrelated, or the same story again
        age = _age_days(document.sort_key, candidate.sort_key)
        freshness = 1 + FRESHNESS_WEIGHT * 0.5 ** (age / FRESHNESS_HALF_LIFE_DAYS)
        ranked.append((similarity * freshness, candidate, vector))
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
