"""`generate()`: every demo file of a territory, in the real public formats, plus a manifest."""

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from . import am, calibration, cyber, periods, surveys
from .addresses import activity_addresses
from .equipment import equip_officines
from .finess import write_finess
from .ins import month_identities, plan_sources
from .ins_files import write_fhir, write_hl7
from .manifest import Manifest
from .mssante import build_mailboxes, write_mssante
from .professionals import build_professionals
from .rpps import write_rpps
from .structures import build_structures
from .territory import Territory, build_territory

Progress = Callable[[str, int, int], None]

# Expected identities per month for a reference hospital (a CH; a CHU exports three times as
# many) and per EHPAD. Patient-level files are samples: their shares matter, not their volume,
# so larger scales keep them small (about 250, 120 and 110 MB over 34 months).
DEFAULT_PATIENTS: dict[str, tuple[float, float]] = {
    "departement": (200, 4),
    "region": (20, 1),
    "national": (0.5, 0.05),
}

STEPS = (
    "structures",
    "finess",
    "rpps",
    "mssante",
    "am-mes",
    "am-dmp-documents",
    "am-dmp-consultations",
    "am-telehealth",
    "am-telehealth-offer",
    "ins",
    "survey",
    "cyber-register",
)


def generate(
    out_dir: str | Path,
    communes: Iterable[Mapping[str, Any]],
    scale: str,
    seed: int,
    start: str = "2024-01",
    end: str = "2026-10",
    progress: Progress | None = None,
    *,
    hospital_patients: float | None = None,
    ehpad_patients: float | None = None,
) -> Manifest:
    """Write the demo files of `communes` (restricted to `scale`) under `out_dir`.

    `communes` are dicts {code, name, population, departement_code, region_code, epci_code},
    optionally with latitude/longitude and postal_code. The same seed gives the same bytes.
    Flow tables (documents fed to the DMP) start eleven months before `start`, so that every
    twelve-month sum ending in [start, end] is complete.
    """
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    territory = build_territory(communes, scale)
    months = periods.month_range(start, end)
    document_months = periods.month_range(periods.shift(start, -11), end)
    end_year, end_month = periods.parse(end)
    extraction = date(end_year, end_month, 15)
    profiles = {dep: calibration.profile(dep, seed) for dep in territory.departements}
    default_hospital, default_ehpad = DEFAULT_PATIENTS[scale]
    hospital_patients = default_hospital if hospital_patients is None else hospital_patients
    ehpad_patients = default_ehpad if ehpad_patients is None else ehpad_patients

    manifest = Manifest(
        seed=seed,
        scale=scale,
        start=start,
        end=end,
        extraction_date=extraction.isoformat(),
        departements=territory.departements,
        communes=territory.size,
        population=int(territory.population.sum()),
        calibration=_calibration_notes(territory),
    )
    done = 0

    def step(name: str) -> None:
        nonlocal done
        if progress is not None:
            progress(name, done, len(STEPS))
        done += 1

    def folder(name: str) -> Path:
        path = root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    step("structures")
    structures = build_structures(territory, seed, extraction)
    equip_officines(structures, profiles, seed)

    step("finess")
    path, rows = write_finess(folder("finess"), structures, territory, extraction)
    manifest.add(root, path, "finess", rows, extraction=extraction.isoformat())

    step("rpps")
    pros = build_professionals(territory, structures, seed)
    addresses = activity_addresses(pros, structures, territory, seed)
    path, rows = write_rpps(
        folder("annuaire-sante"), pros, structures, territory, addresses, extraction, seed
    )
    manifest.add(root, path, "rpps", rows, persons=pros.persons, extraction=extraction.isoformat())

    step("mssante")
    mailboxes = build_mailboxes(pros, structures, territory, profiles, seed)
    path, rows = write_mssante(
        folder("annuaire-sante"), mailboxes, pros, structures, territory, addresses, extraction
    )
    manifest.add(root, path, "mssante", rows, extraction=extraction.isoformat())

    am_dir = folder("assurance-maladie")
    tables: list[tuple[str, Callable[[Path], int], list[str]]] = [
        ("am-mes", lambda p: am.mes_activations(p, territory, profiles, months, seed), months),
        (
            "am-dmp-documents",
            lambda p: am.dmp_documents(p, territory, profiles, document_months, seed),
            document_months,
        ),
        (
            "am-dmp-consultations",
            lambda p: am.dmp_consultations(p, territory, profiles, pros, months, seed),
            months,
        ),
        (
            "am-telehealth",
            lambda p: am.telehealth(p, territory, profiles, pros, months, seed),
            months,
        ),
        (
            "am-telehealth-offer",
            lambda p: am.telehealth_offer(p, territory, profiles, months, seed),
            months,
        ),
    ]
    for connector, write, covered in tables:
        step(connector)
        path = am_dir / am.FILE_NAMES[connector]
        rows = write(path)
        manifest.add(root, path, connector, rows, first_period=covered[0], last_period=covered[-1])

    step("ins")
    sources = plan_sources(structures, seed, hospital_patients, ehpad_patients)
    fhir_dir, hl7_dir = folder("ins/fhir"), folder("ins/hl7")
    formats = {structures[src.structure].finess_et: src.fmt for src in sources}
    for period in months:
        if progress is not None:
            # The month within the step, on the steps' own scale (a total of months would
            # make the bar jump from 12 steps to 34 months and back).
            progress(f"ins {period}", done - 1, len(STEPS))
        identities = month_identities(sources, structures, territory, profiles, period, seed)
        fhir = [i for i in identities if formats[i.finess] == "fhir"]
        hl7 = [i for i in identities if formats[i.finess] == "hl7"]
        # A month without identities gets no file: an empty export is refused on import.
        if fhir:
            path = fhir_dir / f"identites_{period}.json"
            manifest.add(root, path, "ins-fhir", write_fhir(path, fhir, period), period=period)
        if hl7:
            path = hl7_dir / f"adt_{period}.hl7"
            manifest.add(root, path, "ins-hl7", write_hl7(path, hl7, period), period=period)

    step("survey")
    survey_dir = folder("enquetes")
    for survey in surveys.pharmacy_survey(
        survey_dir, structures, months, seed
    ) + surveys.esms_surveys(survey_dir, structures, profiles, months, seed):
        manifest.add(
            root,
            survey.path,
            "survey",
            survey.rows,
            survey=survey.slug,
            period=survey.period,
            mapping=survey.mapping,
        )

    step("cyber-register")
    for register in cyber.write_registers(folder("cyber"), structures, territory, extraction, seed):
        manifest.add(root, register.path, "cyber-register", register.rows, region=register.region)

    manifest.write(root)
    if progress is not None:
        progress("fichiers générés", len(STEPS), len(STEPS))
    return manifest


def _calibration_notes(territory: Territory) -> dict[str, Any]:
    """What the files were calibrated on, for people reading the manifest (tests re-count)."""
    notes: dict[str, Any] = {}
    if calibration.SARTHE in territory.departements:
        notes["72"] = {
            "officines": calibration.SARTHE_OFFICINES,
            "officines_with_mailbox": calibration.SARTHE_OFFICINES_WITH_MAILBOX,
            "officines_with_fax_june_2024": calibration.SARTHE_OFFICINES_WITH_FAX,
            "espaces_with_document_share": {
                calibration.SARTHE_FEEDING_PERIOD: calibration.SARTHE_FEEDING_SHARE
            },
            "documents_per_inhabitant": {
                "-".join(
                    calibration.SARTHE_DOCUMENTS_WINDOW
                ): calibration.SARTHE_DOCUMENTS_PER_INHABITANT
            },
            "teleexpertise_specialties": {
                calibration.SARTHE_SPECIALTIES_PERIOD: calibration.SARTHE_SPECIALTIES
            },
        }
    if calibration.MAYENNE in territory.departements:
        notes["53"] = {"targets_2026": calibration.MAYENNE_TARGETS}
    for region, cyber_profile in calibration.FIXED_CYBER.items():
        if region in territory.region_codes:
            notes[f"region-{region}"] = {
                "cyber_establishments": cyber_profile.establishments,
                "cyber_rows": {
                    "realise": cyber_profile.done,
                    "a_realiser": cyber_profile.to_do,
                    "programme": cyber_profile.planned,
                },
                "care_share": cyber_profile.care_share,
            }
    return notes
