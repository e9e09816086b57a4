"""The committee report lists exactly what was recorded between two dates, and a report
regenerated after new data arrived gives the same figures."""

import datetime as dt
import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone
from docx import Document

from capsante.committees import services as committee_services
from capsante.committees.models import Committee
from capsante.engine.statuses import RULE as STATUS_RULE
from capsante.indicators import services as indicator_services
from capsante.indicators.models import Indicator, IndicatorValue, Target
from capsante.reports import committee_render, committee_report, services
from capsante.roadmaps.models import Action, ActionStatus

from .conftest import normalise, stage_mes

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)


def at(day: str, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day).replace(hour=hour))


def mayenne_months(first: int, last: int, bump: dict | None = None) -> dict:
    """Laval and Mayenne from 2025-10 on: activations grow by 10 a month (of 1,100)."""
    months = {}
    for i in range(first, last + 1):
        year, month = 2025 + (9 + i) // 12, (9 + i) % 12 + 1
        period = f"{year}-{month:02d}"
        activated = 100 + 10 * i + (bump or {}).get(period, 0)
        months[period] = {"53130": (activated, 0, 1000), "53147": (10, 0, 100)}
    return months


def dated_save(instance, day: str, **changes) -> None:
    for field, value in changes.items():
        setattr(instance, field, value)
    instance._history_date = at(day)
    instance.save()


@pytest.fixture
def mayenne_history(seeded_roadmaps, staging, geography):
    """A known history for Mayenne, with events before, inside and after January–June 2026."""
    mayenne = geography["mayenne"]
    stage_mes(staging, mayenne_months(0, 10))  # 2025-10 … 2026-08
    indicator_services.compute_and_store(codes=["MES_ACTIVATION"])
    # A correction of March 2026 recorded in April (inside), one of August recorded in August.
    stage_mes(staging, mayenne_months(0, 10, bump={"2026-03": 5, "2026-08": 7}))
    indicator_services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2026-03", "2026-08"])
    IndicatorValue.objects.filter(territory=mayenne, period="2026-03", version=2).update(
        created_at=at("2026-04-02")
    )
    IndicatorValue.objects.filter(territory=mayenne, period="2026-08", version=2).update(
        created_at=at("2026-08-01")
    )

    target = Target.objects.get(indicator__code="MES_ACTIVATION", territory=mayenne)
    target.history.all().delete()
    details = {
        "last_period": "2026-05",
        "last_value": 14.5,
        "forecast_at_deadline": 24.0,
        "band_at_deadline": [21.0, 27.0],
        "estimated_date": "2028-03",
        "model": "linear",
    }
    dated_save(target, "2025-12-15", status="en_bonne_voie", status_details={})
    dated_save(target, "2026-02-10", status="a_surveiller")
    dated_save(target, "2026-03-01", status="a_surveiller", status_reason="inchangé")
    dated_save(
        target,
        "2026-05-20",
        status="hors_trajectoire",
        status_details=details,
        status_reason="prévision sous la cible",
    )
    dated_save(target, "2026-07-05", status="a_surveiller")

    actions = list(Action.objects.filter(objective__roadmap=seeded_roadmaps["53"]).order_by("pk"))
    for action in actions[:5]:
        action.history.all().delete()
    done_inside, done_before, late, soon, done_after = actions[:5]
    dated_save(
        done_inside, "2025-11-02", status=ActionStatus.IN_PROGRESS, due_date=dt.date(2026, 4, 1)
    )
    dated_save(done_inside, "2026-03-10", status=ActionStatus.DONE)
    dated_save(done_before, "2025-10-01", status=ActionStatus.IN_PROGRESS)
    dated_save(done_before, "2025-11-01", status=ActionStatus.DONE)
    dated_save(late, "2025-12-01", status=ActionStatus.IN_PROGRESS, due_date=dt.date(2026, 5, 1))
    dated_save(soon, "2026-01-05", status=ActionStatus.PLANNED, due_date=dt.date(2026, 8, 15))
    dated_save(
        done_after, "2026-02-01", status=ActionStatus.IN_PROGRESS, due_date=dt.date(2026, 6, 1)
    )
    dated_save(done_after, "2026-07-10", status=ActionStatus.DONE)

    committee = Committee.objects.create(name="Comité e-santé de la Mayenne", territory=mayenne)
    december = committee_services.create_meeting(committee, date=dt.date(2025, 12, 10))
    committee_services.add_decision(december, "Relancer les EHPAD", "CPAM", dt.date(2026, 2, 1))
    june = committee_services.create_meeting(committee, date=dt.date(2026, 6, 20), place="Laval")
    decision = committee_services.add_decision(
        june, "Organiser un webinaire INS", "GRADeS", dt.date(2026, 9, 30)
    )
    july = committee_services.create_meeting(committee, date=dt.date(2026, 7, 15))
    committee_services.add_decision(july, "Décision de juillet", "ARS")
    return {
        "territory": mayenne,
        "actions": (done_inside, done_before, late, soon, done_after),
        "decision": decision,
    }


@pytest.mark.django_db
def test_report_lists_exactly_the_changes_recorded_between_the_dates(mayenne_history):
    data = committee_report.build(mayenne_history["territory"], START, END)
    done_inside, _, late, soon, done_after = mayenne_history["actions"]

    # Moved: December 2025 (120 + 10 = 130 of 1,100: 11,8 %) → June 2026 (180 + 10 = 190: 17,3 %).
    assert [
        (r["code"], r["before_period"], r["after_period"], r["delta_label"])
        for r in data["indicators_moved"]
    ] == [("MES_ACTIVATION", "2025-12", "2026-06", "+5,5\u202fpt")]
    assert [(r["code"], r["period"], r["date"]) for r in data["revisions"]] == [
        ("MES_ACTIVATION", "2026-03", "2026-04-02")
    ]
    assert [(r["date"], r["old"], r["new"]) for r in data["status_changes"]] == [
        ("2026-02-10", "en_bonne_voie", "a_surveiller"),
        ("2026-05-20", "a_surveiller", "hors_trajectoire"),
    ]
    assert data["status_changes"][1]["worsened"] is True
    # Targets are assessed on the values known up to the end of the period, by the rule.
    target = Target.objects.get(
        indicator__code="MES_ACTIVATION", territory=mayenne_history["territory"]
    )
    expected = indicator_services.assess(target, as_of="2026-06")
    assert expected.status.value == "hors_trajectoire"
    assert [(r["code"], r["status"], r["last_period"]) for r in data["at_risk"]] == [
        ("MES_ACTIVATION", "hors_trajectoire", expected.last_period)
    ]
    assert expected.last_period == "2026-06"
    mayenne_targets = Target.objects.filter(territory=mayenne_history["territory"])
    assert sorted(r["code"] for r in data["targets"]) == sorted(
        mayenne_targets.values_list("indicator__code", flat=True)
    )
    assert [(r["text"], r["date"]) for r in data["actions"]["completed"]] == [
        (done_inside.text, "2026-03-10")
    ]
    assert sorted(r["text"] for r in data["actions"]["late"]) == sorted(
        [late.text, done_after.text]
    )
    assert [r["text"] for r in data["actions"]["due_soon"]] == [soon.text]
    last = data["meetings"]["last"]
    assert (last["date"], [d["text"] for d in last["decisions"]]) == (
        "2026-06-20",
        ["Organiser un webinaire INS"],
    )
    assert [m["date"] for m in data["meetings"]["held"]] == ["2026-06-20"]
    assert data["campaigns"] is None or isinstance(data["campaigns"], (list, dict))


def _pdf_text(content: bytes, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return normalise(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    )


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return normalise(" ".join([p.text for p in document.paragraphs] + cells))


@pytest.mark.django_db
def test_regenerating_after_new_data_gives_the_same_figures(mayenne_history, staging, tmp_path):
    mayenne = mayenne_history["territory"]
    snapshot, created = services.snapshot_for(mayenne, START, END)
    assert created
    first_pdf = _pdf_text(services.render_snapshot(snapshot, "pdf"), tmp_path, "first.pdf")
    first_docx = _docx_text(services.render_snapshot(snapshot, "docx"))
    assert "+5,5 pt" in first_pdf and "17,3 %" in first_pdf  # 190 of 1,100 in June
    assert "+5,5 pt" in first_docx

    # New data arrives: June is corrected upwards and an action is marked done in May.
    stage_mes(staging, mayenne_months(0, 10, bump={"2026-06": 50}))
    indicator_services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2026-06"])
    late = mayenne_history["actions"][2]
    dated_save(late, "2026-05-15", status=ActionStatus.DONE)
    fresh = committee_report.build(mayenne, START, END)
    assert (
        fresh["indicators_moved"][0]["after_label"] == "21,8\xa0%"
    )  # the new data is visible (240 of 1,100)...
    assert [r["text"] for r in fresh["actions"]["completed"]] != [
        r["text"] for r in snapshot.data["actions"]["completed"]
    ]

    again, created = services.snapshot_for(mayenne, START, END)  # ...but the report is the same
    assert not created and again.pk == snapshot.pk
    assert _pdf_text(services.render_snapshot(again, "pdf"), tmp_path, "again.pdf") == first_pdf
    assert _docx_text(services.render_snapshot(again, "docx")) == first_docx
    assert "21,8 %" not in first_pdf

    output = tmp_path / "rapport.pdf"
    call_command(
        "report",
        "committee",
        "--territory",
        "53",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "--output",
        str(output),
    )
    assert _pdf_text(output.read_bytes(), tmp_path, "cli.pdf") == first_pdf
    call_command(
        "report",
        "committee",
        "--territory",
        "53",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "--output",
        str(output),
        "--refresh",
    )
    assert "21,8 %" in _pdf_text(output.read_bytes(), tmp_path, "refreshed.pdf")


@pytest.mark.django_db
def test_docx_is_french_and_editable(mayenne_history, tmp_path):
    output = tmp_path / "rapport.docx"
    call_command(
        "report",
        "committee",
        "--territory",
        "53",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "--output",
        str(output),
    )
    document = Document(str(output))
    assert document.core_properties.language == "fr-FR"
    assert document.core_properties.title.startswith("Rapport de comité — Mayenne")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == [
        "1. Les indicateurs qui ont bougé",
        "Chiffres révisés pendant la période",
        "2. Les changements de statut",
    ]
    assert "Commentaires de l’équipe" in headings


@pytest.mark.django_db
def test_every_month_is_written_in_words_in_every_format(mayenne_history, tmp_path):
    """A committee reads « mars 2028 » and « 10 mars 2026 », not « 2028-03 » and « 2026-03-10 »:
    in the HTML, the DOCX and the PDF — revised months, actions, meetings, decisions, the at-risk
    table's « Cible atteinte vers » — from the snapshot as it is kept (the words are made when
    the document is written, so reports snapshotted before read the same)."""
    snapshot, _ = services.snapshot_for(mayenne_history["territory"], START, END)
    snapshot.data["at_risk"][0]["estimated_date"] = "2028-03"
    texts = {
        "html": normalise(
            re.sub(r"<[^>]+>", " ", services.render_snapshot(snapshot, "html").decode())
        ),
        "docx": _docx_text(services.render_snapshot(snapshot, "docx")),
        "pdf": _pdf_text(services.render_snapshot(snapshot, "pdf"), tmp_path, "report.pdf"),
    }
    for fmt, text in texts.items():
        assert "mars 2028" in text and "10 mars 2026" in text, fmt
        assert re.findall(r"\b20\d\d-\d\d(?:-\d\d)?\b", text) == [], fmt
        assert not re.search(r"\{[#%{]|[#%}]\}", text), fmt  # no template syntax left as text
        # How a status is decided, in the document itself, not in a path of the code.
        assert "docs/indicateurs" not in text, fmt
        for condition, status in STATUS_RULE:
            written = normalise(condition[:1].upper() + condition[1:])  # a cell starts a sentence
            assert written in text and status.label in text, (fmt, condition)
        # And what a month short of communes does to a status (decision 0044).
        assert "n’entre pas dans le calcul du statut" in text, fmt
    # A report snapshotted before decision 0044 computed its statuses without it: not said.
    del snapshot.data["status_rule_note"]
    html = services.render_snapshot(snapshot, "html").decode()
    assert "n’entre pas dans le calcul du statut" not in html


@pytest.mark.django_db
def test_the_campaigns_table_writes_numbers_the_french_way(mayenne_history):
    """« 1 321 structures », « 103 (81,7 %) » with the sign kept with its number, even from a
    snapshot kept before (counts as bare integers, a plain space before the sign)."""
    snapshot, _ = services.snapshot_for(mayenne_history["territory"], START, END)
    snapshot.data["campaigns"] = [
        {
            "Campagne": "Équipement des ESMS en télésanté",
            "Étape finale": "Utilisé",
            "Structures suivies": 1321,
            "Au début": "103 (8,6 %)",
            "À la fin": "667 (50,5 %)",
            "Progression": 554,
        }
    ]
    html = services.render_snapshot(snapshot, "html").decode()
    cells = [
        c.text
        for t in Document(io.BytesIO(services.render_snapshot(snapshot, "docx"))).tables
        for row in t.rows
        for c in row.cells
    ]
    for text in (html, " | ".join(cells)):
        assert "1\u202f321" in text and "103 (8,6\u00a0%)" in text and "667 (50,5\u00a0%)" in text
        assert "1321" not in text and "8,6 %" not in text


@pytest.mark.django_db
def test_the_report_names_its_territory_with_its_article(mayenne_history):
    """« Indicateurs de la Mayenne », « La cible de la Mayenne » (it read « Les 1 cible » until
    the review of 7 December), « Avancement des campagnes de la Mayenne », as a committee writes
    it, not « de Mayenne »; a snapshot kept before, with the bare name only, reads « de Mayenne »
    rather than failing."""
    snapshot, _ = services.snapshot_for(mayenne_history["territory"], START, END)
    snapshot.data["campaigns"] = [{"Campagne": "Zéro fax", "Structures suivies": 2}]
    html = normalise(re.sub(r"<[^>]+>", " ", services.render_snapshot(snapshot, "html").decode()))
    assert "Indicateurs de la Mayenne dont la valeur a changé" in html
    assert "Avancement des campagnes de la Mayenne" in html
    assert re.search(r"Les \d+ cibles de la Mayenne, évaluées sur", html)
    snapshot.data["targets"] = snapshot.data["targets"][:1]
    one = normalise(re.sub(r"<[^>]+>", " ", services.render_snapshot(snapshot, "html").decode()))
    assert "La cible de la Mayenne, évaluée sur" in one and "Les 1 " not in one
    assert "de Mayenne" not in html
    del snapshot.data["territory"]["of_name"]
    html = services.render_snapshot(snapshot, "html").decode()
    assert "Avancement des campagnes de Mayenne" in html


@pytest.mark.django_db
def test_what_is_counted_month_by_month_is_compared_on_months_that_have_ended(geography):
    """On 4 December the demo's Pays de la Loire report read « Activités des ambassadeurs 41
    (août) → 3 (décembre), −38 (défavorable) »: December's first four days against August's
    whole month. A monthly count now compares its last month that has ended; a total so far
    (the share of accounts activated) is read as of the report's last day, as before."""
    indicator_services.sync_catalogue()
    mayenne = geography["mayenne"]
    for code, values in {
        "AMBASSADOR_ACTIVITIES": {"2026-08": 41, "2026-11": 38, "2026-12": 3},
        "MES_ACTIVATION": {"2026-08": 20.0, "2026-12": 24.0},
    }.items():
        for period, value in values.items():
            IndicatorValue.objects.create(
                indicator=Indicator.objects.get(code=code),
                territory=mayenne,
                period=period,
                value=value,
                numerator=value,
            )
    assert committee_report.last_complete_month(dt.date(2026, 12, 4)) == "2026-11"
    assert committee_report.last_complete_month(dt.date(2026, 11, 30)) == "2026-11"

    moved = {
        r["code"]: r
        for r in committee_report.indicators_moved(
            mayenne, dt.date(2026, 9, 5), dt.date(2026, 12, 4)
        )
    }
    activities = moved["AMBASSADOR_ACTIVITIES"]
    assert (activities["before_period"], activities["after_period"]) == ("2026-08", "2026-11")
    assert (activities["delta"], activities["favourable"]) == (-3, False)
    assert moved["MES_ACTIVATION"]["after_period"] == "2026-12"

    data = committee_report.build(mayenne, dt.date(2026, 9, 5), dt.date(2026, 12, 4))
    words = "sur le dernier mois achevé : un mois en cours n’est pas encore complet."
    assert words in normalise(committee_render.to_html(data))
    docx = Document(io.BytesIO(committee_render.to_docx(data)))
    assert any(words in paragraph.text for paragraph in docx.paragraphs)


@pytest.mark.django_db
def test_each_page_s_running_head_names_the_section_it_starts_in(mayenne_history, tmp_path):
    """The first page's running head read « 1. Les indicateurs qui ont bougé » above the title,
    and a page opening with the end of a section named the one beginning lower down (review of
    7 December): a page's head is the section it starts in, none on the title page."""
    snapshot, _ = services.snapshot_for(mayenne_history["territory"], START, END)
    path = tmp_path / "comite.pdf"
    path.write_bytes(services.render_snapshot(snapshot, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    assert pages[0].strip().splitlines()[0].strip() == "RAPPORT DE COMITÉ"
    sections = re.compile(r"^([1-9])\. \S", re.M)
    started_in = None  # the section the next page starts in: the last one begun before it
    for page in pages:
        lines = [line.strip() for line in page.strip().splitlines() if line.strip()]
        opening = sections.match(lines[1]) if len(lines) > 1 else None
        expected = opening.group(1) if opening else started_in  # a page opening on a section
        if expected is not None:
            assert lines[0].startswith(f"{expected}. "), (expected, lines[:2])
        begun = [m.group(1) for m in sections.finditer("\n".join(lines[1:]))]
        started_in = begun[-1] if begun else started_in
