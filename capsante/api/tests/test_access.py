"""Who reads and writes what through the API: anonymous, tokens of Sarthe (editor, reader)
and of Mayenne (editor), by the same rules as the pages. Unreadable answers 404, readable but
not allowed 403, no credentials on a partner's operation 401."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from capsante.api import tokens
from capsante.api.models import ApiToken
from capsante.campaigns.models import FollowUp
from capsante.indicators import disclosure
from capsante.indicators.models import IndicatorValue, ManualEntry, Target
from capsante.indicators.services import review_manual_value
from capsante.roadmaps.models import Action, Roadmap, RoadmapStatus

from .conftest import OPEN, PROTECTED, bearer

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def who(issue):
    """Credentials by name: none, or the header of a token."""
    return {
        "anonymous": {},
        "sarthe_editor": bearer(issue("editeur", "72")),
        "sarthe_reader": bearer(issue("lecteur", "72")),
        "mayenne_editor": bearer(issue("editeur", "53")),
    }


def _sarthe_action(world) -> Action:
    return Action.objects.filter(objective__roadmap=world["roadmaps"]["72"]).first()


def _mayenne_action(world) -> Action:
    return Action.objects.filter(objective__roadmap=world["roadmaps"]["53"]).first()


# --- Writes: the matrix -------------------------------------------------------------------


WRITES = {
    # name: (anonymous, Sarthe editor, Sarthe reader, Mayenne editor)
    "action": (401, 200, 403, 403),
    "target": (401, 201, 403, 403),
    "manual_value": (401, 201, 403, 403),
    "move": (401, 200, 403, 404),
}


def _write(client, world, name: str, headers: dict, departement: str = "72"):
    if name == "action":
        action = _sarthe_action(world) if departement == "72" else _mayenne_action(world)
        return client.patch(
            f"/api/v1/actions/{action.pk}",
            {"status": "in_progress", "progress": 40, "note": "point d'étape"},
            content_type=JSON,
            **headers,
        )
    if name == "target":
        return client.put(
            f"/api/v1/targets/{OPEN}/departement/{departement}",
            {"target_value": 35, "deadline": "2026-12", "source": "comité"},
            content_type=JSON,
            **headers,
        )
    if name == "manual_value":
        return client.post(
            "/api/v1/manual-entries",
            {
                "indicator": OPEN,
                "territory": f"departement:{departement}",
                "period": "2026-06",
                "value": 31.5,
                "justification": "Courrier de la CPAM",
            },
            content_type=JSON,
            **headers,
        )
    finess = "720000041" if departement == "72" else "530000027"
    return client.post(
        f"/api/v1/campaigns/zero-fax-{departement}/followups/{finess}/stage",
        {"stage": "boite-mss", "evidence": "adresse MSSanté vérifiée"},
        content_type=JSON,
        **headers,
    )


@pytest.mark.parametrize("name", sorted(WRITES))
def test_each_write_answers_each_caller_as_the_rules_say(client, api_world, who, name):
    for caller, expected in zip(who, WRITES[name], strict=True):
        response = _write(client, api_world, name, who[caller])
        assert response.status_code == expected, (caller, response.content)
        assert response["Content-Type"].startswith(JSON)
        if expected >= 400:
            assert response.json()["detail"], "every refusal says why, in French"


def test_a_token_scoped_to_mayenne_cannot_write_sarthe_and_writes_mayenne(client, api_world, who):
    mayenne = who["mayenne_editor"]
    action = _sarthe_action(api_world)
    before = (action.status, action.progress, action.note)
    refused = {name: _write(client, api_world, name, mayenne, "72").status_code for name in WRITES}
    # The roadmap, the indicator and the département are public: 403; Sarthe's pharmacies are
    # not Mayenne's to see: 404.
    assert refused == {"action": 403, "target": 403, "manual_value": 403, "move": 404}
    action.refresh_from_db()
    assert (action.status, action.progress, action.note) == before
    assert not Target.objects.filter(indicator__code=OPEN, territory__code="72").exists()
    assert not ManualEntry.objects.filter(territory__code="72").exists()
    assert (
        FollowUp.objects.get(
            campaign__slug="zero-fax-72", establishment__finess_et="720000041"
        ).stage.code
        == "sans-mss"
    )

    accepted = {name: _write(client, api_world, name, mayenne, "53").status_code for name in WRITES}
    # Mayenne's activation target comes with the catalogue: it is replaced (200).
    assert accepted == {"action": 200, "target": 200, "manual_value": 201, "move": 200}
    assert Target.objects.get(indicator__code=OPEN, territory__code="53").target_value == 35
    mayenne_action = _mayenne_action(api_world)
    mayenne_action.refresh_from_db()
    assert (mayenne_action.status, mayenne_action.progress) == ("in_progress", 40)
    # The audit trail names the token's technical account, not a person.
    author = mayenne_action.history.latest().history_user
    assert author.username.startswith("jeton-api-") and author.api_token.scope.code == "53"
    entry = ManualEntry.objects.get(territory__code="53")
    assert entry.status == "proposed" and entry.proposed_by == author
    followup = FollowUp.objects.get(establishment__finess_et="530000027")
    assert followup.stage.code == "boite-mss"
    assert followup.history.latest().history_user == author


def test_a_token_proposal_waits_for_a_person_to_validate_it(client, api_world, who):
    response = _write(client, api_world, "manual_value", who["sarthe_editor"])
    entry = ManualEntry.objects.get(pk=response.json()["id"])
    assert response.json()["status"] == "proposed"
    url = f"/api/v1/values?indicator={OPEN}&territory=departement:72"
    assert [v["value"] for v in client.get(url).json()["items"]] == [21.0], "not yet in force"
    review_manual_value(api_world["personas"]["dt72_editor"], entry, accept=True)
    (value,) = client.get(url + "&period_from=2026-06").json()["items"]
    assert (value["value"], value["version"]) == (31.5, 1)
    provenance = value["provenance"]
    assert provenance["kind"] == "saisie" and provenance["run"] is None
    assert provenance["manual_entry"]["validated_by"] == "Bruno Sarthe"
    assert provenance["manual_entry"]["proposed_by"].startswith("Jeton d'API")
    # A correction adds a version; the earlier one stays readable.
    again = _write(client, api_world, "manual_value", who["sarthe_editor"]).json()
    review_manual_value(
        api_world["personas"]["dt72_editor"], ManualEntry.objects.get(pk=again["id"]), True
    )
    every = client.get(url + "&period_from=2026-06&all_versions=true").json()["items"]
    assert [(v["version"], v["is_current"]) for v in every] == [(1, False), (2, True)]


def test_a_session_partner_writes_with_the_csrf_token(api_world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(api_world["personas"]["dt72_editor"])
    action = _sarthe_action(api_world)
    url = f"/api/v1/actions/{action.pk}"
    refused = client.patch(url, {"progress": 10}, content_type=JSON)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get("/api/v1/docs")  # the docs page sets the CSRF cookie, as a browser would
    token = client.cookies["csrftoken"].value
    accepted = client.patch(url, {"progress": 10}, content_type=JSON, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200 and accepted.json()["progress"] == 10


# --- Bad input ----------------------------------------------------------------------------


def test_bad_input_is_refused_in_french_naming_the_field(client, api_world, who):
    editor = who["sarthe_editor"]
    response = client.post(
        "/api/v1/manual-entries",
        {"indicator": OPEN, "territory": "departement:72", "period": "06/2026", "value": 3},
        content_type=JSON,
        **editor,
    )
    assert response.status_code == 422
    messages = {e["field"]: e["msg"] for e in response.json()["detail"]}
    assert messages["period"] == "period : mois attendu au format AAAA-MM."
    assert messages["justification"] == "justification : champ obligatoire."
    response = client.put(
        f"/api/v1/targets/{OPEN}/departement/72",
        {"target_value": 130, "deadline": "2026-12"},
        content_type=JSON,
        **editor,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == (
        "target_value : Une part s'exprime entre 0 et 100\u00a0%."
    )
    response = _write_unknown_stage(client, editor)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "stage"
    assert "étape inconnue" in response.json()["detail"][0]["msg"]
    response = client.patch(
        f"/api/v1/actions/{_sarthe_action(api_world).pk}",
        {"progress": 140},
        content_type=JSON,
        **editor,
    )
    assert response.json()["detail"][0]["msg"] == "progress : valeur maximale : 100."
    response = client.get("/api/v1/values?territory=departement:99")
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith("territory : territoire inconnu")


def _write_unknown_stage(client, headers):
    return client.post(
        "/api/v1/campaigns/zero-fax-72/followups/720000041/stage",
        {"stage": "inconnue"},
        content_type=JSON,
        **headers,
    )


# --- Reads --------------------------------------------------------------------------------


def _codes(response) -> set[tuple[str, str]]:
    return {(v["indicator"], v["territory"]["code"]) for v in response.json()["items"]}


def test_values_below_the_departement_of_protected_indicators_are_for_partners_in_scope(
    client, api_world, who
):
    everyone = {(PROTECTED, "72"), (OPEN, "72"), (OPEN, "72181")}
    assert _codes(client.get("/api/v1/values")) == everyone
    assert _codes(client.get("/api/v1/values", **who["mayenne_editor"])) == everyone
    assert _codes(client.get("/api/v1/values", **who["sarthe_reader"])) == everyone | {
        (PROTECTED, "72181")
    }


def test_values_carry_their_provenance_and_version(client, api_world, who):
    item = client.get(f"/api/v1/values?indicator={OPEN}&territory=departement:72").json()["items"][
        0
    ]
    assert item["version"] == 1 and item["is_current"] is True
    assert item["provenance"]["kind"] == "calcul"
    assert item["provenance"]["run"]["id"] == api_world["run"].pk
    assert item["provenance"]["label"].startswith(f"calcul n° {api_world['run'].pk}")


def test_drafts_are_read_by_partners_in_scope_only(client, api_world, who):
    Roadmap.objects.filter(pk=api_world["roadmaps"]["72"].pk).update(status=RoadmapStatus.DRAFT)
    draft = api_world["roadmaps"]["72"].pk
    expected = {"anonymous": 404, "sarthe_editor": 200, "sarthe_reader": 200, "mayenne_editor": 404}
    for caller, status in expected.items():
        assert client.get(f"/api/v1/roadmaps/{draft}", **who[caller]).status_code == status
        listed = {r["id"] for r in client.get("/api/v1/roadmaps", **who[caller]).json()["items"]}
        assert (draft in listed) == (status == 200), caller


def test_campaign_figures_are_aggregates_and_establishments_are_for_partners(
    client, api_world, who
):
    listing = {c["slug"]: c for c in client.get("/api/v1/campaigns").json()["items"]}
    assert set(listing) == {"zero-fax-72", "zero-fax-53"}, "an EPCI's counts stay private"
    funnel = listing["zero-fax-72"]["funnel"]
    assert [(s["code"], s["count"]) for s in funnel][0] == ("sans-mss", 2)
    assert "PHARMACIE" not in client.get("/api/v1/campaigns").content.decode()
    assert client.get("/api/v1/campaigns/zero-fax-72/followups").status_code == 401
    assert client.get("/api/v1/campaigns/zero-fax-lmm").status_code == 404
    sarthe = client.get("/api/v1/campaigns/zero-fax-lmm", **who["sarthe_reader"])
    assert sarthe.status_code == 200 and sarthe.json()["funnel"][0]["total"] == 2
    names = client.get("/api/v1/campaigns/zero-fax-72/followups", **who["sarthe_reader"]).json()
    assert {f["name"] for f in names["items"]} == {"PHARMACIE DU CENTRE", "PHARMACIE DES JACOBINS"}
    mayenne = client.get("/api/v1/campaigns/zero-fax-72/followups", **who["mayenne_editor"])
    assert mayenne.status_code == 404


def test_manual_entries_are_read_by_partners_of_their_territory(client, api_world, who):
    created = _write(client, api_world, "manual_value", who["sarthe_editor"]).json()
    url = f"/api/v1/manual-entries/{created['id']}"
    assert client.get(url).status_code == 401
    assert client.get(url, **who["sarthe_reader"]).status_code == 200
    assert client.get(url, **who["mayenne_editor"]).status_code == 404


# --- Pages, filters, caching --------------------------------------------------------------


def test_cursor_pages_walk_every_row_once_in_a_stable_order(client, api_world):
    seen, url = [], "/api/v1/actions?limit=7"
    while url:
        body = client.get(url).json()
        seen += [a["id"] for a in body["items"]]
        assert len(body["items"]) <= 7
        url = f"/api/v1/actions?limit=7&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == Action.objects.count()
    assert client.get("/api/v1/actions?cursor=pas-un-curseur").status_code == 400


def test_filters_narrow_the_lists(client, api_world):
    sarthe = client.get("/api/v1/actions?territory=departement:72&limit=500").json()["items"]
    assert {a["roadmap_id"] for a in sarthe} == {api_world["roadmaps"]["72"].pk}
    values = client.get("/api/v1/values?level=commune&period_from=2026-05&period_to=2026-05")
    assert _codes(values) == {(OPEN, "72181")}
    assert client.get("/api/v1/values?period_from=2026-06").json()["items"] == []
    communes = client.get("/api/v1/territories?level=commune&within=departement:53").json()
    assert {t["code"] for t in communes["items"]} == {"53130", "53147"}


def test_etags_answer_304_and_public_answers_may_be_cached(client, api_world, who):
    first = client.get("/api/v1/roadmaps")
    assert first.status_code == 200 and first["ETag"].startswith('"')
    assert first["Cache-Control"] == "public, max-age=300"
    assert "Authorization" in first["Vary"]
    again = client.get("/api/v1/roadmaps", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    Action.objects.filter(pk=_sarthe_action(api_world).pk).update(progress=55)
    changed = client.get("/api/v1/actions?limit=500", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    partner = client.get("/api/v1/roadmaps", **who["sarthe_reader"])
    assert partner["Cache-Control"] == "private, no-cache"


def test_the_sql_filter_of_disclosure_says_what_withholds_says(api_world, issue):
    """`disclosure.disclosed` (lists) and `disclosure.withholds` (one figure) must agree, for
    anonymous readers, partners in and out of scope, and superusers."""
    issue("lecteur", "53")
    mayenne_token = tokens.acting_user(ApiToken.objects.get())
    superuser = get_user_model().objects.create_superuser("racine", "r@x.invalid", "x" * 16)
    personas = api_world["personas"]
    readers = [AnonymousUser(), personas["dt72_editor"], mayenne_token, superuser]
    rows = IndicatorValue.objects.select_related("indicator", "territory")
    for reader in readers:
        shown = set(disclosure.disclosed(reader, rows).values_list("pk", flat=True))
        expected = {
            v.pk for v in rows if not disclosure.withholds(reader, v.indicator, v.territory)
        }
        assert shown == expected, reader
    assert len(expected) == rows.count(), "a superuser sees every figure"


def test_superusers_read_drafts_too(client, api_world):
    """`published | Q()` reads as `published` alone in Django: the whole of France must be
    handled apart (accounts.access.published_or_in_scope)."""
    Roadmap.objects.filter(pk=api_world["roadmaps"]["72"].pk).update(status=RoadmapStatus.DRAFT)
    client.force_login(get_user_model().objects.create_superuser("racine", "r@x.invalid", "x" * 16))
    listed = {r["id"] for r in client.get("/api/v1/roadmaps").json()["items"]}
    assert api_world["roadmaps"]["72"].pk in listed
