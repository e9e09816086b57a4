"""Field difficulties: the public form and its guards, the workflow to resolution with the
reporter's mail, merged duplicates, the erasure of addresses, statistics, the staged table and
its indicators, and who may do what."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from capsante.difficulties import services, stats
from capsante.difficulties.demo import load_demo_difficulties
from capsante.difficulties.models import Difficulty, Product, ReporterContact, Status
from capsante.engine import load_definitions
from capsante.engine.tests.test_catalogue import normalise
from capsante.indicators.models import IndicatorValue
from capsante.indicators.services import sync_catalogue

from .conftest import report_data, stamp

pytestmark = pytest.mark.django_db
REPORT = "/remontees/"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}  # not loopback: the limits apply


def _report(client, world, **changes):
    return client.post(REPORT, report_data(world["weda"], **changes), **OUTSIDE)


def _resolve(difficulty, user, text="L’éditeur a corrigé l’envoi au DMP (version 4.2)."):
    difficulty = services.follow_up(
        difficulty, user, status=Status.QUALIFIED, blocker="versions_segur"
    )
    difficulty = services.follow_up(
        difficulty, user, status=Status.ESCALATED, blocker="versions_segur", escalated_to="editeur"
    )
    return services.follow_up(
        difficulty,
        user,
        status=Status.RESOLVED,
        blocker="versions_segur",
        escalated_to="editeur",
        resolution=text,
    )


# --- The public form ---------------------------------------------------------------------------


def test_the_form_works_without_an_account_and_says_purpose_and_retention(client, world):
    page = client.get(REPORT).content.decode()
    assert "Weda" in page and "Cegedim Santé" in page  # the maintained list, by vendor
    assert "effacée 30 jours après sa clôture" in page
    assert 'name="site_web"' in page and 'name="debut"' in page
    response = _report(client, world)
    assert response.status_code == 302 and response["Location"] == "/remontees/envoyee/"
    difficulty = Difficulty.objects.get()
    assert (difficulty.commune.code, difficulty.territory.code) == ("72181", "72")
    assert difficulty.status == Status.NEW and difficulty.product == world["weda"]
    assert difficulty.contact.email == "docteur@example.org"


def test_the_history_says_a_difficulty_came_from_the_public_form(client, world):
    # Its trail named the demo's load (« chargement initial ») as the author of a difficulty
    # sent through the public form (review of 7 December).
    _report(client, world)
    difficulty = Difficulty.objects.get()
    client.force_login(world["cpam72_contributor"])
    services.follow_up(difficulty, world["cpam72_contributor"], status=Status.QUALIFIED, blocker="versions_segur")  # fmt: skip
    page = client.get(reverse("difficulties:detail", args=[difficulty.pk])).content.decode()
    trail = page[page.index("Historique de la difficulté") :]
    rows = trail.split("<tr>")[2:]
    assert "Formulaire public" in rows[-1].split("</tr>")[0]
    assert world["cpam72_contributor"].get_full_name() in rows[0]
    assert "chargement initial" not in page


def test_a_typo_or_a_postcode_finds_the_commune_and_homonyms_are_asked(client, world):
    _report(client, world, commune="Le Mnas")
    _report(client, world, commune="72700")
    assert [d.commune.name for d in Difficulty.objects.order_by("pk")] == ["Le Mans", "Allonnes"]
    asked = _report(client, world, commune="Laval")
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Plusieurs communes correspondent" in page
    assert "Laval (53000)" in page and "Laval (38190)" in page
    _report(client, world, commune="Laval", commune_code="53130")
    assert Difficulty.objects.order_by("pk").last().territory.code == "53"


def test_an_address_without_consent_is_refused_and_no_address_is_fine(client, world):
    refused = _report(client, world, consent="")
    assert "Cochez la case" in refused.content.decode()
    assert not Difficulty.objects.exists()
    _report(client, world, email="", consent="")
    assert Difficulty.objects.count() == 1 and not ReporterContact.objects.exists()


def test_a_script_tag_is_shown_as_text(client, world):
    script = "<script>alert('x')</script> le DMP <b>refuse</b>"
    _report(client, world, description=script)
    difficulty = Difficulty.objects.get()
    client.force_login(world["cpam72_contributor"])
    page = client.get(reverse("difficulties:detail", args=[difficulty.pk])).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page and "<b>refuse</b>" not in page
    listed = client.get(reverse("difficulties:list")).content.decode()
    assert "<script>alert" not in listed


def test_an_oversize_post_is_refused_before_it_is_read(client, world):
    response = _report(client, world, description="x" * 40_000)
    assert response.status_code == 413
    assert "trop volumineux" in response.content.decode()
    assert not Difficulty.objects.exists()
    # Under the size limit, a description longer than the field allows is an error, not a 500.
    long = _report(client, world, description="x" * 4_500)
    assert long.status_code == 200 and not Difficulty.objects.exists()


def test_the_honeypot_and_a_form_sent_too_fast_record_nothing(client, world):
    robot = _report(client, world, site_web="https://spam.example")
    assert robot.status_code == 302  # told the same as a person
    hasty = _report(client, world, debut=stamp(seconds_ago=0.5))
    assert "envoyé trop vite" in hasty.content.decode()
    forged = _report(client, world, debut="12345")
    assert "envoyé trop vite" in forged.content.decode()
    assert not Difficulty.objects.exists()
    # The form shown again carries a new stamp: sent a little later, it goes through.
    assert _report(client, world).status_code == 302


def test_posts_are_limited_per_address_behind_the_proxy(client, world, settings):
    settings.RATE_LIMIT_PUBLIC_FORMS = "0"  # the middleware's limit apart: this one is the form's
    settings.EVENTS_PUBLIC_POSTS_PER_HOUR = 3
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(3):
        response = client.post(
            REPORT, report_data(world["weda"]), HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy
        )
        assert response.status_code == 302
    refused = client.post(
        REPORT, report_data(world["weda"]), HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy
    )
    assert refused.status_code == 429
    assert "Trop d’envois depuis votre adresse" in refused.content.decode()
    # Another person behind the same proxy is not refused.
    other = client.post(
        REPORT, report_data(world["weda"]), HTTP_X_FORWARDED_FOR="198.51.100.5", **proxy
    )
    assert other.status_code == 302
    assert Difficulty.objects.count() == 4


# --- The workflow ------------------------------------------------------------------------------


def test_a_reported_difficulty_goes_to_resolved_and_its_reporter_is_told(
    client, world, sent, django_capture_on_commit_callbacks
):
    _report(client, world)
    difficulty = Difficulty.objects.get()
    adviser = world["cpam72_contributor"]
    client.force_login(adviser)
    url = reverse("difficulties:follow_up", args=[difficulty.pk])
    base = {"blocker": "versions_segur", "escalated_to": "", "owner": adviser.pk, "due_on": "2026-12-31", "resolution": "", "comment": ""}  # fmt: skip
    # Straight from "new" to "resolved" is refused: the status is not offered.
    assert client.post(url, {**base, "status": "resolue"}).status_code == 400
    assert (
        client.post(
            url, {**base, "status": "qualifiee", "comment": "Éditeur contacté."}
        ).status_code
        == 302
    )
    refused = client.post(url, {**base, "status": "escaladee"})
    assert "Indiquez à qui" in refused.content.decode()
    assert (
        client.post(url, {**base, "status": "escaladee", "escalated_to": "editeur"}).status_code
        == 302
    )
    no_answer = client.post(url, {**base, "status": "resolue", "escalated_to": "editeur"})
    assert "Indiquez la réponse" in no_answer.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**base, "status": "resolue", "escalated_to": "editeur", "resolution": "Mise à jour 4.2 installée : l’envoi au DMP fonctionne."})  # fmt: skip
    assert done.status_code == 302
    difficulty.refresh_from_db()
    assert difficulty.status == Status.RESOLVED and difficulty.closed_at is not None
    assert difficulty.owner == adviser and difficulty.due_on == dt.date(2026, 12, 31)
    (message,) = [m for m in sent() if m.to == ["docteur@example.org"]]
    assert "résolue" in message.subject
    assert "Mise à jour 4.2 installée" in message.body
    # Every change is in the history, shown on the difficulty's page.
    page = client.get(reverse("difficulties:detail", args=[difficulty.pk])).content.decode()
    for seen in ("Qualifiée", "Escaladée", "Résolue", "Éditeur du logiciel", "Éditeur contacté."):
        assert seen in page, seen
    assert difficulty.history.count() >= 4
    # No second mail when saved again.
    services.follow_up(
        difficulty, adviser, status=Status.RESOLVED, blocker="versions_segur", resolution="idem"
    )
    assert len([m for m in sent() if m.to == ["docteur@example.org"]]) == 1


def test_closed_difficulties_do_not_move_again(world):
    difficulty = services.report(
        commune=world["communes"]["72181"],
        profession="pharmacien",
        service="mssante",
        description="x",
    )
    services.follow_up(difficulty, None, status=Status.CLOSED_UNRESOLVED, resolution="Hors champ.")
    with pytest.raises(services.WorkflowError):
        services.follow_up(difficulty, None, status=Status.QUALIFIED, blocker="autre")


def test_a_merged_duplicate_points_to_the_kept_one_is_closed_and_counted_once(client, world, sent):
    _report(client, world)
    _report(client, world, email="pharmacie@example.org", profession="pharmacien")
    kept, duplicate = Difficulty.objects.order_by("pk")
    adviser = world["cpam72_contributor"]
    client.force_login(adviser)
    self_merge = client.post(reverse("difficulties:merge", args=[kept.pk]), {"kept": kept.pk})
    assert self_merge.status_code == 400
    response = client.post(reverse("difficulties:merge", args=[duplicate.pk]), {"kept": kept.pk})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == kept and duplicate.status == Status.CLOSED_UNRESOLVED
    found = stats.breakdowns(services.readable(adviser))
    assert [(r.label, r.count) for r in found["service"]] == [("DMP, Mon espace santé", 1)]
    # Both reporters are told when the kept one is resolved.
    _resolve(kept, adviser)
    told = sorted(m.to[0] for m in sent())
    assert told == ["docteur@example.org", "pharmacie@example.org"]
    page = client.get(reverse("difficulties:detail", args=[duplicate.pk])).content.decode()
    assert f"difficulté n° {kept.pk}" in page


# --- Erasure -----------------------------------------------------------------------------------


def test_addresses_are_erased_after_closure_and_the_retention(world, settings):
    settings.DIFFICULTIES_CONTACT_RETENTION_DAYS = 30
    adviser = world["cpam72_contributor"]
    le_mans = world["communes"]["72181"]
    resolved = services.report(
        commune=le_mans,
        profession="infirmier",
        service="ins",
        description="a",
        email="a@example.org",
    )
    still_open = services.report(
        commune=le_mans,
        profession="infirmier",
        service="ins",
        description="b",
        email="b@example.org",
    )
    duplicate = services.report(
        commune=le_mans,
        profession="infirmier",
        service="ins",
        description="c",
        email="c@example.org",
    )
    services.merge(duplicate, still_open, adviser)
    _resolve(resolved, adviser)
    assert services.purge_contacts() == 0  # resolved today: kept 30 days
    later = timezone.now() + dt.timedelta(days=31)
    assert services.purge_contacts(now=later) == 1
    assert list(ReporterContact.objects.values_list("email", flat=True).order_by("email")) == [
        "b@example.org",
        "c@example.org",  # the duplicate's reporter waits for the kept one's resolution
    ]
    _resolve(still_open, adviser)
    call_command("purge_difficulty_contacts", "--days", "0")
    assert not ReporterContact.objects.exists()
    assert Difficulty.objects.count() == 3  # the reports stay, without addresses


# --- Statistics and indicators -----------------------------------------------------------------


def test_statistics_count_by_service_vendor_profession_territory_and_age(client, world):
    now = timezone.now()
    le_mans, laval = world["communes"]["72181"], world["communes"]["53130"]
    smart_rx = Product.objects.get(name="Smart Rx")
    for days, commune, product, service in (
        (5, le_mans, world["weda"], "dmp"),
        (45, le_mans, world["weda"], "ins"),
        (120, laval, smart_rx, "mssante"),
    ):
        services.report(commune=commune, profession="pharmacien", service=service, product=product, description="x", reported_at=now - dt.timedelta(days=days))  # fmt: skip
    found = stats.breakdowns(Difficulty.objects.all(), now)
    assert [(r.label, r.count) for r in found["vendor"]] == [("Weda", 2), ("Cegedim Santé", 1)]
    assert [r.count for r in found["age"]] == [1, 1, 1]
    assert {r.label for r in found["territory"]} == {"Sarthe", "Mayenne"}
    assert {r.label: r.count for r in found["epci"]} == {
        "Le Mans Métropole": 2,
        "Laval Agglomération": 1,
    }
    client.force_login(world["dt72_editor"])
    page = client.get(reverse("difficulties:statistics")).content.decode()
    assert "Par éditeur de logiciel" in page and "<svg" in page
    assert "Cegedim" not in page  # Mayenne's difficulty is outside Sarthe's scope
    assert "moins de 30 jours" in page


def test_the_indicators_follow_open_difficulties_and_time_to_resolution(
    client, world, settings, tmp_path, run_jobs, django_capture_on_commit_callbacks
):
    settings.STAGING_DIR = tmp_path / "staging"
    sync_catalogue()
    adviser = world["cpam72_contributor"]
    le_mans = world["communes"]["72181"]
    now = timezone.now()
    # Resolved after 2, 4 and 30 days: the median is 4 (a mean would say 12); one stays open.
    for days in (2, 4, 30):
        resolved = services.report(commune=le_mans, profession="pharmacien", service="dmp", description="a", reported_at=now - dt.timedelta(days=days))  # fmt: skip
        _resolve(resolved, adviser)
    services.report(commune=le_mans, profession="pharmacien", service="dmp", description="b", reported_at=now - dt.timedelta(days=4))  # fmt: skip
    # A report on the public form refreshes the indicators in the background.
    with django_capture_on_commit_callbacks(execute=True):
        assert _report(client, world).status_code == 302
    jobs = run_jobs()
    assert [j.kind for j in jobs] == ["difficulties"], [j.kind for j in jobs]
    assert jobs[0].status == "succeeded", jobs[0].message
    period = timezone.localtime(now).strftime("%Y-%m")

    def value(code, level="departement", territory="72"):
        return IndicatorValue.objects.get(
            indicator__code=code, territory__level=level, territory__code=territory,
            period=period, is_current=True,
        ).value  # fmt: skip

    assert value("DIFFICULTIES_OPEN") == 2
    assert value("DIFFICULTIES_OPEN", "region", "52") == 2
    # The same median at every level (recomputed, not added up), and on the statistics page.
    for level, code in (("commune", "72181"), ("epci", "247200132"), ("departement", "72"), ("region", "52")):  # fmt: skip
        assert value("DIFFICULTY_RESOLUTION_DAYS", level, code) == pytest.approx(4, abs=0.1)
    (row,) = [r for r in stats.by_month(Difficulty.objects.all(), now) if r.resolved]
    assert row.median_days == pytest.approx(value("DIFFICULTY_RESOLUTION_DAYS"), abs=0.05)


@pytest.mark.parametrize("code", stats.INDICATORS)
def test_the_difficulties_indicators_document_themselves(code):
    definition = {d.code: d for d in load_definitions()}[code]
    page = definition.doc_path.read_text(encoding="utf-8")
    for heading in ("## Ce que mesure", "## Formule", "## Source", "## Limites connues"):
        assert heading in page
    assert normalise(definition.numerator_sql) in normalise(page)
    assert definition.name in page and definition.tables >= {"difficulty_activity"}


def test_the_demo_spans_the_workflow_in_sarthe_and_mayenne(world):
    created = load_demo_difficulties()
    assert len(created) >= 10
    assert {d.territory.code for d in created} == {"72", "53"}
    assert {d.status for d in created} == set(Status.values)
    assert any(d.duplicate_of_id for d in created)
    assert load_demo_difficulties() == []  # idempotent


# --- Access ------------------------------------------------------------------------------------


def test_access_by_role_and_territory(client, world):
    sarthe = services.report(commune=world["communes"]["72181"], profession="pharmacien", service="dmp", description="a")  # fmt: skip
    detail = reverse("difficulties:detail", args=[sarthe.pk])
    follow = reverse("difficulties:follow_up", args=[sarthe.pk])
    data = {"status": "qualifiee", "blocker": "autre"}
    assert client.get(detail).status_code == 302  # anonymous: sign in
    client.force_login(world["dt53_editor"])
    assert client.get(detail).status_code == 404  # another département: not disclosed
    assert client.post(follow, data).status_code == 404
    client.force_login(world["elected_reader"])
    page = client.get(detail)
    assert page.status_code == 200 and "Enregistrer le suivi" not in page.content.decode()
    assert client.post(follow, data).status_code == 403
    assert client.get(reverse("difficulties:create")).status_code == 403
    client.force_login(world["cpam72_contributor"])
    assert client.post(follow, data).status_code == 302


def test_an_adviser_records_a_difficulty_in_their_departement_only(client, world):
    client.force_login(world["cpam72_contributor"])
    data = report_data(world["weda"], email="", consent="")
    outside = client.post(
        reverse("difficulties:create"), {**data, "commune": "Laval", "commune_code": "53130"}
    )
    assert "hors des départements" in outside.content.decode()
    response = client.post(reverse("difficulties:create"), data)
    difficulty = Difficulty.objects.get()
    assert response["Location"] == reverse("difficulties:detail", args=[difficulty.pk])
    assert (
        difficulty.origin == "conseiller" and difficulty.recorded_by == world["cpam72_contributor"]
    )


def test_the_sentinelle_objective_page_links_the_form_and_counts_for_partners(
    client, world, seeded_roadmaps
):
    roadmap = seeded_roadmaps["72"]
    pks = list(roadmap.objectives.values_list("pk", flat=True))
    objective = roadmap.objectives.get(priority__icontains="Sentinelle")
    url = reverse("roadmaps:objective", args=[roadmap.pk, pks.index(objective.pk) + 1])
    services.report(commune=world["communes"]["72181"], profession="pharmacien", service="dmp", description="a")  # fmt: skip
    services.report(commune=world["communes"]["53130"], profession="pharmacien", service="dmp", description="b")  # fmt: skip
    public = client.get(url).content.decode()
    assert "Remontées terrain (dispositif Sentinelle)" in public
    assert reverse("difficulties:report") in public and "remontée dans ce territoire" not in public
    client.force_login(world["dt72_editor"])
    page = client.get(url).content.decode()
    said = "1 difficulté remontée dans ce territoire : 1 ouverte, 0 résolue."
    assert said in page.replace("\N{NO-BREAK SPACE}", " ")
    other = roadmap.objectives.exclude(pk=objective.pk).first()
    other_url = reverse("roadmaps:objective", args=[roadmap.pk, pks.index(other.pk) + 1])
    assert "Remontées terrain" not in client.get(other_url).content.decode().split("<main")[1]
