"""Cells that a spreadsheet shows as data and never runs as a formula (CSV/formula injection).

A text starting with ``=``, ``+``, ``-``, ``@`` (or a tab or line break, which some
spreadsheets skip before reading the rest as a formula) is executed when the file is opened:
``=HYPERLINK(...)`` in a structure's name or a search filter would run on the reader's machine.
As OWASP recommends, such a text gets a leading apostrophe, the spreadsheet's own mark for "this
is text". Numbers stay numbers, including negative ones written as text (``-3,5``).
"""

import re
from typing import Any

from capsante.ui.text import printable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A number as exports write it: sign, digits (maybe grouped by thousands), decimals, a percent.
# A phone number (+33 2 43 …) is not one: it gets the apostrophe.
_NUMBER = re.compile(
    r"[-+]?(?:[0-9]+|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+)(?:[.,][0-9]+)?"
    r"(?:[eE][-+]?[0-9]+)?(?:[ \u00a0\u202f]?%)?"
)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(text)


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell: formula-like texts behind an apostrophe, control characters out."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if is_formula_like(text) else text


def xlsx_cell(cell, value: Any) -> None:
    """Put ``value`` in an openpyxl cell as data: a formula-like text is stored as text with
    Excel's quote prefix (what Excel itself records when someone types a leading apostrophe), so
    it reads exactly as written and is never evaluated, not even after an edit."""
    if not isinstance(value, str):
        cell.value = value
        return
    text = printable(value)
    cell.value = text
    if text.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = not bool(_NUMBER.fullmatch(text))
