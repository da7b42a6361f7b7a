"""Tables as CSV files for operators (`shinbun export`): each domain names its tables
(:class:`Table`), and :func:`write_tables` writes them.

UTF-8 with a byte-order mark, so that spreadsheet programs read the Japanese text; a cell
that a spreadsheet would take for a formula (=, +, -, @ first) is written with a leading
apostrophe. Times are Japan time, ISO 8601; booleans 1 and 0; structured values JSON.
Rows are read in chunks, so a table of millions of rows is written in little memory.
"""

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db.models import QuerySet

from shinbun.core.timefmt import iso_jst

CHUNK = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """A CSV file: its header, and the query's ``values_list`` lookups in that order."""

    file: str
    queryset: QuerySet
    columns: dict[str, str]  # header -> lookup

    def rows(self) -> Iterable[tuple]:
        rows = self.queryset.order_by("pk").values_list(*self.columns.values())
        return rows.iterator(chunk_size=CHUNK)


def same(*names: str) -> dict[str, str]:
    """Columns named as the fields they hold."""
    return {name: name for name in names}


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso_jst(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_tables(out: Path, tables: Iterable[Table]) -> dict[str, int]:
    """Write each table into the folder ``out``; returns the rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for table in tables:
        count = 0
        with (out / table.file).open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(table.columns)
            for row in table.rows():
                writer.writerow([cell(value) for value in row])
                count += 1
        written[table.file] = count
    return written
