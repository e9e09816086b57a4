"""What the README tells a newcomer stays true: every figure it states that code can check
without running the demo is read from the README and compared with the code."""

import re
from pathlib import Path

import yaml

from capsante.accounts.personas import DEMO_PASSWORD, PERSONAS
from capsante.ingest.generator import calibration
from capsante.ingest.registry import CONNECTORS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DEFINITIONS = ROOT / "capsante" / "indicators" / "definitions"
SEEDS = ROOT / "capsante" / "roadmaps" / "seeds"


def stated(pattern: str) -> re.Match:
    match = re.search(pattern, README)
    assert match, f"le README ne dit plus : {pattern}"
    return match


def section(title: str) -> str:
    """The README's text under a `## title` heading, up to the next one."""
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def targets_of(seed: Path) -> int:
    roadmap = yaml.safe_load(seed.read_text(encoding="utf-8"))
    return sum(
        1
        for objective in roadmap["objectives"]
        for figure in objective.get("key_figures") or []
        if figure.get("kind") == "target"
    )


def test_indicator_count_is_the_catalogue_size():
    count = int(stated(r"le catalogue \((\d+) indicateurs")[1])
    assert count == len(list(DEFINITIONS.glob("*.yaml")))


def test_mayenne_quantified_objectives_are_the_seed_targets():
    count = int(stated(r"les (\d+) objectifs chiffrés de la Mayenne")[1])
    assert count == targets_of(SEEDS / "mayenne-2025-2026.yaml")


def test_import_command_lists_every_connector():
    usage = stated(r"capsante import (\S+) FICHIER[^\n]*# aussi ([^\n]*)\n((?:\s+#[^\n]*\n)*)")
    listed = [usage[1]] + re.findall(r"[a-z0-9-]+", usage[2] + usage[3])
    assert sorted(listed) == sorted(CONNECTORS)


def test_demo_accounts_are_the_personas_with_their_password():
    accounts = section("Comptes de démonstration")
    assert re.findall(r"^\| `([^`]+)` \|", accounts, re.MULTILINE) == [p.username for p in PERSONAS]
    assert f"mot de passe commun : `{DEMO_PASSWORD}`" in accounts


def french_percent(part: float, whole: float = 1.0) -> str:
    return f"{round(100 * part / whole)} %"


def test_calibration_figures_are_the_generator_s():
    sentence = " ".join(stated(r"calibrées pour retrouver les chiffres[^)]*\)")[0].split())
    expected = [
        f"{calibration.SARTHE_OFFICINES} officines sarthoises",
        f"dont {calibration.SARTHE_OFFICINES_WITH_MAILBOX} équipées d’une MSSanté",
        french_percent(calibration.SARTHE_OFFICINES_WITH_FAX, calibration.SARTHE_OFFICINES)
        + " avec un fax",
        french_percent(calibration.SARTHE_FEEDING_SHARE) + " d’Espaces santé alimentés",
        f"{calibration.SARTHE_DOCUMENTS_PER_INHABITANT}".replace(".", ",")
        + " documents par habitant",
        f"{calibration.SARTHE_SPECIALTIES} spécialités en téléexpertise",
        french_percent(calibration.FIXED_CYBER[calibration.PAYS_DE_LA_LOIRE].care_share)
        + " d’inscription à CaRE",
    ]
    missing = [figure for figure in expected if figure not in sentence]
    assert not missing, f"absent du README : {missing}"


def test_every_setting_read_from_the_environment_is_documented():
    settings_source = (ROOT / "capsante" / "settings.py").read_text(encoding="utf-8")
    read = set(
        re.findall(
            r"(?:os\.environ\.get|env_bool|env_list|env_int)\(\s*\"([A-Z_]+)\"", settings_source
        )
    )
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", section("Configuration"), re.MULTILINE))
    assert read - documented == set(), "variables lues par settings.py mais absentes du README"
