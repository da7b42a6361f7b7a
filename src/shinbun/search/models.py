"""What the search index holds for each visible article: its analysed tokens.

The engine's own index (SQLite FTS5 table or PostgreSQL tsvector) is built from these
columns, so the index can be rebuilt, and an entry removed, without analysing again.
"""

import json

from django.db import models


class CompactJSONEncoder(json.JSONEncoder):
    """JSON with text as written and no spaces: a document's terms are mostly kanji and
    kana, which escaped take twice the room in SQLite's text column."""

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "ensure_ascii": False, "separators": (",", ":")})


class SearchDocument(models.Model):
    article = models.OneToOneField(
        "newsroom.Article", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Newest first is the engine's own order: the key grows with the publication time.
    sort_key = models.BigIntegerField(unique=True)
    title = models.TextField()  # normalised forms of the headline (and sub-headline)
    body = models.TextField()  # normalised forms of lead and body, in order
    facets = models.TextField()  # section, series, column and keyword markers
    # Content words and their counts, for 自動検索 (recommendations).
    terms = models.JSONField(default=dict, encoder=CompactJSONEncoder)
    # Length of the (1 + log tf) x idf vector of `terms`, with the document frequencies
    # of indexing time: 自動検索 scores candidates without looking up all their words.
    norm = models.FloatField(default=0)
    length = models.PositiveIntegerField(default=0)
    # The article's topic vector (search/topics.py): float32 values under the topic model
    # named by topic_model_id; empty until a model exists.
    topic = models.BinaryField(null=True, blank=True)
    topic_model_id = models.IntegerField(null=True, blank=True)
    analyzer_version = models.PositiveSmallIntegerField(default=1)
    indexed_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "検索インデックス"
        verbose_name_plural = "検索インデックス"
        indexes = [
            # Holds every vector, so loading them all (topics.TopicVectors) reads this index
            # alone: from the rows, SQLite followed each row's overflow pages past the
            # stored text to its vector (20 s at 1,000,000 articles).
            models.Index(
                fields=["topic_model_id", "article_id", "topic"], name="search_topic_vectors"
            )
        ]

    def __str__(self) -> str:
        return f"search document {self.article_id}"


class Recommendation(models.Model):
    """こちらもおすすめ(自動検索): computed in the background, read by the page."""

    article = models.ForeignKey("newsroom.Article", on_delete=models.CASCADE, related_name="+")
    recommended = models.ForeignKey(
        "newsroom.Article", on_delete=models.CASCADE, related_name="recommended_in"
    )
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField(default=0)

    class Meta:
        ordering = ["article", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["article", "rank"], name="recommendation_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} -> {self.recommended_id} (#{self.rank})"


class ReindexState(models.Model):
    """Where an interrupted `shinbun reindex` resumes."""

    name = models.CharField(max_length=40, unique=True)
    last_article_id = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name}: after {self.last_article_id}"


class TermStat(models.Model):
    """How many indexed articles contain each word (in the headline or the text, content
    and grammatical words alike) and each facet marker (document frequency), kept in
    step by indexing, so 自動検索 weighs words, and search plans queries and counts a
    one-word search's matches, without scanning the index. The row with the form TOTAL
    counts the indexed articles."""

    TOTAL = "__total__"  # analysis never produces underscores

    form = models.CharField(max_length=100, primary_key=True)
    df = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.form}: {self.df}"


class TopicModel(models.Model):
    """A latent topic space fitted on the archive (search/topics.py): the vocabulary, its
    idf and the projection of a weighted term vector onto DIMENSIONS topics. The newest
    row is in use; articles are projected with it when indexed."""

    created_at = models.DateTimeField(auto_now_add=True)
    documents = models.PositiveIntegerField()  # how many articles it was fitted on
    archive = models.PositiveIntegerField()  # how many were indexed at the time
    dimensions = models.PositiveSmallIntegerField()
    vocabulary = models.JSONField()  # terms, in the projection's row order
    idf = models.BinaryField()  # float32 per term
    projection = models.BinaryField()  # float32, terms x dimensions, row-major

    class Meta:
        get_latest_by = "pk"

    def __str__(self) -> str:
        return f"topic model {self.pk} ({self.documents} articles, {self.dimensions} dims)"
