"""The main menu: the partners' work with people under one entry, visitors' events on their own."""

import re

import pytest
from django.urls import reverse

MENU_ENTRIES = {
    "events:calendar": "Événements",
    "events:ambassadors": "Ambassadeurs de Mon espace santé",
    "officials:contracts": "Élus et contrats locaux de santé",
    "questionnaires:manage_list": "Questionnaires",
    "difficulties:list": "Remontées terrain",
}


def menu(page: str) -> str:
    return page.split('id="fr-navigation"')[1].split("</nav>")[0]


@pytest.mark.django_db
def test_partners_find_events_officials_questionnaires_and_difficulties_in_one_entry(
    client, personas
):
    client.force_login(personas["elected_reader"])
    home = menu(client.get(reverse("site:home")).content.decode())
    assert "Animation et écoute" in home and 'aria-current="true"' not in home
    for url_name, label in MENU_ENTRIES.items():
        assert f'href="{reverse(url_name)}"' in home, label
        # Every entry opens for a partner, and marks itself and its section as current.
        page = client.get(reverse(url_name))
        assert page.status_code == 200, (url_name, page.status_code)
        current = menu(page.content.decode())
        assert 'aria-controls="menu-animation" aria-current="true"' in current
        (marked,) = re.findall(
            r'<a class="fr-nav__link" href="([^"]+)" aria-current="page"', current
        )
        assert marked == reverse(url_name)


@pytest.mark.django_db
def test_visitors_see_the_events_alone(client):
    home = menu(client.get(reverse("site:home")).content.decode())
    assert "Animation et écoute" not in home
    assert f'href="{reverse("events:calendar")}"' in home
    for url_name in ("officials:contracts", "questionnaires:manage_list", "difficulties:list"):
        assert reverse(url_name) not in home


@pytest.mark.django_db
def test_the_header_kept_for_visitors_marks_each_page_and_never_shows_to_a_partner(
    client, personas
):
    # Visitors' header is rendered once per page and process (ui_tags.frame_part): the kept
    # copy must mark the page it was made for, and a partner who signs in gets their own.
    def marked(page) -> list[str]:
        return re.findall(r'href="([^"]+)" aria-current="page"', menu(page.content.decode()))

    for _ in range(2):  # made, then kept
        assert marked(client.get(reverse("directory:search"))) == [reverse("directory:search")]
        assert marked(client.get(reverse("events:calendar"))) == [reverse("events:calendar")]
        assert marked(client.get(reverse("site:home"))) == [reverse("site:home")]
    visitor = client.get(reverse("directory:search")).content.decode()
    assert "Se connecter" in visitor and "Se déconnecter" not in visitor
    partner = personas["elected_reader"]
    client.force_login(partner)
    signed_in = client.get(reverse("directory:search")).content.decode()
    assert "Se déconnecter" in signed_in and "Se connecter</a>" not in signed_in
    assert (partner.get_full_name() or partner.username) in signed_in
    assert "Animation et écoute" in signed_in
