"""Spreadsheet-safe CSV cells, for every CSV the site writes.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by spreadsheet programs as a formula (CSV or formula injection). Display names and
User-Agent strings are chosen by whoever signs up or sends a request, so every cell is
passed through :func:`csv_cell`, which prefixes such a cell with a single quote, as the
OWASP guidance on CSV injection recommends. The text stays readable and is never
evaluated.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_row(values) -> list[str]:
    return [csv_cell(v) for v in values]
