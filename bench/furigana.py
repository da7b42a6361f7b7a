"""ふりがな over the livedoor corpus: the share of kanji words that get a reading at each
level, and a seeded sample of annotated words, each in its sentence, for a careful reader
to judge (written under var/, never into the repository: it quotes the corpus).

    .venv/bin/python bench/furigana.py --every 10 --sample 200
"""

import argparse
import gzip
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "livedoor-news.jsonl.gz"


def setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shinbun.settings")
    os.environ.setdefault("SHINBUN_TESTING", "1")
    import django

    django.setup()


def paragraphs(corpus: Path, every: int):
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number % every == 0:
                record = json.loads(line)
                for text in [record["title"], *record["body"].split("\n")]:
                    if text.strip():
                        yield record["id"], text.strip()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--every", type=int, default=10, help="every n-th corpus article")
    parser.add_argument("--levels", default="joyo,grade6,all")
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--sample-level", default="joyo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "var" / "furigana-sample.txt"))
    args = parser.parse_args(argv)
    setup()
    from sudachipy import Dictionary, SplitMode

    from shinbun.newsroom.furigana import KANJI, spans

    tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    levels = args.levels.split(",")
    kanji_words = 0
    annotated = dict.fromkeys(levels, 0)
    picked: list[str] = []
    for _, text in paragraphs(Path(args.corpus), args.every):
        words = [
            (w.begin(), w.end()) for w in tokenizer.tokenize(text) if KANJI.search(w.surface())
        ]
        kanji_words += len(words)
        for level in levels:
            ruby = spans(text, level)
            with_ruby = [(b, e) for b, e in words if any(b <= s < e for s, _, _ in ruby)]
            annotated[level] += len(with_ruby)
            if level == args.sample_level:
                for begin, end in with_ruby:
                    readings = "".join(f"{text[s:e]}({r})" for s, e, r in ruby if begin <= s < end)
                    picked.append(
                        f"{text[begin:end]}\t{readings}\t{text[max(0, begin - 15) : end + 15]}"
                    )
    print(f"kanji words (SudachiPy mode C): {kanji_words:,}")
    for level in levels:
        share = annotated[level] / kanji_words if kanji_words else 0
        print(f"  {level:7} words with ふりがな: {annotated[level]:,} ({share:.1%})")
    sample = random.Random(args.seed).sample(picked, min(args.sample, len(picked)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(f"{n}\t{line}" for n, line in enumerate(sample, 1)) + "\n")
    print(f"{len(sample)} annotated words ({args.sample_level}) to judge: {out}")


if __name__ == "__main__":
    main()
