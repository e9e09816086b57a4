"""The demo reproduces the figures the two roadmaps publish, by computation.

The whole chain runs as `make run` runs it: the real communes of Pays de la Loire, the generator's
files in the real formats, every importer, the indicator engine, then the roadmap pages. Every key
figure of the seeds that has an indicator is compared with what the platform computes — the
figures come from the definitions' references (the document's values), never typed twice here.
"""

import json

import pytest
from django.core.management import call_command

from capsante.engine import load_definitions
from capsante.imports.demo import communes_for_generator, import_files
from capsante.indicators import services
from capsante.indicators.models import IndicatorValue
from capsante.ingest.generator import generate
from capsante.roadmaps.models import KeyFigure
from capsante.roadmaps.services import load_seed_roadmaps

REGION_SEED = 1  # the seed `make run` uses


def _decimals(value: float) -> int:
    text = repr(float(value)).rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


@pytest.fixture
def demo(settings, tmp_path, django_db_blocker):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.RECOMPUTE_AFTER_IMPORT = False
    call_command("load_territories", verbosity=0)
    load_seed_roadmaps()
    files = tmp_path / "files"
    # Small patient samples: identity files only feed the INS indicator, not a seed key figure.
    # Every identity importer still runs, on fewer identities: 20 and 3 a month wrote 150 MB of
    # identity files (the test's set-up 70 s, half of it on them; bench/RESULTS.md, *The test
    # suite's time*, 6 December).
    generate(
        files,
        communes_for_generator(),
        "region",
        REGION_SEED,
        hospital_patients=4,
        ehpad_patients=0.5,
    )
    import_files(files, json.loads((files / "manifest.json").read_text(encoding="utf-8")))
    services.compute_and_store()
    return files


@pytest.mark.django_db
def test_every_seed_key_figure_with_an_indicator_is_computed_from_the_demo(demo, client):
    checked, wrong = [], []
    for definition in load_definitions():
        for reference in definition.references:
            if reference.type != "key_figure":
                continue
            values = IndicatorValue.objects.filter(
                indicator__code=definition.code,
                territory__level=reference.territory_level,
                territory__code=reference.territory_code,
                is_current=True,
            ).order_by("period")
            if reference.period and not definition.is_snapshot:
                values = values.filter(period=reference.period)
            value = values.last()
            label = f"{definition.code} {reference.territory_code} {reference.period or ''}"
            if value is None:
                wrong.append(f"{label}: no value")
                continue
            digits = _decimals(reference.value)
            shown = round(value.value, digits)
            if shown != pytest.approx(reference.value, abs=10**-digits / 2):
                wrong.append(f"{label}: computed {value.value}, document {reference.value}")
            for part in ("numerator", "denominator"):
                expected = getattr(reference, part)
                if expected is not None and getattr(value, part) != expected:
                    wrong.append(f"{label}: {part} {getattr(value, part)} ≠ {expected}")
            checked.append(label)
    assert wrong == []
    # 123 of 156 officines with MSSanté, 91 % with a fax, 69 %, 3.87, 26, 93 %, 103 of 126.
    assert len(checked) == 7

    # The figures reach the roadmap pages: each key figure with an indicator shows its value.
    figures = KeyFigure.objects.exclude(indicator="").select_related("objective__roadmap")
    for figure in figures:
        roadmap = figure.objective.roadmap
        number = list(roadmap.objectives.values_list("pk", flat=True)).index(figure.objective_id)
        page = client.get(f"/feuilles-de-route/{roadmap.pk}/objectifs/{number + 1}/")
        assert "Dernière valeur calculée" in page.content.decode(), figure.label
    sarthe = KeyFigure.objects.get(indicator="CYBER_EXERCISES_DONE").objective
    roadmap = sarthe.roadmap
    number = list(roadmap.objectives.values_list("pk", flat=True)).index(sarthe.pk) + 1
    page = client.get(f"/feuilles-de-route/{roadmap.pk}/objectifs/{number}/").content.decode()
    assert "103 sur 126" in page

    _anonymous_visitors_read_the_regional_cyber_figure_and_no_establishment(client)
    _the_mayenne_committee_report_lists_its_targets_as_they_stood(demo)
    _campaign_series_count_every_structure_from_the_start()


def _anonymous_visitors_read_the_regional_cyber_figure_and_no_establishment(client):
    from capsante.establishments.models import Establishment
    from capsante.imports.services import staging_store

    client.logout()
    page = client.get("/indicateurs/CYBER_EXERCISES_DONE/region/52/").content.decode()
    assert "103 / 126" in page or "103 sur 126" in page
    registered = set(staging_store().read("cyber_register").column("finess_et").to_pylist())
    names = Establishment.objects.filter(finess_et__in=registered).values_list("name", flat=True)
    assert names and not [n for n in names if n in page]
    sarthe = client.get("/indicateurs/CYBER_EXERCISES_DONE/departement/72/").content.decode()
    assert not [n for n in names if n in sarthe]


def _the_mayenne_committee_report_lists_its_targets_as_they_stood(demo):
    """First half of 2026: the 7 Mayenne targets with their status at 30 June, the off-track ones
    at risk, and the zero-fax campaign with its pharmacies."""
    import datetime as dt

    from capsante.campaigns.starting import seed_demo_campaigns
    from capsante.indicators.models import Target
    from capsante.reports import committee_report
    from capsante.territories.models import Territory

    seed_demo_campaigns()
    mayenne = Territory.objects.get(level="departement", code="53")
    data = committee_report.build(mayenne, dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    targets = Target.objects.filter(territory=mayenne)
    assert targets.count() == 7  # the seven quantified objectives of the Mayenne roadmap
    assert sorted(r["code"] for r in data["targets"]) == sorted(
        targets.values_list("indicator__code", flat=True)
    )
    expected = {t.indicator.code: services.assess(t, as_of="2026-06").status.value for t in targets}
    assert {r["code"]: r["status"] for r in data["targets"]} == expected
    off_track = {c for c, s in expected.items() if s in ("hors_trajectoire", "a_surveiller")}
    assert off_track, "the Mayenne demo is calibrated below its targets"
    assert {r["code"] for r in data["at_risk"]} == off_track
    zero_fax = next(r for r in data["campaigns"] if "Mayenne" in r["Campagne"])
    assert zero_fax["Structures suivies"] > 0


def _campaign_series_count_every_structure_from_the_start():
    """The cyber campaign's monthly shares: everyone counted from the start, 'planned or done'
    never below 'done'."""
    from capsante.campaigns.models import Campaign
    from capsante.campaigns.services import status_table

    campaign = Campaign.objects.get(slug="exercice-crise-cyber-52")
    rows = status_table(campaign).to_pylist()
    by_month: dict[str, list[int]] = {}
    for row in rows:
        by_month.setdefault(row["period"], []).append(row["stage_order"])
    counts = {month: len(stages) for month, stages in by_month.items()}
    assert len(set(counts.values())) == 1, counts  # the same establishments every month
    assert counts[max(counts)] == 126
    done = [sum(s == 3 for s in by_month[m]) / counts[m] for m in sorted(by_month)]
    assert done == sorted(done) and done[0] < done[-1]  # done grows, it never starts at 100 %
    assert sum(s == 3 for s in by_month[max(by_month)]) == 103
