"""The content security policy runs the platform's own script files and nothing inline: every
page sends the header, and no page of ours holds an inline script or an inline handler (which
the policy would block, breaking the page)."""

from html.parser import HTMLParser
from pathlib import Path

import pytest

from capsante.accounts.tests.test_access_matrix import cases, world  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parent.parent
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    """Collects what a browser would run from the markup itself."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            data = (attributes.get("type") or "").lower() in DATA_SCRIPT_TYPES
            self._in_script = not attributes.get("src") and not data
            if self._in_script:
                self.found.append(f"<script {attributes}> sans src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_detector_finds_inline_scripts_and_handlers():
    page = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json">{"a": 1}</script>'
        '<button onclick="go()">x</button><a href="javascript:go()">y</a>'
    )
    assert len(inline_code(page)) == 3


def test_the_policy_allows_scripts_from_the_platform_only(client):
    policy = client.get("/healthz")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in policy


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "ars_admin"])
def test_every_page_sends_the_policy_and_holds_no_inline_script(client, personas, world, who):  # noqa: F811
    if who != "anonymous":
        client.force_login(personas[who])
    pages, wrong = 0, []
    for case in cases(world):
        if case.method != "get":
            continue
        response = client.get(case.url)
        if response.status_code != 200:
            continue
        assert "Content-Security-Policy" in response, case.url
        if not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        found = inline_code(response.content.decode())
        if found:
            wrong.append(f"{case.url}: {found[:3]}")
    assert wrong == []
    assert pages >= (15 if who == "anonymous" else 30)


def test_no_template_of_ours_holds_inline_code():
    """Also the templates no page of the matrix shows (e-mails aside, which no browser runs)."""
    wrong = []
    for path in sorted((ROOT / "capsante").rglob("templates/**/*.html")):
        found = inline_code(path.read_text(encoding="utf-8"))
        if found:
            wrong.append(f"{path.relative_to(ROOT)}: {found[:3]}")
    assert wrong == []
