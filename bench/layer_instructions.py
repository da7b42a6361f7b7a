"""Instructions our search layer spends on a query next to the raw answer's, counted by
callgrind (valgrind), which do not depend on what else the machine runs.

    .venv/bin/python bench/layer_instructions.py --data var/bench/sqlite-1m [--class rare1]

Runs itself three times under ``valgrind --tool=callgrind`` on the benchmark archive:
each run chooses bench/search.py's queries of one class, warms up with every query
twice both ways, then makes ``--reps`` rounds of ``services.search(q, snippets=False)``
(newest first), or of the raw answer (bench/search.py's page query, count and page's
articles in plain SQL), or nothing. The differences to the run doing nothing, divided
by the number of queries, are the instructions per query of each.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def inside(data: str, database_url: str | None, cls: str, kind: str, reps: int) -> None:
    import search as bench

    bench.setup_django(data, database_url)
    from shinbun.search.services import search

    words = bench.choose_queries(20, 4)[cls]
    prepare = bench.raw_runner()
    raws = {w: prepare(w, "newest", True) for w in words}
    for w in words * 2:
        search(w, snippets=False)
        raws[w]()
    for _ in range(reps if kind != "none" else 0):
        for w in words:
            if kind == "layer":
                search(w, snippets=False)
            else:
                raws[w]()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="SQLite data folder")
    parser.add_argument("--database-url")
    parser.add_argument("--class", dest="cls", default="rare1")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--inside", choices=("none", "layer", "raw"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(args.data, args.database_url, args.cls, args.inside, args.reps)
        return
    from instructions import callgrind_instructions

    database = ["--data", args.data] if args.data else ["--database-url", args.database_url]
    counts = {
        kind: callgrind_instructions(
            [__file__, "--inside", kind, "--class", args.cls, "--reps", str(args.reps), *database]
        )
        for kind in ("none", "layer", "raw")
    }
    queries = args.reps * 20
    layer = (counts["layer"] - counts["none"]) / queries
    raw = (counts["raw"] - counts["none"]) / queries
    print(
        f"{args.cls}, newest first: layer {layer / 1e6:.2f}M, raw answer {raw / 1e6:.2f}M "
        f"instructions per query ({layer / raw:.2f}x)"
    )


if __name__ == "__main__":
    main()
