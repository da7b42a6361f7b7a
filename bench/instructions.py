"""Instructions per article for indexing, counted by callgrind (valgrind), which do not
depend on what else the machine runs, unlike CPU time on a shared machine.

    .venv/bin/python bench/instructions.py [--articles 200] [--batch 100] [--part indexing]

Imports ``--warm + --articles`` corpus articles into a scratch SQLite database, then
runs itself twice under ``valgrind --tool=callgrind``: both runs index the first
``--warm`` articles (the caches fill, as in a long import), and one of them goes on
to index the next ``--articles``. The difference between the two runs' instruction
counts, divided by ``--articles``, is the cost of one warm article. ``--part sudachi``
counts SudachiPy alone instead (``tokenize`` of the title and of lead + body, whole,
with SudachiPy's default settings in split mode A: the issue's reference figure;
``sudachi-c`` in its default mode C), ``--part analysis`` our analysis
(``index_forms_many``, as indexing runs it).
Needs valgrind (Debian: ``apt-get install valgrind``); ~5 minutes for 200 articles.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def run_part(part: str, data: str, warm: int, articles: int, batch: int) -> None:
    """What is measured (inside valgrind): index (or analyse) warm, then more."""
    import search  # bench/search.py: Django set-up

    search.setup_django(data, None)
    from shinbun.newsroom.models import Article
    from shinbun.search import analysis, indexing

    loaded = list(Article.objects.order_by("pk")[: warm + articles])
    if part.startswith("sudachi"):
        # SudachiPy as installed: default settings (analysis.py leaves one input plugin
        # out and reads fewer fields), split mode A as analysis uses, or the default C.
        from sudachipy import Dictionary, SplitMode

        mode = SplitMode.C if part == "sudachi-c" else SplitMode.A
        tokenizer = Dictionary(dict="core").tokenizer(mode=mode)

    for start in range(0, len(loaded), batch):
        chunk = loaded[start : start + batch]
        if part == "indexing":
            indexing.index_articles(chunk)
        elif part == "analysis":
            for _ in analysis.index_forms_many(map(indexing.article_texts, chunk)):
                pass
        else:
            for article in chunk:
                for text in indexing.article_texts(article):
                    tokenizer.tokenize(text)


def callgrind_instructions(arguments: list[str]) -> int:
    """Instructions of this Python running ``arguments``, counted by callgrind. The hash
    seed is fixed: with a random one, the order of sets and the work of dicts differ
    between the two runs, and the figure moved by up to 0.07M an article."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*command, sys.executable, *arguments],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def count(args, extra: int, scratch: Path) -> int:
    data = Path(tempfile.mkdtemp(prefix="shinbun-instructions-"))
    try:
        shutil.copytree(scratch, data, dirs_exist_ok=True)
        return callgrind_instructions(
            [__file__, "--inside", str(data), "--part", args.part, "--warm", str(args.warm)]
            + ["--articles", str(extra), "--batch", str(args.batch)]
        )
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part", choices=("indexing", "analysis", "sudachi", "sudachi-c"), default="indexing"
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--warm", type=int, default=200)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--corpus", help="default: bench/search.py's")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        run_part(args.part, args.inside, args.warm, args.articles, args.batch)
        return
    import search

    scratch = Path(tempfile.mkdtemp(prefix="shinbun-instructions-base-"))
    try:
        search.setup_django(str(scratch), None)
        corpus = Path(args.corpus) if args.corpus else search.DEFAULT_CORPUS
        search.import_corpus(corpus, args.warm + args.articles)
        without = count(args, 0, scratch)
        with_them = count(args, args.articles, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    per_article = (with_them - without) / args.articles
    print(f"{args.part}: {per_article / 1e6:.2f}M instructions per article (batch {args.batch})")


if __name__ == "__main__":
    main()
