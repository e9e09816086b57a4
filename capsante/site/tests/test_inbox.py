"""Each partner's task inbox gathers what waits for them, in their territory only: the value a
contributor proposed waits for the Sarthe editor (a rejection needs a reason); the callback
the CPAM adviser planned for today is in his; the late Sarthe action and the refused import
are in the Sarthe's editor's and the regional admin's boxes, not in the Mayenne editor's."""

import pytest

from capsante.indicators.models import ManualEntry, ManualStatus
from capsante.ui.testing import table_rows
from tests import worlds

TO_REVIEW = "Valeurs proposées qui attendent votre validation"
CALLBACKS = "Structures à rappeler aujourd’hui ou avant"
LATE = "Actions en retard (statut « en retard », ou échéance passée sans être réalisées)"
IMPORTS = "Imports refusés ou en échec ces 30 derniers jours"


@pytest.fixture
def world(geography, personas, seeded_roadmaps):
    return worlds.build(geography, personas, seeded_roadmaps)


def _box(client, personas, who: str) -> str:
    client.force_login(personas[who])
    response = client.get("/taches/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_each_partner_finds_what_waits_for_them_in_their_territory(client, personas, world):
    editor = _box(client, personas, "dt72_editor")
    [entry] = table_rows(editor, TO_REVIEW)
    assert entry[:2] == ["Activation de Mon espace santé", "Sarthe"] and "33" in entry[3]
    assert len(table_rows(editor, LATE)) == 1
    # Imports in error are the regional admin's (who runs them), not the editor's.
    assert table_rows(editor, IMPORTS) == [["Aucun import en erreur."]]
    admin = _box(client, personas, "ars_admin")
    assert [row[2] for row in table_rows(admin, IMPORTS)] == ["enquete-officines.csv"]

    adviser = _box(client, personas, "cpam72_contributor")
    [callback] = table_rows(adviser, CALLBACKS)
    assert callback[0] == "aujourd’hui" and callback[1].startswith("PHARMACIE DE LA GARE N° 0")
    # The adviser proposed the value: he does not validate his own proposal.
    assert table_rows(adviser, TO_REVIEW) == [["Aucune valeur à valider."]]

    mayenne = _box(client, personas, "dt53_editor")
    assert table_rows(mayenne, TO_REVIEW) == [["Aucune valeur à valider."]]
    assert table_rows(mayenne, LATE) == [["Aucune action en retard."]]
    assert table_rows(mayenne, CALLBACKS) == [["Aucun rappel prévu à ce jour."]]

    client.logout()
    assert client.get("/taches/").status_code == 302  # anonymous: sign in first


@pytest.mark.django_db
def test_a_rejection_from_the_inbox_needs_a_reason(client, personas, world):
    entry = ManualEntry.objects.get(status=ManualStatus.PROPOSED)
    client.force_login(personas["dt72_editor"])
    url = f"/indicateurs/saisies/{entry.pk}/examen/"
    page = client.post(url, {"decision": "reject", "reason": "", "next": "/taches/"}, follow=True)
    entry.refresh_from_db()
    assert entry.status == ManualStatus.PROPOSED
    assert "motif" in page.content.decode().lower()
    client.post(url, {"decision": "reject", "reason": "Chiffre d’octobre, pas de novembre"})
    entry.refresh_from_db()
    assert entry.status == ManualStatus.REJECTED and entry.review_reason.startswith("Chiffre")
    # The contributor reads the reason in his own inbox.
    adviser = _box(client, personas, "cpam72_contributor")
    [rejected] = table_rows(
        adviser, "Vos propositions rejetées ces 30 derniers jours, avec leur motif"
    )
    assert rejected[-1] == "Chiffre d’octobre, pas de novembre"
