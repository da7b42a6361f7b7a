"""こちらもおすすめ(自動検索): related articles found by searching the archive with an
article's own terms. No editor is involved.

1. Candidates. With a topic model (search/topics.py: the article's weighted terms
   projected onto the archive's main latent topics), the CANDIDATES articles whose
   topic vectors are nearest. Without one (a young archive), an OR query of the
   article's QUERY_TERMS most distinctive content words by (1 + log tf) x idf, leaving
   out words found in one article only or in over MAX_DF_SHARE of them; the engine gives
   each word's newest POSTINGS_PER_TERM matches and the CANDIDATES matching most words
   are kept.
2. Score: cosine of full (1 + log tf) x idf content-word vectors, blended with the
   topic cosine (WORDS_WEIGHT, TOPIC_WEIGHT), plus the candidate's topic cosine to the
   mean of the NEIGHBOURHOOD best (second order: what the article's nearest neighbours
   agree on), times a freshness prior (1 + 0.1 x 2^(-age / 1 year)), a tie-breaker among
   similar scores. P@5 on the livedoor corpus: 0.84 by words alone, 0.92 with topics
   (docs/RECOMMENDATIONS.md).
4. Select: never the article itself, never a near-duplicate of it or of another pick,
   up to COUNT. Near-duplicates are the same story reworded or sent again: a cosine of
   the content-word vectors >= NEAR_DUPLICATE, or the same running text, which the
   vectors can miss when one copy has more around it: Jaccard >= SHINGLE_DUPLICATE of
   the sets of SHINGLE consecutive content words (docs/RECOMMENDATIONS.md).

The result is stored (Recommendation rows); pages only read it.
"""

import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from tqdm import tqdm

from shinbun.core.cache import CachedState, forget
from shinbun.core.pagecache import purge_paths
from shinbun.newsroom.models import Article
from shinbun.search import topics
from shinbun.search.backends import backend
from shinbun.search.indexing import ID_SPACE
from shinbun.search.models import Recommendation, SearchDocument
from shinbun.search.termstats import document_frequencies, idf, set_norms, term_weights

COUNT = 5
STAMP_SECONDS = 24 * 3600
QUERY_TERMS = 60
POSTINGS_PER_TERM = 2000
CANDIDATES = 200
MAX_DF_SHARE = 0.1  # words in more than 10 % of articles say little about relatedness
NEAR_DUPLICATE = 0.9
SHINGLE, SHINGLE_DUPLICATE = 5, 0.5
MIN_SIMILARITY = 0.05
FRESHNESS_WEIGHT, FRESHNESS_HALF_LIFE_DAYS = 0.1, 365.0
WORDS_WEIGHT, TOPIC_WEIGHT = 0.3, 0.7
TOPIC_CANDIDATES = 60  # nearest by topic, then scored by words too
NEIGHBOURHOOD = 5


@dataclass
class Scored:
    article_id: int
    sort_key: int
    score: float


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(form, 0.0) for form, weight in a.items())
    if not dot:
        return 0.0
    return dot / (math.hypot(*a.values()) * math.hypot(*b.values()))


def shingles(title: str, body: str, terms: dict[str, int]) -> set[int]:
    """Hashes of every SHINGLE consecutive content words of a stored document (its
    tokens that are among its content-word terms)."""
    words = [form for form in f"{title} {body}".split() if form in terms]
    return {hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)}


def jaccard(a: set, b: set) -> float:
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if shared else 0.0


def _age_days(key_a: int, key_b: int) -> float:
    return abs(key_a // ID_SPACE - key_b // ID_SPACE) / 86400


def _by_words(engine, document, query: dict, df: dict, total: int) -> list[int]:
    """Sort keys of the articles matching most of the query's distinctive words."""
    # In a young archive a tenth of it is a handful of articles: allow up to 20 there.
    cap = max(2, total * MAX_DF_SHARE, min(total // 2, 20))
    distinctive = [form for form in query if 2 <= df.get(form, 0) <= cap]
    top = sorted(distinctive, key=query.get, reverse=True)[:QUERY_TERMS]
    hits: dict[int, int] = {}
    for form in top:
        for key in engine.term_postings(form, POSTINGS_PER_TERM):
            if key != document.sort_key:
                hits[key] = hits.get(key, 0) + 1
    return sorted(hits, key=lambda key: (hits[key], key), reverse=True)[:CANDIDATES]


def recommend(article_id: int) -> list[Scored]:
    document = SearchDocument.objects.filter(article_id=article_id).first()
    if document is None or not document.terms:
        return []
    df, total = document_frequencies(document.terms)
    query = term_weights(document.terms, df, total)
    query_norm = math.hypot(*query.values())
    if not query_norm:
        return []
    near = dict(topics.nearest(document, TOPIC_CANDIDATES))
    fields = ("article_id", "sort_key", "terms", "norm", "topic", "topic_model_id")
    if near:
        candidates = SearchDocument.objects.filter(pk__in=list(near))
    else:
        candidates = SearchDocument.objects.filter(
            sort_key__in=_by_words(backend(), document, query, df, total)
        )
    candidates = [c for c in candidates.only(*fields) if c.article_id != article_id]
    visible = set(
        Article.objects.published()
        .filter(pk__in=[c.article_id for c in candidates])
        .values_list("pk", flat=True)
    )
    if any(not c.norm for c in candidates):
        set_norms([c for c in candidates if not c.norm])
    # Full cosine: the dot product needs only the query's words (weight x idf, computed
    # once); the candidate's length was computed when it was indexed.
    query_idf = {f: w * idf(df[f], total) for f, w in query.items()}
    scored = []
    for candidate in candidates:
        if candidate.article_id not in visible:
            continue
        terms = candidate.terms
        if len(terms) < len(query_idf):
            pairs = ((query_idf.get(f), tf) for f, tf in terms.items())
            dot = sum(q * (1 + math.log(tf)) for q, tf in pairs if q is not None)
        else:
            dot = sum(q * (1 + math.log(terms[f])) for f, q in query_idf.items() if f in terms)
        similarity = dot / (query_norm * candidate.norm) if candidate.norm else 0.0
        if similarity >= NEAR_DUPLICATE:
            continue  # the same story again
        if near:
            score = WORDS_WEIGHT * similarity + TOPIC_WEIGHT * near[candidate.article_id]
        elif similarity < MIN_SIMILARITY:
            continue  # unrelated
        else:
            score = similarity
        scored.append([score, candidate])
    if near and scored:
        # Second order: what the article's best neighbours have in common.
        best = sorted(scored, key=lambda item: item[0], reverse=True)[:NEIGHBOURHOOD]
        centre = sum(topics.vector_of(c) for _, c in best) / len(best)
        for item in scored:
            item[0] += float(topics.vector_of(item[1]) @ centre)
    ranked = []
    for score, candidate in scored:
        age = _age_days(document.sort_key, candidate.sort_key)
        freshness = 1 + FRESHNESS_WEIGHT * 0.5 ** (age / FRESHNESS_HALF_LIFE_DAYS)
        ranked.append((score * freshness, candidate))
    ranked.sort(key=lambda item: item[0], reverse=True)
    # Near-duplicates: full vectors and the running text of the candidates, read for a
    # few at a time (most lists are filled from the first few).
    own = shingles(document.title, document.body, document.terms)
    picks: list[tuple[Scored, dict, set]] = []
    for start in range(0, len(ranked), COUNT * 4):
        head = ranked[start : start + COUNT * 4]
        head_df, _ = document_frequencies(f for _, c in head for f in c.terms)
        texts = {
            pk: (title, body)
            for pk, title, body in SearchDocument.objects.filter(
                pk__in=[c.pk for _, c in head]
            ).values_list("pk", "title", "body")
        }
        for score, candidate in head:
            vector = term_weights(candidate.terms, head_df, total)
            text = shingles(*texts.get(candidate.pk, ("", "")), candidate.terms)
            if cosine(vector, query) >= NEAR_DUPLICATE or jaccard(text, own) >= SHINGLE_DUPLICATE:
                continue  # the article's own story again (exactly, with today's idf)
            if any(
                cosine(vector, other) >= NEAR_DUPLICATE or jaccard(text, seen) >= SHINGLE_DUPLICATE
                for _, other, seen in picks
            ):
                continue  # a pick's story again
            picks.append((Scored(candidate.article_id, candidate.sort_key, score), vector, text))
            if len(picks) == COUNT:
                return [scored for scored, _, _ in picks]
    return [scored for scored, _, _ in picks]


def store_recommendations(article_id: int) -> list[int]:
    """Compute and keep the article's list; when it changed, the article's kept pages
    (visitors' copies, members' variants through :func:`cached_stamp`) are made again."""
    picks = recommend(article_id)
    # Shown freshest first, as news readers expect.
    picks.sort(key=lambda s: s.sort_key, reverse=True)
    picked = [s.article_id for s in picks]
    with transaction.atomic():
        stored = Recommendation.objects.filter(article_id=article_id).order_by("rank")
        changed = list(stored.values_list("recommended_id", flat=True)) != picked
        stored.delete()
        Recommendation.objects.bulk_create(
            Recommendation(
                article_id=article_id, recommended_id=s.article_id, rank=i, score=s.score
            )
            for i, s in enumerate(picks)
        )
        if changed:
            forget(_stamp_key(article_id))
            transaction.on_commit(lambda: _purge_page(article_id))
    return picked


def _stamp_key(article_id: int) -> str:
    return f"recommend:stamp:{article_id}"


def cached_stamp(article_id: int) -> CachedState:
    """A token that changes whenever the article's list does: part of the key of its
    members' page variants."""
    return CachedState(_stamp_key(article_id), lambda: uuid.uuid4().hex, STAMP_SECONDS)


def _purge_page(article_id: int) -> None:
    article = Article.objects.filter(pk=article_id).first()
    if article is not None:
        with translation.override(settings.LANGUAGE_CODE):  # the unprefixed path
            purge_paths([article.get_absolute_url()])


def refresh_all_recommendations(progress: bool = False) -> int:
    """Recompute every indexed article's stored list here and now (after a new topic
    model, from the command line; the nightly task queues them instead)."""
    pks = topics.indexed_newest_first()
    for pk in tqdm(pks, unit="記事", disable=not progress):
        store_recommendations(pk)
    return len(pks)


def recommendations_for(article: Article) -> list[Article]:
    """What the article page and the API show: the stored list, visible articles only,
    in one query whatever the list holds."""
    return list(
        Article.objects.published()
        .for_listing()
        .filter(recommended_in__article=article)
        .order_by("recommended_in__rank")
    )
