"""Every page and action of every app, for every persona and the anonymous visitor.

Each row names a URL (built on Sarthe's objects), the method, and the answer expected for each
persona: 200 (or 302 after a successful POST), 302 to the login page for anonymous visitors,
403 when the object is readable but the action is not allowed, 404 when the object is outside
the reader's scope (its existence is not disclosed). A consistency test checks that every URL
pattern of the project appears here.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from capsante.campaigns import services as campaigns
from capsante.campaigns.models import Campaign, Stage
from capsante.committees.models import Committee, Decision, Meeting
from capsante.difficulties import services as difficulties
from capsante.directory.models import ErrorReport, Resource
from capsante.establishments.models import Establishment
from capsante.establishments.services import add_person
from capsante.events import registrations
from capsante.events.models import Ambassador, Event, EventKind, EventStatus, Registration
from capsante.imports.models import ImportRecord, ImportStatus
from capsante.indicators import services as indicators
from capsante.indicators.models import Indicator
from capsante.jobs.models import Job, JobStatus
from capsante.newsletters import services as newsletters
from capsante.newsletters.models import Issue, MailingList, Subscriber
from capsante.officials.models import Contract
from capsante.questionnaires import answering as questionnaire_links
from capsante.questionnaires.demo import pharmacy_questionnaire
from capsante.questionnaires.models import Questionnaire, Status
from capsante.reports import services as reports
from capsante.roadmaps.models import Action, Roadmap, RoadmapStatus
from capsante.territories.models import Territory

ANON = "anonymous"
WHO = [ANON, "ars_admin", "dt72_editor", "dt53_editor", "cpam72_contributor", "elected_reader"]
LOGIN = 302  # anonymous visitors are sent to the login page
DONE = 302  # a successful POST redirects
NO_CREDENTIALS = 401  # the API asks anonymous callers of a partners' operation to authenticate


def everyone(status=200) -> dict:
    return dict.fromkeys(WHO, status)


def sarthe_partners(status=200, others=404) -> dict:
    """Partners whose scope holds Sarthe read; Mayenne's do not; anonymous visitors sign in."""
    return {
        ANON: LOGIN,
        "ars_admin": status,
        "dt72_editor": status,
        "dt53_editor": others,
        "cpam72_contributor": status,
        "elected_reader": status,
    }


def partners(status=200) -> dict:
    return {**everyone(status), ANON: LOGIN}


def editors(ok=200, readers=403) -> dict:
    """Editors and regional admins of Sarthe act; other Sarthe partners are refused."""
    return {
        **sarthe_partners(ok),
        "cpam72_contributor": readers,
        "elected_reader": readers,
    }


def contributors(ok=200) -> dict:
    return {**sarthe_partners(ok), "elected_reader": 403}


@dataclass
class Case:
    name: str
    url: str
    expected: dict
    method: str = "get"
    data: dict = field(default_factory=dict)
    content_type: str | None = None
    # A redirection that is the page's answer to anyone (not the sign-in page).
    public_redirect: bool = False


@pytest.fixture
def world(personas, seeded_roadmaps, geography):
    """Sarthe's objects of every kind, as a partner would meet them."""
    communes = geography["communes"]
    indicators.sync_catalogue()
    pharmacy = Establishment.objects.create(
        finess_et="720000041",
        name="PHARMACIE DU CENTRE",
        category_code="620",
        category_group="officine",
        commune=communes["72181"],
        departement_code="72",
    )
    campaign = Campaign.objects.create(
        slug="zero-fax-72",
        name="Zéro fax",
        territory=geography["sarthe"],
        category_groups=["officine"],
        started_on=dt.date(2026, 1, 1),
    )
    for order, code in enumerate(("sans-mss", "boite-mss", "mss-utilisee", "fax-ferme"), 1):
        Stage.objects.create(campaign=campaign, order=order, code=code, label=code)
    campaigns.enrol(campaign)
    committee = Committee.objects.create(name="Comité de la Sarthe", territory=geography["sarthe"])
    meeting = Meeting.objects.create(committee=committee, date=dt.date(2026, 3, 12))
    decision = Decision.objects.create(meeting=meeting, text="Relancer", owner="DT 72")
    snapshot = reports.generate_snapshot(
        geography["sarthe"], dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    )
    record = ImportRecord.objects.create(
        source="finess",
        file_name="finess-72.csv",
        user=personas["ars_admin"],
        status=ImportStatus.IMPORTED,
    )
    record.territories.set([geography["sarthe"]])
    job = Job.objects.create(
        kind="recompute",
        label="Recalcul des indicateurs après l'import",
        status=JobStatus.FAILED,
        territory=geography["sarthe"],
        task="capsante.imports.tasks.recompute_import",
        arguments={"record_id": record.pk},
        subject=f"import:{record.pk}",
    )
    entry = indicators.propose_manual_value(
        personas["cpam72_contributor"],
        Indicator.objects.get(code="MES_ACTIVATION"),
        geography["sarthe"],
        "2026-06",
        31.0,
        "Courrier de la CPAM",
    )
    action = Action.objects.filter(objective__roadmap=seeded_roadmaps["72"]).first()
    event = Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.ACTIVATION_WORKSHOP,
        title="Atelier Mon espace santé",
        commune=communes["72181"],
        starts_at=dt.datetime(2099, 3, 12, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2099, 3, 12, 11, tzinfo=dt.UTC),
        capacity=30,
        status=EventStatus.PUBLISHED,
    )
    registration = Registration.objects.create(
        event=event,
        name="Jeanne Martin",
        email="jeanne@example.org",
        audience="citoyens",
        consented_at=event.starts_at,
    )
    mailing_list = MailingList.objects.create(
        name="Lettre e-santé de la Sarthe", slug="lettre-72", territory=geography["sarthe"]
    )
    subscriber = Subscriber.objects.create(
        mailing_list=mailing_list,
        email="abonne@example.org",
        email_digest=newsletters.digest("abonne@example.org"),
    )
    issue = Issue.objects.create(mailing_list=mailing_list, subject="N° 1", body="Bonjour")
    sent_issue = Issue.objects.create(
        mailing_list=mailing_list, subject="N° 0", body="…", status="sent"
    )
    followup = campaign.followups.get(establishment=pharmacy)
    call = campaigns.log_contact(
        followup, personas["cpam72_contributor"], kind="call", outcome="no_answer"
    )
    person = add_person(personas["cpam72_contributor"], pharmacy, name="Mme Martin")
    resource = Resource.objects.create(
        source="saisie",
        external_id="fs-le-mans",
        name="France Services du Mans",
        kind="france-services",
        services=["demarches-en-ligne"],
        audiences=["tout-public"],
        commune=communes["72181"],
        territory=communes["72181"],
        departement_code="72",
        latitude=47.95,
        longitude=0.12,
        zone=["72"],
        verified_on=dt.date(2026, 1, 5),
    )
    draft = Resource.objects.create(
        source="saisie",
        external_id="brouillon",
        name="Point de téléconsultation (brouillon)",
        kind="point-teleconsultation",
        commune=communes["72181"],
        territory=communes["72181"],
        departement_code="72",
        published=False,
        verified_on=dt.date(2026, 1, 5),
    )
    report = ErrorReport.objects.create(resource=resource, message="Fermé le lundi")
    questionnaire = pharmacy_questionnaire(geography["sarthe"], survey="officines-fax-mssante-2026")
    public_questionnaire = Questionnaire.objects.create(
        territory=geography["sarthe"], title="Satisfaction", slug="satisfaction",
        purpose="Améliorer les outils.", status=Status.OPEN,
    )  # fmt: skip
    public_questionnaire.questions.create(order=1, text="Un avis ?", kind="text")
    ambassador = Ambassador.objects.create(
        territory=geography["sarthe"],
        commune=communes["72181"],
        name="Camille Martin",
        organisation="Espace France Services du Mans",
    )
    difficulty, kept = (
        difficulties.report(
            commune=communes["72181"], profession="pharmacien", service="dmp", description=text
        )
        for text in ("Envoi au DMP refusé", "Envoi au DMP impossible")
    )
    return {
        "questionnaire": questionnaire.pk,
        "question": questionnaire.questions.first().pk,
        "questionnaire_link": questionnaire_links.structure_token(
            questionnaire, pharmacy.finess_et
        ),
        "questionnaire_slug": questionnaire.slug,
        "ambassador": ambassador.pk,
        "list": mailing_list.slug,
        "issue": issue.pk,
        "sent_issue": sent_issue.pk,
        "subscribe_token": newsletters.token(subscriber, newsletters.CONFIRM),
        "unsubscribe_token": newsletters.token(subscriber, newsletters.UNSUBSCRIBE),
        "event": event.pk,
        "confirm": registrations.token(registration, registrations.CONFIRM),
        "cancel": registrations.token(registration, registrations.CANCEL),
        "resource": resource.pk,
        "draft_resource": draft.pk,
        "error_report": report.pk,
        "difficulty": difficulty.pk,
        "kept_difficulty": kept.pk,
        "roadmap": seeded_roadmaps["72"].pk,
        "action": action.pk,
        "pharmacy": pharmacy.finess_et,
        "campaign": campaign.slug,
        "stage": campaign.stages.get(order=2).pk,
        "committee": committee.pk,
        "meeting": meeting.pk,
        "decision": decision.pk,
        "snapshot": snapshot.pk,
        "record": record.pk,
        "job": job.pk,
        "entry": entry.pk,
        "call": call.pk,
        "person": person.pk,
    }


def cases(w: dict) -> list[Case]:
    roadmap, action, finess, slug = w["roadmap"], w["action"], w["pharmacy"], w["campaign"]
    return [
        Case("site:home", "/", everyone()),
        Case("site:accessibility", reverse("site:accessibility"), everyone()),
        Case("site:sources", reverse("site:sources"), everyone()),
        Case("operations:healthz", reverse("operations:healthz"), everyone()),
        # No worker runs beside the tests: not ready, for everyone alike.
        Case("operations:readyz", reverse("operations:readyz"), everyone(503)),
        Case("site:inbox", reverse("site:inbox"), partners()),
        Case("accounts:login", reverse("accounts:login"), everyone()),
        Case("accounts:logout", reverse("accounts:logout"), everyone(DONE), "post"),
        Case("admin_login", reverse("admin_login"), everyone()),
        # Without a password step behind it, the code step sends back to the password.
        Case("accounts:login_code", reverse("accounts:login_code"), everyone(302)),
        Case("accounts:account", reverse("accounts:account"), partners()),
        # The second factor is for admins; the others are sent back to their account page.
        Case(
            "accounts:totp_setup",
            reverse("accounts:totp_setup"),
            {**partners(302), "ars_admin": 200},
        ),
        Case(
            "accounts:totp_disable",
            reverse("accounts:totp_disable"),
            partners(DONE),
            "post",
            {"code": "000000"},
        ),
        # Partners have a role: nothing waits, they go home.
        Case("accounts:pending", reverse("accounts:pending"), partners(302)),
        # No provider is configured unless the settings say so.
        *(
            Case(
                f"accounts:oidc_{step}_{name}",
                reverse(f"accounts:oidc_{step}_{name}"),
                everyone(404),
            )
            for step in ("start", "callback")
            for name in ("proconnect", "psc")
        ),
        Case("territories:search", "/territoires/?q=Mans", everyone()),
        Case("territories:detail", "/territoires/commune/72181/", everyone()),
        Case("roadmaps:list", reverse("roadmaps:list"), everyone()),
        Case("roadmaps:detail", reverse("roadmaps:detail", args=[roadmap]), everyone()),
        Case("roadmaps:objective", reverse("roadmaps:objective", args=[roadmap, 1]), everyone()),
        # The roadmap is published: Mayenne's editor reads it, so the refusal says so (403).
        Case(
            "roadmaps:action_edit",
            reverse("roadmaps:action_edit", args=[action]),
            {**editors(), "dt53_editor": 403},
        ),
        Case(
            "roadmaps:action_edit",
            reverse("roadmaps:action_edit", args=[action]),
            {**editors(DONE), "dt53_editor": 403},
            "post",
            {"status": "in_progress", "progress": "40", "owner": "ARS", "note": "x"},
        ),
        Case("roadmaps:actions", reverse("roadmaps:actions", args=[roadmap]), everyone()),
        Case(
            "roadmaps:target_edit",
            reverse("roadmaps:target_edit", args=["MES_ACTIVATION", "departement", "72"]),
            {**editors(), "dt53_editor": 403},
        ),
        Case(
            "roadmaps:target_edit",
            reverse("roadmaps:target_edit", args=["MES_ACTIVATION", "departement", "72"]),
            {**editors(DONE), "dt53_editor": 403},
            "post",
            {"target_value": "40", "deadline": "12/2026", "note": "adoptée en comité"},
        ),
        Case(
            "roadmaps:action_history",
            reverse("roadmaps:action_history", args=[action]),
            sarthe_partners(),
        ),
        Case("imports:list", reverse("imports:list"), partners()),
        Case(
            "imports:upload",
            reverse("imports:upload"),
            {**partners(403), "ars_admin": 200},
        ),
        Case("imports:detail", reverse("imports:detail", args=[w["record"]]), sarthe_partners()),
        Case("imports:status", reverse("imports:status", args=[w["record"]]), sarthe_partners()),
        Case("imports:jobs", reverse("imports:jobs"), {**partners(403), "ars_admin": 200}),
        Case(
            "imports:job_retry",
            reverse("imports:job_retry", args=[w["job"]]),
            {**sarthe_partners(403), "ars_admin": DONE},
            "post",
        ),
        # Only the regional admin who ran a dry run confirms it (this one is no dry run: the
        # admin is told so and sent back to the record).
        Case(
            "imports:confirm",
            reverse("imports:confirm", args=[w["record"]]),
            {**sarthe_partners(403), "ars_admin": DONE},
            "post",
        ),
        Case("indicators:catalogue", reverse("indicators:catalogue"), everyone()),
        Case(
            "indicators:territory",
            reverse("indicators:territory", args=["commune", "72181"]),
            everyone(),
        ),
        Case(
            "indicators:detail",
            reverse("indicators:detail", args=["CYBER_EXERCISES_DONE", "departement", "72"]),
            everyone(),
        ),
        Case(
            "indicators:propose_value",
            reverse("indicators:propose_value", args=["MES_ACTIVATION", "departement", "72"]),
            {**contributors(DONE), "dt53_editor": 403},
            "post",
            {"period": "2026-05", "value": "30", "justification": "courrier"},
        ),
        Case("indicators:manual_entries", reverse("indicators:manual_entries"), partners()),
        Case(
            "indicators:review_entry",
            reverse("indicators:review_entry", args=[w["entry"]]),
            # The contributor proposed it: a second person must validate.
            {**editors(DONE), "cpam72_contributor": 403},
            "post",
            {"decision": "validate"},
        ),
        Case("campaigns:list", reverse("campaigns:list"), partners()),
        Case("campaigns:board", reverse("campaigns:board", args=[slug]), sarthe_partners()),
        Case("campaigns:calls", reverse("campaigns:calls", args=[slug]), sarthe_partners()),
        Case("campaigns:callbacks", reverse("campaigns:callbacks", args=[slug]), sarthe_partners()),
        Case(
            "campaigns:bulk_move",
            reverse("campaigns:bulk_move", args=[slug]),
            contributors(DONE),
            "post",
            {"stage": str(w["stage"]), "followups": finess, "evidence": ""},
        ),
        # A contact is taken back by its author alone.
        Case(
            "campaigns:undo_contact",
            reverse("campaigns:undo_contact", args=[slug, w["call"]]),
            {**sarthe_partners(404), "cpam72_contributor": DONE},
            "post",
        ),
        Case(
            "campaigns:add_person",
            reverse("campaigns:add_person", args=[slug, finess]),
            contributors(DONE),
            "post",
            {"name": "M. Durand", "role": "pharmacien titulaire"},
        ),
        Case(
            "campaigns:remove_person",
            reverse("campaigns:remove_person", args=[slug, finess, w["person"]]),
            contributors(DONE),
            "post",
        ),
        Case(
            "campaigns:followup",
            reverse("campaigns:followup", args=[slug, finess]),
            contributors(),
        ),
        Case(
            "campaigns:move",
            reverse("campaigns:move", args=[slug, finess]),
            contributors(DONE),
            "post",
            {"stage": str(w["stage"]), "evidence": "adresse MSSanté vérifiée", "note": ""},
        ),
        Case(
            "campaigns:contact",
            reverse("campaigns:contact", args=[slug, finess]),
            contributors(DONE),
            "post",
            {"kind": "call", "outcome": "reached", "note": "rappeler"},
        ),
        Case(
            "establishments:detail",
            reverse("establishments:detail", args=[finess]),
            sarthe_partners(),
        ),
        Case("committees:list", reverse("committees:list"), partners()),
        Case(
            "committees:create",
            reverse("committees:create"),
            {**partners(), "cpam72_contributor": 403, "elected_reader": 403},
        ),
        Case(
            "committees:detail",
            reverse("committees:detail", args=[w["committee"]]),
            sarthe_partners(),
        ),
        Case(
            "committees:meeting_create",
            reverse("committees:meeting_create", args=[w["committee"]]),
            editors(),
        ),
        Case(
            "committees:meeting",
            reverse("committees:meeting", args=[w["meeting"]]),
            sarthe_partners(),
        ),
        Case(
            "committees:meeting_edit",
            reverse("committees:meeting_edit", args=[w["meeting"]]),
            editors(),
        ),
        Case(
            "committees:decision_add",
            reverse("committees:decision_add", args=[w["meeting"]]),
            editors(DONE),
            "post",
            {"text": "Organiser un webinaire", "owner": "DT 72"},
        ),
        Case(
            "committees:decision_follow_up",
            reverse("committees:decision_follow_up", args=[w["meeting"], w["decision"]]),
            editors(DONE),
            "post",
            {"status": "in_progress", "note": "en cours"},
        ),
        Case("reports:index", reverse("reports:index"), everyone()),
        Case(
            "reports:summary",
            reverse("reports:summary", args=["departement", "72"]),
            everyone(),
        ),
        Case(
            "reports:roadmap_document",
            reverse("reports:roadmap_document", args=[roadmap]) + "?format=html",
            everyone(),
        ),
        Case(
            "reports:public_dashboard",
            reverse("reports:public_dashboard", args=[roadmap]),
            everyone(),
        ),
        Case(
            "reports:committee_reports",
            reverse("reports:committee_reports", args=["departement", "72"]),
            sarthe_partners(),
        ),
        Case(
            "reports:snapshot_download",
            reverse("reports:snapshot_download", args=[w["snapshot"], "docx"]),
            sarthe_partners(),
        ),
        Case("reports:opendata", reverse("reports:opendata"), everyone()),
        Case(
            "reports:opendata_file",
            reverse("reports:opendata_file", args=["valeurs.csv"]),
            everyone(),
        ),
        *event_cases(w),
        *newsletter_cases(w),
        *questionnaire_cases(w),
        *directory_cases(w),
        *officials_cases(w),
        *difficulty_cases(w),
        *api_cases(w),
    ]


def event_cases(w: dict) -> list[Case]:
    """The calendar and registration are public; organising is for editors (an event's
    drafts are theirs alone: see capsante/events/tests)."""
    event = w["event"]
    organisers = {**partners(403), "ars_admin": 200, "dt72_editor": 200, "dt53_editor": 200}
    return [
        Case("events:calendar", reverse("events:calendar"), everyone()),
        Case("events:detail", reverse("events:detail", args=[event]), everyone()),
        Case("events:event_ics", reverse("events:event_ics", args=[event]), everyone()),
        Case(
            "events:territory_ics",
            reverse("events:territory_ics", args=["departement", "72"]),
            everyone(),
        ),
        Case("events:register", reverse("events:register", args=[event]), everyone()),
        Case("events:register_sent", reverse("events:register_sent", args=[event]), everyone()),
        Case("events:confirm", reverse("events:confirm", args=[w["confirm"]]), everyone()),
        Case("events:cancel", reverse("events:cancel", args=[w["cancel"]]), everyone()),
        Case("events:manage_list", reverse("events:manage_list"), organisers),
        Case("events:create", reverse("events:create"), organisers),
        Case(
            "events:edit", reverse("events:edit", args=[event]), {**editors(), "dt53_editor": 403}
        ),
        Case(
            "events:manage",
            reverse("events:manage", args=[event]),
            {**editors(), "dt53_editor": 403},
        ),
        Case(
            "events:attendance",
            reverse("events:attendance", args=[event]),
            {**editors(DONE), "dt53_editor": 403},
            "post",
            {"participants": "12", "note": ""},
        ),
        Case(
            "events:export",
            reverse("events:export", args=[event]) + "?format=csv",
            {**editors(), "dt53_editor": 403},
        ),
        Case(
            "events:attendance_sheet",
            reverse("events:attendance_sheet", args=[event]),
            {**editors(400), "dt53_editor": 403},  # no file sent: the form says so
            "post",
            {"dry_run": "on"},
        ),
        Case("events:report", reverse("events:report", args=[event]), sarthe_partners(others=403)),
        Case("events:ambassadors", reverse("events:ambassadors"), partners()),
        Case(
            "events:ambassador_create",
            reverse("events:ambassador_create"),
            {**partners(403), "ars_admin": 200, "dt72_editor": 200, "dt53_editor": 200},
        ),
        Case(
            "events:ambassador_detail",
            reverse("events:ambassador_detail", args=[w["ambassador"]]),
            sarthe_partners(),
        ),
        Case(
            "events:ambassador_activity",
            reverse("events:ambassador_activity", args=[w["ambassador"]]),
            contributors(DONE),
            "post",
            {"kind": "permanence", "date": "2026-01-05", "people": "4", "note": ""},
        ),
        Case(
            "events:report_pdf",
            reverse("events:report_pdf", args=[event]),
            sarthe_partners(others=403),
        ),
    ]


def questionnaire_cases(w: dict) -> list[Case]:
    """Answering is public (a structure's pre-filled link, a public questionnaire); building and
    publishing are for the editors in scope; results and their export for partners in scope."""
    pk, question, slug = w["questionnaire"], w["question"], w["questionnaire_slug"]
    organisers = {**partners(403), "ars_admin": 200, "dt72_editor": 200, "dt53_editor": 200}
    return [
        Case("questionnaires:manage_list", reverse("questionnaires:manage_list"), partners()),
        Case("questionnaires:create", reverse("questionnaires:create"), organisers),
        Case("questionnaires:build", reverse("questionnaires:build", args=[pk]), editors()),
        Case("questionnaires:edit", reverse("questionnaires:edit", args=[pk]), editors()),
        Case("questionnaires:question_add", reverse("questionnaires:question_add", args=[pk]), editors()),
        Case("questionnaires:question_edit", reverse("questionnaires:question_edit", args=[pk, question]), editors()),
        Case("questionnaires:question_delete", reverse("questionnaires:question_delete", args=[pk, question]), editors(DONE), "post"),
        Case("questionnaires:status", reverse("questionnaires:status", args=[pk]), editors(DONE), "post", {"status": "closed"}),
        Case("questionnaires:publish", reverse("questionnaires:publish", args=[pk]), editors()),
        Case("questionnaires:send", reverse("questionnaires:send", args=[pk]), editors(DONE), "post", {"what": "remind"}),
        Case("questionnaires:feed", reverse("questionnaires:feed", args=[pk]), editors(DONE), "post"),
        Case("questionnaires:results", reverse("questionnaires:results", args=[pk]), sarthe_partners()),
        Case("questionnaires:export", reverse("questionnaires:export", args=[pk]) + "?format=csv", sarthe_partners()),
        Case("questionnaires:answer", reverse("questionnaires:answer", args=["satisfaction"]), everyone()),
        Case("questionnaires:answer_link", reverse("questionnaires:answer_link", args=[slug, w["questionnaire_link"]]), everyone()),
        Case("questionnaires:thanks", reverse("questionnaires:thanks", args=[slug]), everyone()),
    ]  # fmt: skip


def difficulty_cases(w: dict) -> list[Case]:
    """Reporting a difficulty is public; partners read those of their scope and the statistics;
    advisers (contributors) and above follow them in their départements."""
    difficulty = w["difficulty"]
    recorders = {**partners(), "elected_reader": 403}
    return [
        Case("difficulties:report", reverse("difficulties:report"), everyone()),
        Case("difficulties:report_sent", reverse("difficulties:report_sent"), everyone()),
        Case("difficulties:list", reverse("difficulties:list"), partners()),
        Case("difficulties:statistics", reverse("difficulties:statistics"), partners()),
        Case("difficulties:create", reverse("difficulties:create"), recorders),
        Case(
            "difficulties:detail",
            reverse("difficulties:detail", args=[difficulty]),
            sarthe_partners(),
        ),
        Case(
            "difficulties:follow_up",
            reverse("difficulties:follow_up", args=[difficulty]),
            contributors(DONE),
            "post",
            {"status": "qualifiee", "blocker": "autre"},
        ),
        Case(
            "difficulties:merge",
            reverse("difficulties:merge", args=[difficulty]),
            contributors(DONE),
            "post",
            {"kept": w["kept_difficulty"]},
        ),
    ]


def directory_cases(w: dict) -> list[Case]:
    """The directory: public pages for everyone; drafts, forms and freshness for partners in
    scope (contributors and above edit; readers read)."""
    resource, draft, report = w["resource"], w["draft_resource"], w["error_report"]
    return [
        Case("directory:search", reverse("directory:search") + "?q=Le+Mans", everyone()),
        Case("directory:easy_read", reverse("directory:easy_read") + "?activer=1", everyone(302), public_redirect=True),
        Case("directory:embed", reverse("directory:embed") + "?commune=72181", everyone()),
        Case("directory:detail", reverse("directory:detail", args=[resource]), everyone()),
        Case("directory:detail", reverse("directory:detail", args=[draft]), sarthe_partners(others=404) | {ANON: 404}),
        Case("directory:report", reverse("directory:report", args=[resource]), everyone()),
        Case(
            "directory:report",
            reverse("directory:report", args=[resource]),
            everyone(302),
            "post",
            {"message": "Le lieu est fermé le lundi", "email": ""},
            public_redirect=True,
        ),
        Case("directory:memo", reverse("directory:memo", args=["departement", "72"]) + "?format=html", everyone()),
        Case("directory:export", reverse("directory:export", args=["csv"]), everyone()),
        Case("directory:manage", reverse("directory:manage"), partners()),
        Case("directory:create", reverse("directory:create"), {**partners(), "elected_reader": 403}),
        Case("directory:edit", reverse("directory:edit", args=[resource]), {**contributors(), "dt53_editor": 403}),
        Case("directory:verify", reverse("directory:verify", args=[resource]), {**contributors(DONE), "dt53_editor": 403}, "post"),
        Case(
            "directory:resolve_report",
            reverse("directory:resolve_report", args=[report]),
            {**contributors(DONE), "dt53_editor": 404},
            "post",
        ),
    ]  # fmt: skip


def officials_cases(w: dict) -> list[Case]:
    """Contracts and the EPCI page are for partners in scope; editors write contracts, make
    the officials' lists and invitations."""
    epci = Territory.objects.get(level="epci", code="247200132")
    contract, _ = Contract.objects.get_or_create(
        name="CLS de Le Mans Métropole", territory=epci, defaults={"status": "signe"}
    )
    writers = {**partners(403), "ars_admin": 200, "dt72_editor": 200, "dt53_editor": 200}
    return [
        Case("officials:contracts", reverse("officials:contracts"), partners()),
        Case("officials:contract_create", reverse("officials:contract_create"), writers),
        Case("officials:contract", reverse("officials:contract", args=[contract.pk]), sarthe_partners()),
        Case("officials:contract_edit", reverse("officials:contract_edit", args=[contract.pk]), editors()),
        Case("officials:epci", reverse("officials:epci", args=[epci.code]), sarthe_partners()),
        Case("officials:epci_list", reverse("officials:epci_list", args=[epci.code]), editors(DONE), "post"),
        Case("officials:epci_invite", reverse("officials:epci_invite", args=[epci.code]), editors(DONE), "post"),
    ]  # fmt: skip


def on_api(expected: dict) -> dict:
    """The API's answers: 401 where the pages send anonymous visitors to the login page."""
    return {who: NO_CREDENTIALS if status == LOGIN else status for who, status in expected.items()}


def newsletter_cases(w: dict) -> list[Case]:
    """Subscribing and the archives of a list open to all are public; its subscribers and
    issues are for the editors of its territory."""
    slug = w["list"]
    mine = {**editors(), "dt53_editor": 404}  # a list of Sarthe is not Mayenne's to read
    return [
        Case("newsletters:index", reverse("newsletters:index"), everyone()),
        Case("newsletters:subscribe", reverse("newsletters:subscribe", args=[slug]), everyone()),
        Case(
            "newsletters:subscribe_sent",
            reverse("newsletters:subscribe_sent", args=[slug]),
            everyone(),
        ),
        Case(
            "newsletters:confirm",
            reverse("newsletters:confirm", args=[w["subscribe_token"]]),
            everyone(),
        ),
        Case(
            "newsletters:unsubscribe",
            reverse("newsletters:unsubscribe", args=[w["unsubscribe_token"]]),
            everyone(),
        ),
        Case("newsletters:archive", reverse("newsletters:archive", args=[slug]), everyone()),
        Case(
            "newsletters:archive_issue",
            reverse("newsletters:archive_issue", args=[slug, w["sent_issue"]]),
            everyone(),
        ),
        Case("newsletters:manage", reverse("newsletters:manage", args=[slug]), mine),
        Case(
            "newsletters:issue_create",
            reverse("newsletters:issue_create", args=[slug]),
            mine,
        ),
        Case("newsletters:issue", reverse("newsletters:issue", args=[w["issue"]]), mine),
        Case(
            "newsletters:issue_send",
            reverse("newsletters:issue_send", args=[w["issue"]]),
            {**editors(DONE), "dt53_editor": 404},
            "post",
        ),
    ]


def api_cases(w: dict) -> list[Case]:
    """The API (capsante/api) under the same rules, for signed-in partners (session)."""
    roadmap, action, finess, slug = w["roadmap"], w["action"], w["pharmacy"], w["campaign"]
    v1 = "/api/v1"
    json = "application/json"
    return [
        Case("api:api-root", f"{v1}/", everyone(404)),
        Case("api:openapi-json", f"{v1}/openapi.json", everyone()),
        Case("api:openapi-view", f"{v1}/docs", everyone()),
        Case("api:territories", f"{v1}/territories?within=departement:72", everyone()),
        Case("api:territory", f"{v1}/territories/commune/72181", everyone()),
        Case("api:roadmaps", f"{v1}/roadmaps", everyone()),
        Case("api:roadmap", f"{v1}/roadmaps/{roadmap}", everyone()),
        Case("api:objectives", f"{v1}/roadmaps/{roadmap}/objectives", everyone()),
        Case("api:actions", f"{v1}/actions?territory=departement:72", everyone()),
        Case("api:action", f"{v1}/actions/{action}", everyone()),
        Case(
            "api:update_action",
            f"{v1}/actions/{action}",
            on_api({**editors(), "dt53_editor": 403}),
            "patch",
            {"status": "in_progress", "progress": 40},
            json,
        ),
        Case("api:indicators", f"{v1}/indicators", everyone()),
        Case("api:indicator", f"{v1}/indicators/MES_ACTIVATION", everyone()),
        Case("api:values", f"{v1}/values?territory=commune:72181", everyone()),
        Case("api:targets", f"{v1}/targets?territory=departement:72", everyone()),
        Case(
            "api:set_target",
            f"{v1}/targets/DMP_CONSULTATION/departement/72",
            on_api({**editors(201), "dt53_editor": 403}),
            "put",
            {"target_value": 40, "deadline": "2026-12"},
            json,
        ),
        Case(
            "api:propose_value",
            f"{v1}/manual-entries",
            on_api({**contributors(201), "dt53_editor": 403}),
            "post",
            {
                "indicator": "MES_ACTIVATION",
                "territory": "departement:72",
                "period": "2026-05",
                "value": 30,
                "justification": "courrier",
            },
            json,
        ),
        Case("api:manual_entries", f"{v1}/manual-entries", on_api(partners())),
        Case("api:manual_entry", f"{v1}/manual-entries/{w['entry']}", on_api(sarthe_partners())),
        Case("api:campaigns", f"{v1}/campaigns", everyone()),
        Case("api:campaign", f"{v1}/campaigns/{slug}", everyone()),
        Case("api:followups", f"{v1}/campaigns/{slug}/followups", on_api(sarthe_partners())),
        Case(
            "api:move",
            f"{v1}/campaigns/{slug}/followups/{finess}/stage",
            on_api(contributors()),
            "post",
            {"stage": "boite-mss", "evidence": "adresse MSSanté vérifiée"},
            json,
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
def test_every_page_and_action_answers_each_persona_as_the_rules_say(client, personas, world, who):
    if who != ANON:
        client.force_login(personas[who])
    wrong = []
    for case in cases(world):
        # Each case runs on the same world: what a POST changes is rolled back after it.
        with transaction.atomic():
            extra = {"content_type": case.content_type} if case.content_type else {}
            response = getattr(client, case.method)(case.url, case.data, **extra)
            transaction.set_rollback(True)
        if who != ANON and case.name != "accounts:logout":
            client.force_login(personas[who])  # logging out (or a rollback) ends the session
        expected = case.expected[who]
        if response.status_code != expected:
            wrong.append(f"{case.method.upper()} {case.url}: {response.status_code} ≠ {expected}")
        elif (
            who == ANON
            and expected == LOGIN
            and case.name != "accounts:logout"
            and not case.public_redirect
        ):
            assert "/comptes/connexion/" in response["Location"], case.url
    assert wrong == []


def _patterns(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


@pytest.mark.django_db
def test_every_url_pattern_is_in_the_access_matrix(world):
    covered = {case.name for case in cases(world)}
    assert sorted(set(_patterns(get_resolver())) - covered) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "sees_draft"),
    [
        (ANON, False),
        ("ars_admin", True),
        ("dt72_editor", True),
        ("dt53_editor", False),
        ("cpam72_contributor", True),
        ("elected_reader", True),
    ],
)
def test_draft_roadmaps_are_visible_only_within_scope(
    client, personas, seeded_roadmaps, who, sees_draft
):
    Roadmap.objects.filter(pk=seeded_roadmaps["72"].pk).update(status=RoadmapStatus.DRAFT)
    if who != ANON:
        client.force_login(personas[who])
    response = client.get(f"/feuilles-de-route/{seeded_roadmaps['72'].pk}/")
    assert response.status_code == (200 if sees_draft else 404)
    listing = client.get("/feuilles-de-route/").content.decode()
    assert ("Sarthe" in listing) == sees_draft
    assert "Mayenne" in listing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (ANON, 302),
        ("ars_admin", 200),
        ("dt72_editor", 302),
        ("cpam72_contributor", 302),
        ("elected_reader", 302),
    ],
)
def test_only_the_regional_admin_reaches_the_django_admin(client, personas, who, status):
    if who != ANON:
        client.force_login(personas[who])
    assert client.get("/admin/roadmaps/action/").status_code == status


@pytest.fixture
def breton_admin(personas):
    """A regional admin of another région (Bretagne), as the demo's ARS admin is of its own."""
    from capsante.accounts.personas import Persona, ensure_persona
    from capsante.territories.models import Level, Territory

    Territory.objects.create(level=Level.REGION, code="53", name="Bretagne")
    return ensure_persona(
        Persona(
            "ars.bretagne",
            "Brieuc Régional",
            "ARS Bretagne",
            "ars",
            "admin",
            Level.REGION,
            "53",
            staff=True,
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/profile/",
        "/admin/accounts/organisation/",
        "/admin/auth/user/",
        "/admin/territories/territory/",
    ],
)
def test_regional_admins_do_not_manage_accounts_roles_or_territories(client, personas, url):
    client.force_login(personas["ars_admin"])
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_an_admin_cannot_widen_their_own_rights(client, personas):
    admin_user = personas["ars_admin"]
    client.force_login(admin_user)
    profile = admin_user.profile
    response = client.post(
        f"/admin/accounts/profile/{profile.pk}/change/",
        {
            "user": admin_user.pk,
            "organisation": profile.organisation_id,
            "role": "admin",
            "scope": "",
        },
    )
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.scope is not None and profile.scope.code == "52"
    response = client.post(
        f"/admin/auth/user/{admin_user.pk}/change/",
        {
            "username": admin_user.username,
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser


@pytest.mark.django_db
def test_another_regions_admin_neither_sees_nor_changes_pays_de_la_loire(
    client, personas, seeded_roadmaps, breton_admin
):
    client.force_login(breton_admin)
    sarthe = seeded_roadmaps["72"]
    listing = client.get("/admin/roadmaps/roadmap/").content.decode()
    assert "Sarthe" not in listing
    response = client.post(
        f"/admin/roadmaps/roadmap/{sarthe.pk}/change/", {"title": "Piraté"}, follow=False
    )
    assert response.status_code in (302, 403)  # Django's admin: "no such object" or refused
    sarthe.refresh_from_db()
    assert sarthe.title != "Piraté"
    profile = personas["dt72_editor"].profile
    assert client.get(f"/admin/accounts/profile/{profile.pk}/change/").status_code == 403


@pytest.mark.django_db
def test_the_admin_offers_only_territories_in_scope(client, personas, seeded_roadmaps):
    from capsante.territories.models import Level, Territory

    Territory.objects.create(level=Level.DEPARTEMENT, code="35", name="Ille-et-Vilaine")
    client.force_login(personas["ars_admin"])
    form = client.get("/admin/roadmaps/roadmap/add/").content.decode()
    assert "Sarthe" in form and "Mayenne" in form
    assert "Ille-et-Vilaine" not in form


@pytest.mark.django_db
def test_an_upload_covering_another_region_is_refused(personas, breton_admin, settings, tmp_path):
    from capsante.imports.services import run_import
    from capsante.imports.tests.test_import_service import CONNECTORS, SAMPLES
    from capsante.territories.models import Level, Territory

    settings.STAGING_DIR = tmp_path / "staging"
    path = CONNECTORS / SAMPLES["am-mes"]
    for code in ("72181", "72264", "53130", "53147", "53201"):
        Territory.objects.get_or_create(level=Level.COMMUNE, code=code, defaults={"name": code})
    record = run_import("am-mes", path, user=breton_admin)
    assert record.status == ImportStatus.REFUSED
    assert "hors de votre périmètre" in record.message and "Sarthe (72)" in record.message
    assert not (tmp_path / "staging" / "am_mes_activations").exists()
    accepted = run_import("am-mes", path, user=personas["ars_admin"])
    assert accepted.status == ImportStatus.IMPORTED, accepted.message


@pytest.mark.django_db
def test_regional_admins_manage_contracts_difficulties_and_questionnaires_of_their_region(
    client, personas, geography, breton_admin
):
    """The listening side's data (CLS, field difficulties, questionnaires) in the admin, within
    the regional admin's scope: Pays de la Loire's admin finds them, Bretagne's sees none."""
    from capsante.difficulties import services as difficulties
    from capsante.officials.models import Contract, ContractStatus
    from capsante.questionnaires.models import Questionnaire

    contract = Contract.objects.create(
        name="CLS du Mans", territory=geography["epci"]["le_mans"], status=ContractStatus.SIGNED
    )
    difficulty = difficulties.report(
        commune=geography["communes"]["72181"], profession="pharmacien", service="dmp",
        description="Envoi au DMP refusé",
    )  # fmt: skip
    questionnaire = Questionnaire.objects.create(
        title="Satisfaction des outils régionaux", territory=geography["sarthe"]
    )
    pages = {
        "/admin/officials/contract/": contract.name,
        "/admin/difficulties/difficulty/": f">{difficulty.pk}<",
        "/admin/questionnaires/questionnaire/": questionnaire.title,
    }
    client.force_login(personas["ars_admin"])
    for path, shown in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert shown in response.content.decode(), path
    client.force_login(breton_admin)
    for path, shown in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert shown not in response.content.decode(), path
