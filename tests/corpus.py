"""Where the livedoor news corpus is read at run time (it is never copied here)."""

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
