"""Text that every output format can carry.

Notes, decisions and imported names may hold control characters (pasted from a spreadsheet, a
vertical tab from a word processor, a NUL from a broken export). XML-based formats (DOCX, XLSX)
refuse them outright and the PDF shows them as empty boxes, so documents drop them: one bad text
must not break a whole report.
"""

import re
from typing import Any

# Vertical tab and form feed are line breaks in word processors and spreadsheets.
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
# What XML 1.0 forbids (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF), and DEL
# and the C1 controls, which no user means to write.
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """The text without the characters documents cannot carry."""
    return _UNPRINTABLE.sub("", text.translate(_LINE_BREAKS))


def printable_data(value: Any) -> Any:
    """``printable`` applied to every string of nested dicts, lists and tuples."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: printable_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(printable_data(item) for item in value)
    return value
