"""The components every page builds on (ui_tags, components/*.html)."""

import pytest
from django.core.paginator import Paginator
from django.template import TemplateSyntaxError, engines
from django.test import RequestFactory

from capsante.engine.status import Status
from capsante.ui import badges
from capsante.ui.tables import label_cells


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load ui_tags %}" + source).render(context)


def test_cells_are_labelled_by_their_header_and_numeric_columns_marked():
    rows = (
        '<tr><td>Sarthe</td><td class="x">12</td><td><a href="/">voir</a></td></tr>'
        '<tr><th scope="rowgroup" colspan="3">Groupe</th></tr>'
        '<tr><td colspan="2">Rien</td><td data-label="Déjà">3</td></tr>'
    )
    labelled = label_cells(rows, ["Territoire", "Valeur <abbr>(%)</abbr>", "Lien"], {2})
    assert '<td data-label="Territoire">Sarthe</td>' in labelled
    assert '<td class="cap-num x" data-label="Valeur (%)">12</td>' in labelled
    assert '<th scope="rowgroup" colspan="3">Groupe</th>' in labelled
    assert '<td colspan="2">Rien</td><td data-label="Déjà">3</td>' in labelled
    with pytest.raises(ValueError):
        label_cells("<tr><td><table></table></td></tr>", ["A"])


def test_a_table_has_a_caption_headers_and_its_rows_or_the_empty_message():
    html = render(
        '{% table caption="Structures" headers="Nom|Nombre" numeric="2" stack=True '
        'empty="Aucune structure." %}{% for n in names %}<tr><td>{{ n }}</td><td>1</td></tr>'
        "{% endfor %}{% endtable %}",
        names=["PHARMACIE <B>"],
    )
    assert "<caption>Structures</caption>" in html
    assert '<th scope="col">Nom</th><th scope="col" class="cap-num">Nombre</th>' in html
    assert '<td data-label="Nom">PHARMACIE &lt;B&gt;</td>' in html
    assert "cap-table--stack" in html and "Aucune structure." not in html
    empty = render(
        '{% table caption="Structures" headers="Nom|Nombre" empty="Aucune structure." %}'
        "{% endtable %}"
    )
    assert '<td colspan="2">Aucune structure.</td>' in empty
    with pytest.raises(TemplateSyntaxError, match="caption"):
        render('{% table headers="Nom" %}{% endtable %}')


def test_a_captured_caption_and_headers_keep_their_escaping():
    html = render(
        "{% capture caption %}Page {{ n }} sur 3{% endcapture %}"
        "{% capture headers %}Nom|{% for s in stages %}{{ s }}|{% endfor %}Total{% endcapture %}"
        "{% table caption=caption headers=headers %}{% endtable %}",
        n=2,
        stages=["Étape <1>", "Étape 2"],
    )
    assert "<caption>Page 2 sur 3</caption>" in html
    assert '<th scope="col">Étape &lt;1&gt;</th><th scope="col">Étape 2</th>' in html


def test_every_target_status_has_its_badge_colour():
    assert {s.value for s in Status} == set(badges.COLOURS["target"])
    assert badges.colour("target", "hors_trajectoire") == "error"
    assert badges.colour("import", "running") == "new"
    html = render('{% status_badge "target" "a_surveiller" "à surveiller" small=True %}')
    assert 'class="fr-badge fr-badge--warning fr-badge--sm"' in html
    inline = render('{% status_badge "action" "done" "Réalisée" inline=True %}')
    assert inline == '<span class="fr-badge fr-badge--success">Réalisée</span>'


def test_a_figure_card_is_a_dsfr_card_with_the_figure_in_its_description():
    html = render(
        '{% capture lines %}<span class="cap-card-line">Cible : <strong>80 %</strong>'
        "</span>{% endcapture %}"
        '{% card "Mon espace santé activé" "/i/" heading="h2" figure="42,0 %" lines=lines '
        'status="atteint" status_label="atteint" detail="En mai 2026" %}'
    )
    assert '<h2 class="fr-card__title">' in html and 'href="/i/"' in html
    assert '<span class="cap-figure">42,0 %</span>' in html
    assert "Cible : <strong>80 %</strong>" in html
    assert "fr-badge--success fr-badge--sm" in html and "En mai 2026" in html
    long_title, long_description = "x" * 150, "y" * 5000
    assert long_title in render("{% card title '/' %}", title=long_title)
    assert long_description in render(
        "{% card 'Titre' '/' description=description %}", description=long_description
    )


def test_pagination_keeps_the_query_string_and_speaks_french():
    request = RequestFactory().get("/appels/", {"stage": "e1", "page": "2"})
    page = Paginator(list(range(100)), 10).get_page(2)
    html = render("{% pagination page %}", page=page, request=request)
    assert "Page précédente" in html and "Page suivante" in html
    assert 'href="?stage=e1&amp;page=3"' in html
    assert "fr-pagination" not in render(
        "{% pagination page %}", page=Paginator([1], 10).get_page(1), request=request
    )


def test_buttons_use_django_dsfr_unless_they_send_a_value():
    html = render(
        '{% buttons %}{% button "Enregistrer" %}{% button_link "Annuler" "/" %}{% endbuttons %}'
    )
    assert html.count("<li>") == 2 and 'class="fr-btns-group' in html
    assert 'type="submit"' in html and '<a class="fr-btn" href="/">Annuler</a>' in html
    valued = render(
        '{% button "Valider" name="decision" value="validate" hidden_suffix=" la saisie" %}'
    )
    assert 'name="decision" value="validate"' in valued
    assert 'Valider<span class="fr-sr-only"> la saisie</span>' in valued


def test_a_chart_or_a_map_without_its_table_is_refused():
    with pytest.raises(TemplateSyntaxError, match="table or list"):
        render('{% chart kind="bars" bars=bars title="t" chart_id="c" %} {% endchart %}', bars=[])
    with pytest.raises(TemplateSyntaxError, match="table or list"):
        render('{% map_with_list map=m map_id="m" map_title="t" %}{% endmap_with_list %}', m={})
