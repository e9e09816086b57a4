"""The rows of a data table, prepared for the table component (components/table.html).

Each page writes its rows itself (links, forms, badges in cells), so the component receives
them as HTML. `label_cells` adds to each cell's opening tag the label of its column header
(`data-label`, shown before the value when rows stack as cards on phones, see capsante.css)
and the class of numeric columns (aligned right). It changes nothing else: it reads opening
<tr>, <td> and <th> tags only, counting `colspan`, and refuses a table inside a cell (our
pages never nest tables, and a nested table's cells would be counted as the outer one's)."""

import html
import re

_TAG = re.compile(r"<tr\b[^>]*>|<(td|th)\b([^>]*)>", re.IGNORECASE)
_COLSPAN = re.compile(r"""\bcolspan\s*=\s*["']?(\d+)""", re.IGNORECASE)
_CLASS = re.compile(r"""\bclass\s*=\s*(["'])""", re.IGNORECASE)
_MARKUP = re.compile(r"<[^>]*>")
NUMERIC_CLASS = "cap-num"


def plain_text(fragment: str) -> str:
    """A header's text, without markup or character references (for an attribute)."""
    return " ".join(html.unescape(_MARKUP.sub("", fragment)).split())


def label_cells(rows: str, headers: list[str], numeric: frozenset[int] = frozenset()) -> str:
    """`rows` with each cell labelled by its header; `numeric` holds 1-based column numbers.
    A cell spanning several columns (a group title, "nothing to show") gets no label."""
    if re.search(r"<table\b", rows, re.IGNORECASE):
        raise ValueError("a table component's rows cannot hold another table")
    labels = [plain_text(h) for h in headers]
    column = 0

    def tag(match: re.Match) -> str:
        nonlocal column
        if match.group(1) is None:  # <tr>: a new row starts at the first column
            column = 0
            return match.group(0)
        name, attributes = match.group(1), match.group(2)
        span = _COLSPAN.search(attributes)
        width = int(span.group(1)) if span else 1
        first, column = column, column + width
        if width > 1 or first >= len(labels):
            return match.group(0)
        if "data-label" not in attributes.lower():
            attributes += f' data-label="{html.escape(labels[first])}"'
        if first + 1 in numeric:
            if _CLASS.search(attributes):
                attributes = _CLASS.sub(lambda m: f"class={m.group(1)}{NUMERIC_CLASS} ", attributes)
            else:
                attributes += f' class="{NUMERIC_CLASS}"'
        return f"<{name}{attributes}>"

    return _TAG.sub(tag, rows)


def columns(spec: str | list | tuple | None) -> frozenset[int]:
    """Column numbers written "2 3" or "2,3" (1-based), as a set."""
    if not spec:
        return frozenset()
    if isinstance(spec, str):
        spec = spec.replace(",", " ").split()
    return frozenset(int(c) for c in spec)
