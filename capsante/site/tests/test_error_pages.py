"""With debugging off (the default now), visitors meet the site's own error pages, in French."""

import pytest


@pytest.mark.django_db
def test_an_unknown_page_answers_the_site_s_404_in_french(client):
    response = client.get("/feuilles-de-route/999999/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page non trouvée</h1>" in page and 'lang="fr"' in page
    assert "Traceback" not in page and "URLconf" not in page


def test_the_500_page_needs_neither_the_database_nor_the_request():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Le service rencontre un problème" in page and "/static/dsfr/dist/dsfr.min.css" in page
