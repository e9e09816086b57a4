"""Every page a visitor or a partner reaches by following links, from the home page (and the
partners' own pages), speaks French to them: no code identifiers of the engine or of the
connectors, no ISO datetime, no UTC time, no "(s)" plurals. And an unknown address answers
with the French 404 page of the site."""

import html
import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve

from . import worlds

WHO = [None, "ars_admin", "dt72_editor", "dt53_editor", "cpam72_contributor", "elected_reader"]
PARTNER_PAGES = [
    "/taches/",
    "/campagnes/",
    "/imports/",
    "/comites/",
    "/indicateurs/saisies/",
    "/elus/cls/",
]
# Pages of the same view visited at most (one view's pages share their template and wording).
PER_VIEW = 2
MAX_PAGES = 160
SKIPPED = ("/admin/", "/api/", "/static/", "/comptes/deconnexion/")
CONNECTORS = [
    "finess",
    "rpps",
    "mssante",
    "ins-fhir",
    "ins-hl7",
    "am-mes",
    "am-dmp-documents",
    "am-dmp-consultations",
    "am-telehealth",
    "am-telehealth-offer",
    "survey",
    "cyber-register",
    "campaigns",
]
FORBIDDEN = [
    (re.compile(r"\blinear\b|\blogistic\b"), "a forecast model's code"),
    (re.compile(r"sum_ratio|per_population|count_distinct|share_at_stage"), "an engine code"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}"), "an ISO datetime"),
    # « 2026-02-03 », « 2026-10 »: a day or a month as the database keeps it, not in words.
    (re.compile(r"(?<![\w./-])20\d\d-[01]\d(?:-[0-3]\d)?(?![\w./-])"), "an ISO date or month"),
    (re.compile(r"\bUTC\b|\+00:00"), "a UTC time"),
    (re.compile(r"\w\(s\)"), "a '(s)' plural"),
    # « 5% », « 80,4 % »: French writes a no-break space between a number and its sign.
    (re.compile(r"\d ?%"), "a percent sign without its no-break space"),
    *[
        (re.compile(rf"(?<![\w./-]){re.escape(code)}(?![\w-])"), f"the connector code {code!r}")
        for code in CONNECTORS
    ],
]


class _Page(HTMLParser):
    """The visible text of a page (no script, style, SVG drawing or attribute) and its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden, self._hiding = 0, ""  # depth in the hidden element, and its tag

    def handle_starttag(self, tag, attrs):
        # The open data page describes its files' columns as machines read them (codes, ISO
        # instants in UTC) inside a data-file-format section: that is the files' wording. A
        # <code> snippet is copied as it is (the directory's iframe, « width="100%" »).
        if self._hidden:
            self._hidden += tag == self._hiding
        elif tag in ("script", "style", "template", "code") or "data-file-format" in dict(attrs):
            self._hiding, self._hidden = tag, 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if self._hidden and tag == self._hiding:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def _visible(content: str) -> tuple[str, list[str]]:
    page = _Page()
    page.feed(content)
    # Only the spaces HTML collapses: a no-break space is part of what the reader sees.
    return re.sub(r"[ \t\n\r\f]+", " ", " ".join(page.text)).strip(), page.links


def _wanted(href: str, current: str) -> str | None:
    href = html.unescape(urldefrag(href)[0])
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not href:
        return None
    if not href.startswith("/"):
        return None
    if any(href.startswith(prefix) for prefix in SKIPPED) or "format=" in parts.query:
        return None
    return href


def crawl(client, start: list[str]) -> tuple[dict[str, list[str]], int]:
    """Visit the pages reachable from `start`; return what each page shows that it should not."""
    seen, queue, per_view, problems, visited = set(start), deque(start), Counter(), {}, 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        try:
            view = resolve(urlsplit(url).path).view_name
        except Resolver404:
            view = url
        if per_view[view] >= PER_VIEW:
            continue
        per_view[view] += 1
        response = client.get(url)
        visited += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text, links = _visible(response.content.decode())
        found = [f"{why}: …{text[max(0, m.start() - 40) : m.end() + 40]}…"
                 for pattern, why in FORBIDDEN for m in pattern.finditer(text)]  # fmt: skip
        if found:
            problems[url] = found
        for href in links:
            target = _wanted(href, url)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    return problems, visited


@pytest.fixture
def world(geography, personas, seeded_roadmaps):
    return worlds.build(geography, personas, seeded_roadmaps)


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO, ids=[w or "anonymous" for w in WHO])
def test_no_page_reached_by_links_shows_codes_iso_or_utc_times(client, personas, world, who):
    start = ["/", "/territoires/commune/72181/", "/indicateurs/territoire/epci/247200629/"]
    if who:
        client.force_login(personas[who])
        start += PARTNER_PAGES
    problems, visited = crawl(client, start)
    assert visited > 20, f"only {visited} pages reached"
    report = [f"{url}: {found[0]} (+{len(found) - 1})" for url, found in problems.items()]
    assert report == []


def test_the_detector_finds_what_it_looks_for():
    text, _ = _visible(
        "<p>Modèle linear, sources : campaigns, finess ; le 2026-11-30T15:59 UTC ; "
        "3 structure(s) ; Accès (2026-02-03) ; à moins de 5% ; 12,5&nbsp;% ; 80,4 %</p>"
        "<p>n° FINESS, période 2025-2026, fichier mes-2026-10.csv</p>"
        "<script>var sum_ratio;</script>"
    )
    found = {why for pattern, why in FORBIDDEN if pattern.search(text)}
    assert found == {
        "a forecast model's code",
        "the connector code 'campaigns'",
        "the connector code 'finess'",
        "an ISO datetime",
        "an ISO date or month",
        "a UTC time",
        "a '(s)' plural",
        "a percent sign without its no-break space",
    }
    percent = next(p for p, why in FORBIDDEN if why.startswith("a percent sign"))
    assert [m.group() for m in percent.finditer(text)] == ["5%", "4 %"]


@pytest.mark.django_db
def test_an_unknown_address_answers_with_the_french_404_page(client):
    response = client.get("/cette-page-n-existe-pas/")
    text, _ = _visible(response.content.decode())
    assert response.status_code == 404
    assert "Page non trouvée" in text and "Erreur 404" in text and "Not Found" not in text


@pytest.mark.django_db
def test_a_refused_action_answers_with_the_french_403_page(client, personas, seeded_roadmaps):
    action = seeded_roadmaps["72"].objectives.first().actions.first()
    client.force_login(personas["elected_reader"])
    response = client.get(f"/feuilles-de-route/actions/{action.pk}/modifier/")
    text, _ = _visible(response.content.decode())
    assert response.status_code == 403
    assert "Accès refusé" in text and "Vous ne pouvez pas modifier les actions" in text
    assert "Forbidden" not in text
