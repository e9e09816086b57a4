"""Tests that police the templates: pages build on the components (the look changes in one
place), every template file is used, and an undefined variable fails the test that renders it."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPONENTS = ROOT / "capsante" / "ui" / "templates" / "components"
# Templates a library renders under a fixed name, that ours override: no code of ours names them.
RENDERED_BY_NAME = {
    "404.html": "Django, on a page not found",
    "500.html": "Django, on a server error",
    "403.html": "Django, on a refused access",
    "403_csrf.html": "Django, on a form refused by the CSRF check",
    "400.html": "Django, on a bad request",
}
CLASS_ATTRIBUTE = re.compile(r"""\bclass\s*=\s*(["'])(.*?)\1""", re.DOTALL)
COMPONENT_CLASSES = re.compile(r"^fr-(card|table)(__|--|$)")


def template_files(root: Path = ROOT / "capsante") -> dict[str, Path]:
    """Every template file of the apps, by the name Django finds it under."""
    found = {}
    for directory in sorted(root.glob("*/templates")):
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                found[path.relative_to(directory).as_posix()] = path
    return found


def unused_templates(templates: dict[str, Path], sources: list[Path]) -> list[str]:
    """Templates whose name appears, quoted, in no Python file and in no other template:
    rendered by no view (`render`, `template_name`, `render_to_string`), extended, included
    or drawn by no template tag."""
    texts = {path: path.read_text(encoding="utf-8") for path in sources}
    unused = []
    for name, path in templates.items():
        if name in RENDERED_BY_NAME:
            continue
        quoted = re.compile(rf"""["']{re.escape(name)}["']""")
        if not any(quoted.search(text) for source, text in texts.items() if source != path):
            unused.append(name)
    return unused


def _sources(root: Path) -> list[Path]:
    return [
        *root.rglob("*.py"),
        *(path for path in template_files(root).values() if path.suffix in (".html", ".css")),
    ]


def test_no_page_writes_card_table_or_pagination_markup():
    offenders = []
    for name, path in template_files().items():
        if path.is_relative_to(COMPONENTS):
            continue
        text = path.read_text(encoding="utf-8")
        for match in CLASS_ATTRIBUTE.finditer(text):
            classes = [c for c in match.group(2).split() if COMPONENT_CLASSES.match(c)]
            if classes:
                offenders.append(f"{name}: {' '.join(classes)}")
        if "fr-pagination" in text:
            offenders.append(f"{name}: fr-pagination")
    assert offenders == []


def test_pages_write_no_table_markup_of_their_own():
    """A page of the site (extending base.html) shows its tables through {% table %}; only the
    printed documents (PDF, DOCX) lay out their own tables."""
    offenders = [
        name
        for name, path in template_files().items()
        if path.suffix == ".html"
        and not path.is_relative_to(COMPONENTS)
        and '{% extends "base.html" %}' in (text := path.read_text(encoding="utf-8"))
        and re.search(r"<(table|thead|caption)\b", text)
    ]
    assert offenders == []


def test_the_components_are_where_the_dsfr_card_and_table_markup_is():
    """The check above looks in the right place: the components do write that markup."""
    text = "".join(p.read_text(encoding="utf-8") for p in COMPONENTS.glob("*.html"))
    assert 'class="fr-table' in text and 'class="fr-card' in text and "fr-pagination" in text


def test_every_template_is_used():
    assert unused_templates(template_files(), _sources(ROOT / "capsante")) == []


def test_an_unused_template_is_found(tmp_path):
    app = tmp_path / "app"
    (app / "templates" / "app").mkdir(parents=True)
    (app / "templates" / "app" / "page.html").write_text('{% include "app/part.html" %}')
    (app / "templates" / "app" / "part.html").write_text("<p>used by page.html</p>")
    (app / "templates" / "app" / "forgotten.html").write_text("<p>rendered by nothing</p>")
    (app / "templates" / "app" / "self.html").write_text('{% include "app/self.html" %}')
    (app / "templates" / "404.html").write_text("Django's own")
    (app / "views.py").write_text(
        'def page(request):\n    return render(request, "app/page.html")\n'
    )
    templates = template_files(tmp_path)
    assert unused_templates(templates, _sources(tmp_path)) == [
        "app/forgotten.html",
        "app/self.html",
    ]


def test_an_undefined_variable_fails_the_test_that_renders_it():
    """conftest.py's string_if_invalid: a missing name, a missing attribute, even behind
    |default, raises and names the expression; {% if %} on a missing name stays allowed."""
    from django.template import TemplateSyntaxError, engines

    engine = engines["django"]
    for source, context in [
        ("{{ missing }}", {}),
        ("{{ latest.period }}", {"latest": None}),
        ('{{ latest.period|default:"—" }}', {"latest": None}),
        ("{% url 'site:home' as url %}{{ urll }}", {}),
    ]:
        with pytest.raises(TemplateSyntaxError, match="Undefined template variable"):
            engine.from_string(source).render(context)
    rendered = engine.from_string("{% if missing %}oui{% else %}non{% endif %}").render({})
    assert rendered == "non"
