"""Where the livedoor news corpus is read at run time (it is never copied here)."""

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

# ../shared/corpus beside the checkout, or where the machine keeps it.
CORPUS = next(
    (
        path
        for folder in (Path(__file__).resolve().parents[2], Path("/work"))
        if (path := folder / "shared" / "corpus" / "livedoor-news.jsonl.gz").exists()
    ),
    Path("/work/shared/corpus/livedoor-news.jsonl.gz"),
)


def corpus_articles(every: int) -> Iterator[tuple[int, dict]]:
    """(line number, article) of every ``every``-th corpus article. The corpus is part of
    the project's shared data, so a missing corpus fails the tests that read it."""
    if not CORPUS.exists():
        raise FileNotFoundError(f"the livedoor news corpus is missing: {CORPUS}")
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number % every == 0:
                yield number, json.loads(line)
