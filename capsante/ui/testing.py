"""Reading a page as its users do, for tests: a table is its caption and rows of cell texts,
whatever the markup around them (the table component's wrappers, labels, classes)."""

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.in_caption = self.in_head = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self.in_caption = True
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and not self.in_head and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and not self.in_head and self.tables:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self.in_caption = False
        elif tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.in_caption:
            self.tables[-1]["caption"] += data
        elif self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, caption: str) -> list[list[str]]:
    """The body rows (cell texts, spaces collapsed) of the table captioned `caption`, or else
    of the one table whose caption starts with it."""
    parser = _Tables()
    parser.feed(html)
    captions = [(" ".join(t["caption"].split()), t) for t in parser.tables]
    found = [t for text, t in captions if text == caption] or [
        t for text, t in captions if text.startswith(caption)
    ]
    if len(found) != 1:
        raise AssertionError(f"{len(found)} tables captioned {caption!r}")
    return found[0]["rows"]
