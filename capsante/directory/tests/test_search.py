"""The public search: a commune however it is typed, the nearest resources first, filters, the
same answer without a script (a plain GET form)."""

import re

import pytest

from capsante.directory import search

pytestmark = pytest.mark.django_db


def names_on(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", title).strip()
        for title in re.findall(r'<h3 id="resource-\d+" class="fr-h5"><a [^>]*>(.*?)</a>', html)
    ]


@pytest.mark.parametrize("typed", ["Le Mans", "72000", "le mans", "Le Mnas", "LE-MANS", "mans"])
def test_every_way_of_typing_le_mans_finds_its_resources_nearest_first(
    client, directory_world, typed
):
    response = client.get("/ressources/", {"q": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "près du Mans (72000)" in html  # never "près de Le Mans"
    found = names_on(html)
    # Le Mans's own first (serving its commune, nearest), then Allonnes (serves the département).
    assert found[:3] == [
        "1 France Services du Mans",
        "2 Permanence des ambassadeurs du Mans",
        "3 Cabine de téléconsultation d’Allonnes",
    ]
    assert "Plateforme régionale de télésanté" in html  # at a distance, serving Sarthe


def test_a_typo_prefers_the_populated_commune_at_the_same_distance(directory_world):
    index = search.commune_index()
    assert [c.name for c in index.find("Le Mnas")][:1] == ["Le Mans"]
    assert [c.name for c in index.find("le mas")][:1] == ["Le Mas"]
    assert [c.code for c in index.find("72700")] == ["72003"]
    assert index.find("zzzzzz") == []


def test_a_need_filter_narrows_the_results(client, directory_world):
    html = client.get("/ressources/", {"q": "Le Mans", "need": "teleconsulter"}).content.decode()
    assert names_on(html) == ["1 Cabine de téléconsultation d’Allonnes"]
    html = client.get("/ressources/", {"q": "Le Mans", "kind": "mairie"}).content.decode()
    assert names_on(html) == ["1 Mairie de La Flèche"]


def test_around_me_uses_the_position_and_its_commune(client, directory_world):
    html = client.get("/ressources/", {"lat": "47.926", "lon": "0.226"}).content.decode()
    assert "autour de vous" in html
    assert names_on(html)[0] == "1 Cabine de téléconsultation d’Allonnes"


def test_the_results_show_distances_and_a_map_drawn_without_outside_service(
    client, directory_world
):
    html = client.get("/ressources/", {"q": "Le Mans"}).content.decode()
    assert "À 0,2 km · dessert votre commune" in html
    assert 'class="cap-map cap-point-map"' in html and "<image" not in html
    drawing = html.split('class="cap-map cap-point-map"')[1].split("</svg>")[0]
    assert "href" not in drawing.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_a_configured_tile_layer_lies_under_the_outlines(client, directory_world, settings):
    settings.DIRECTORY_MAP_TILES = "https://tuiles.example/{z}/{x}/{y}.png"
    html = client.get("/ressources/", {"q": "Le Mans"}).content.decode()
    assert re.search(r'<image href="https://tuiles.example/\d+/\d+/\d+.png"', html)


def test_an_unknown_commune_says_so(client, directory_world):
    html = client.get("/ressources/", {"q": "Atlantide"}).content.decode()
    assert "Commune introuvable" in html


def test_the_easy_to_read_mode_speaks_plainly(client, directory_world):
    response = client.get(
        "/ressources/lecture-facile/", {"activer": "1", "next": "/ressources/?q=Le+Mans"}
    )
    assert response.status_code == 302 and response["Location"] == "/ressources/?q=Le+Mans"
    html = client.get("/ressources/", {"q": "Le Mans"}).content.decode()
    assert "cap-easy" in html and "Étape 1 : écrivez le nom de votre ville." in html
    assert "Revenir à la lecture normale" in html
    detail = client.get(f"/ressources/{directory_world['fs_mans'].pk}/").content.decode()
    assert "Ce que vous devez faire" in detail and "Apportez votre carte Vitale." in detail
    client.get("/ressources/lecture-facile/", {"activer": "0"})
    assert "cap-directory cap-easy" not in client.get("/ressources/").content.decode()


def test_the_switch_never_leads_off_site(client):
    response = client.get(
        "/ressources/lecture-facile/", {"activer": "1", "next": "https://faux.example/"}
    )
    assert response["Location"] == "/ressources/"


def test_the_embeddable_page_may_be_framed_with_its_commune(client, directory_world):
    response = client.get("/ressources/integrer/", {"commune": "72181"})
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert names_on(response.content.decode())[0] == "1 France Services du Mans"
    assert client.get("/ressources/")["X-Frame-Options"] == "DENY"


def test_a_draft_is_for_the_partners_of_its_scope(client, directory_world, personas):
    draft = directory_world["cabine_allonnes"]
    draft.published = False
    draft.save()
    assert client.get(f"/ressources/{draft.pk}/").status_code == 404
    assert "Allonnes" not in client.get("/ressources/", {"q": "Le Mans"}).content.decode()
    client.force_login(personas["dt72_editor"])
    assert client.get(f"/ressources/{draft.pk}/").status_code == 200


def test_results_come_ten_a_page_numbered_on_and_nearest_first(client, directory_world):
    """Twenty-five more desks in Le Mans, each farther than the last: the first page holds ten,
    the second goes on from 11 without repeating any, a page past the end shows the last one."""
    from capsante.directory.models import Resource

    mans = directory_world["fs_mans"]
    for n in range(25):
        copy = Resource.objects.get(pk=mans.pk)
        copy.pk = None
        copy.external_id = f"bureau-{n}"
        copy.name = f"Bureau {n:02d}"
        copy.latitude = mans.latitude + 0.003 * (n + 1)
        copy.fill_keys()
        copy.save()
    first = client.get("/ressources/", {"q": "Le Mans"}).content.decode()
    second = client.get("/ressources/", {"q": "Le Mans", "page": 2}).content.decode()

    def numbered(html: str) -> list[str]:  # the list, not the remote services under it
        return [name for name in names_on(html) if name[0].isdigit()]

    on_first, on_second = numbered(first), numbered(second)
    assert len(on_first) == 10 and on_second[0].startswith("11 ")
    assert not {n.split(" ", 1)[1] for n in on_first} & {n.split(" ", 1)[1] for n in on_second}
    assert "Ressources 1 à 10 sur" in first and "Ressources 11 à 20 sur" in second
    assert 'href="?q=Le+Mans&amp;page=2"' in first or "page=2" in first
    desks = [n.split(" ", 1)[1] for n in on_first + on_second if " Bureau " in f" {n}"]
    assert desks == sorted(desks)  # nearest first, across the pages
    total = int(re.search(r"Ressources 1 à 10 sur (\d+)", first).group(1))
    beyond = client.get("/ressources/", {"q": "Le Mans", "page": 99}).content.decode()
    assert numbered(beyond)[-1].startswith(f"{total} ")  # the last page, not an empty one
    assert "Plateforme régionale de télésanté" in first and "Plateforme régionale" not in second


def test_a_corrected_resource_shows_its_new_details_at_the_next_search(
    client, directory_world, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # the details kept per process are what is tested
    from capsante.directory.models import Resource

    resource = Resource.objects.get(name="France Services du Mans")
    before = client.get("/ressources/", {"q": "Le Mans"}).content.decode()
    assert "02 43 11 22 33" not in before and "10 h – 11 h 30" not in before
    resource.phone = "02 43 11 22 33"
    resource.opening_hours = "Sa 10:00-11:30"
    resource.save()
    after = client.get("/ressources/", {"q": "Le Mans"}).content.decode()
    assert '<a href="tel:+33243112233">02 43 11 22 33</a>' in after
    assert "Horaires : Samedi : 10 h – 11 h 30" in after
