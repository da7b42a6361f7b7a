"""Latent topics for こちらもおすすめ(自動検索) (docs/RECOMMENDATIONS.md, round 3).

An article's words say what the story is about; which *kind* of story it is (sport,
gadgets, lifestyle) shows in the words around them, including the grammatical ones and
the pairs they form. A topic model captures that: every article's analysed tokens (the
index's own, title and body, every token plus each pair of consecutive tokens) are
weighted (1 + log tf) x sqrt(idf) over a vocabulary of terms in at least MIN_DF
articles (the MAX_VOCABULARY most frequent), and projected onto the DIMENSIONS main
directions of a truncated SVD (scipy's svds) of a sample of the archive (latent
semantic analysis). Two articles about the same kind of story point the same way even
with few words in common.

- ``fit()`` (periodic task ``refit_topics``, ``shinbun manage fit_topics``, and after
  an import) builds a TopicModel from a sample of the archive, projects every indexed
  article with it and stores the vectors (SearchDocument.topic).
- Indexing projects each new or changed article with the model in use (fold-in: a
  model fitted on part of the archive projects the rest as well as it projects what it
  saw; RECOMMENDATIONS.md).
- ``nearest()`` scans all stored vectors (held per process as one matrix, refreshed
  with what was indexed since) for the candidates of recommend.py.
"""

import random
from collections import Counter

import numpy as np
from django.db.models import Max

from shinbun.search.models import SearchDocument, TopicModel

DIMENSIONS = 50
MIN_DF = 5
MAX_VOCABULARY = 30_000
FIT_SAMPLE = 20_000  # articles the SVD is fitted on; the others are projected
MIN_ARCHIVE = 200  # below this, recommendations use the words alone
REFIT_GROWTH = 1.25  # refit once the archive has grown by a quarter since the model
SEED = 1


def features(title: str, body: str) -> Counter:
    """Every token of the stored title and body, and every pair of consecutive tokens
    (joined by a space, which no token holds)."""
    counts: Counter = Counter()
    for part in (title, body):
        forms = part.split()
        counts.update(forms)
        counts.update(f"{a} {b}" for a, b in zip(forms, forms[1:], strict=False))
    return counts


def weighted(
    counts: Counter, index: dict[str, int], idf: np.ndarray
) -> tuple[list[int], np.ndarray]:
    """The vocabulary columns of an article's known terms and their (1 + ln tf) x idf
    weights (idf here is the model's: the square root of the usual one)."""
    columns = [index[term] for term in counts if term in index]
    tfs = np.array([counts[term] for term in counts if term in index], dtype=np.float32)
    return columns, (1 + np.log(tfs)) * idf[columns]


class TopicProjector:
    """A TopicModel loaded for projecting."""

    def __init__(self, model: TopicModel):
        self.model_id = model.pk
        self.index = {term: i for i, term in enumerate(model.vocabulary)}
        self.idf = np.frombuffer(bytes(model.idf), dtype=np.float32)
        self.projection = np.frombuffer(bytes(model.projection), dtype=np.float32).reshape(
            len(model.vocabulary), model.dimensions
        )

    def project(self, counts: Counter) -> np.ndarray | None:
        """The unit topic vector of an article's feature counts, or None (no known term)."""
        columns, weights = weighted(counts, self.index, self.idf)
        if not columns:
            return None
        vector = weights @ self.projection[columns]  # the weights' norm cancels out below
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else None


_projector: TopicProjector | None = None


def active_projector() -> TopicProjector | None:
    """The newest TopicModel, loaded once per process (and again when a newer exists)."""
    global _projector
    latest = TopicModel.objects.order_by("-pk").values_list("pk", flat=True).first()
    if latest is None:
        _projector = None
    elif _projector is None or _projector.model_id != latest:
        _projector = TopicProjector(TopicModel.objects.get(pk=latest))
    return _projector


def assign(documents: list[SearchDocument], projector: TopicProjector | None = None) -> None:
    """Set each document's topic vector with the model in use (not saved here)."""
    projector = projector or active_projector()
    for document in documents:
        vector = (
            None
            if projector is None
            else projector.project(features(document.title, document.body))
        )
        document.topic = None if vector is None else vector.astype(np.float32).tobytes()
        document.topic_model_id = None if vector is None else projector.model_id


# Fitting --------------------------------------------------------------------------


def _documents(pks, batch: int = 2000):
    for start in range(0, len(pks), batch):
        chunk = pks[start : start + batch]
        yield from SearchDocument.objects.filter(pk__in=chunk).only("title", "body").order_by("pk")


def is_due() -> bool:
    archive = SearchDocument.objects.count()
    if archive < MIN_ARCHIVE:
        return False
    model = TopicModel.objects.order_by("-pk").first()
    return model is None or archive >= model.archive * REFIT_GROWTH


def fit(sample_size: int = FIT_SAMPLE, seed: int = SEED, progress=None) -> TopicModel | None:
    """Fit a TopicModel on a sample of the archive and project every article with it.
    None when the archive is too small to say anything."""
    from scipy import sparse

    pks = list(SearchDocument.objects.order_by("pk").values_list("pk", flat=True))
    if len(pks) < MIN_ARCHIVE:
        return None
    sample = sorted(random.Random(seed).sample(pks, min(sample_size, len(pks))))
    df: Counter = Counter()
    for document in _documents(sample):
        df.update(features(document.title, document.body).keys())
    common = [(n, term) for term, n in df.items() if n >= MIN_DF]
    common.sort(key=lambda item: (-item[0], item[1]))
    vocabulary = [term for _, term in common[:MAX_VOCABULARY]]
    if len(vocabulary) <= DIMENSIONS:
        return None
    index = {term: i for i, term in enumerate(vocabulary)}
    idf = np.sqrt(
        np.log((1 + len(sample)) / (1 + np.array([df[t] for t in vocabulary], dtype=float))) + 1
    ).astype(np.float32)  # as stored, so the fit weighs as projection will
    del df
    # The sample is read a second time rather than kept: its features (every token and
    # pair) would take gigabytes at FIT_SAMPLE articles.
    rows, columns, values = [], [], []
    for row, document in enumerate(_documents(sample)):
        found, weights = weighted(features(document.title, document.body), index, idf)
        rows += [row] * len(found)
        columns += found
        values += list(weights / (np.linalg.norm(weights) or 1.0))
    matrix = sparse.csr_matrix(
        (np.array(values), (np.array(rows), np.array(columns))),
        shape=(len(sample), len(vocabulary)),
    )
    components = _topic_directions(matrix, DIMENSIONS, seed)
    model = TopicModel.objects.create(
        documents=len(sample),
        archive=len(pks),
        dimensions=len(components),  # fewer than DIMENSIONS on a tiny archive
        vocabulary=vocabulary,
        idf=idf.tobytes(),
        projection=np.ascontiguousarray(components.T, dtype=np.float32).tobytes(),
    )
    project_all(model, progress=progress)
    return model


def _topic_directions(matrix, k: int, seed: int) -> np.ndarray:
    """The k main directions of the weighted term space (k x terms): the right singular
    vectors of the sample's matrix for its k largest singular values, largest first."""
    from scipy.sparse.linalg import svds

    k = min(k, min(matrix.shape) - 1)
    _, singular, right = svds(matrix, k=k, random_state=seed)
    return right[np.argsort(-singular)]


def project_all(model: TopicModel, progress=None, batch: int = 2000) -> int:
    """Store every indexed article's vector under this model."""
    projector = TopicProjector(model)
    pks = list(SearchDocument.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch):
        documents = list(
            SearchDocument.objects.filter(pk__in=pks[start : start + batch]).only(
                "pk", "title", "body"
            )
        )
        assign(documents, projector)
        SearchDocument.objects.bulk_update(documents, ["topic", "topic_model_id"])
        if progress:
            progress(len(documents))
    return len(pks)


# Nearest neighbours -----------------------------------------------------------------


class TopicVectors:
    """All stored vectors of one model as a matrix, kept per process and brought up to
    date with the documents indexed since the last look (by indexed_at)."""

    def __init__(self, model_id: int):
        self.model_id = model_id
        self.rows: dict[int, int] = {}
        self.ids = np.zeros(0, dtype=np.int64)
        self.vectors = None
        self.seen = None

    def refresh(self) -> None:
        # The newest indexing time and, after the first load, what was indexed since
        # both come from the indexed_at index; the first load reads the covering index
        # of all vectors (models.SearchDocument.Meta).
        latest = SearchDocument.objects.aggregate(latest=Max("indexed_at"))["latest"]
        if latest is None:
            return
        if self.seen is None:
            changed = SearchDocument.objects.filter(topic_model_id=self.model_id).values_list(
                "pk", "topic"
            )
        else:
            changed = (
                (pk, topic)
                for pk, topic, model_id in SearchDocument.objects.filter(
                    indexed_at__gte=self.seen
                ).values_list("pk", "topic", "topic_model_id")
                if model_id == self.model_id and topic is not None
            )
        new_ids, new_vectors = [], []
        rows = changed.iterator(chunk_size=20000) if self.seen is None else changed
        for pk, topic in rows:
            row = self.rows.get(pk)
            if row is None:
                self.rows[pk] = len(self.rows)
                new_ids.append(pk)
                new_vectors.append(topic)
            else:
                self.vectors[row] = np.frombuffer(topic, dtype=np.float32)
        if new_ids:
            # One buffer for all new rows (a million small arrays took seconds).
            joined = bytearray(b"".join(new_vectors))  # writable: corrections land in place
            added = np.frombuffer(joined, dtype=np.float32).reshape(len(new_ids), -1)
            self.ids = np.concatenate([self.ids, np.asarray(new_ids, dtype=np.int64)])
            self.vectors = added if self.vectors is None else np.vstack([self.vectors, added])
        self.seen = latest


_vectors: TopicVectors | None = None


def forget() -> None:
    """Drop this process's loaded model and vectors (a test's database is rolled back
    under the same ids)."""
    global _vectors, _projector
    _vectors = _projector = None


def vectors_for(model_id: int) -> TopicVectors:
    global _vectors
    if _vectors is None or _vectors.model_id != model_id:
        _vectors = TopicVectors(model_id)
    _vectors.refresh()
    return _vectors


def nearest(document: SearchDocument, count: int) -> list[tuple[int, float]]:
    """The ``count`` articles whose topic vectors are closest to the document's (article
    id, cosine), best first, the document itself left out; [] without a vector."""
    if document.topic is None or document.topic_model_id is None:
        return []
    query = np.frombuffer(bytes(document.topic), dtype=np.float32)
    stored = vectors_for(document.topic_model_id)
    if not len(stored.ids):
        return []
    scores = stored.vectors @ query
    own = stored.rows.get(document.pk)
    if own is not None:
        scores[own] = -np.inf
    count = min(count, len(scores) - (own is not None))
    if count <= 0:
        return []
    best = np.argpartition(-scores, count - 1)[:count]
    best = best[np.argsort(-scores[best])]
    return [(int(stored.ids[i]), float(scores[i])) for i in best]


def vector_of(document: SearchDocument) -> np.ndarray | None:
    if document.topic is None:
        return None
    return np.frombuffer(bytes(document.topic), dtype=np.float32)


def indexed_newest_first() -> list[int]:
    return list(SearchDocument.objects.order_by("-sort_key").values_list("pk", flat=True))
