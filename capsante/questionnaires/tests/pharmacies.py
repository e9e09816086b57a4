"""Sarthe officines in a FINESS extract of the real format (valid Luhn keys), the June 2024
answers of the pharmacy survey, and those answers written as the file the survey tool exported
(the generator's format: its header, "Oui" / "Non", an empty cell for a question not shown)."""

import csv
import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from capsante.ingest.generator.rand import luhn_key
from capsante.ingest.generator.surveys import PHARMACY_HEADER, PHARMACY_MAPPING

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "ingest/connectors/finess/tests/samples/etalab-cs1100507-stock-20260512-0336.csv"
)
SURVEY_2024 = "officines-fax-mssante-2024"


def finess_numbers(count: int, start: int = 100) -> list[str]:
    return [
        f"72{n:06d}" + luhn_key(f"72{n:06d}") for n in range(start, start + count)
    ]  # fmt: skip


def write_finess(path: Path, numbers: list[str]) -> Path:
    """A FINESS extract holding one officine in Le Mans per number (the sample's pharmacy line,
    renumbered)."""
    lines = SAMPLE.read_bytes().decode("latin-1").split("\n")
    template = lines[1].split(";")
    out = [lines[0]]
    for index, finess in enumerate(numbers):
        fields = list(template)
        fields[1] = finess
        fields[2] = f"72{900000 + index:06d}" + luhn_key(f"72{900000 + index:06d}")
        fields[3] = fields[4] = f"PHARMACIE NUMERO {index + 1}"
        out.append(";".join(fields))
    path.write_bytes(("\n".join(out) + "\n").encode("latin-1"))
    return path


@dataclass(frozen=True)
class Answer:
    finess: str
    has_fax: bool
    has_mss: bool
    uses_mss: bool | None  # asked only with an MSSanté
    moment: dt.datetime


def june_2024(numbers: list[str], with_fax: int, with_mss: int) -> list[Answer]:
    """The first `with_fax` have a fax, the last `with_mss` an MSSanté, every other one of
    these uses it weekly; answered over June 2024."""
    answers = []
    count = len(numbers)
    for index, finess in enumerate(numbers):
        has_mss = index >= count - with_mss
        answers.append(
            Answer(
                finess,
                has_fax=index < with_fax,
                has_mss=has_mss,
                uses_mss=(index % 2 == 0) if has_mss else None,
                moment=dt.datetime(2024, 6, 3 + index % 24, 9, index % 60, tzinfo=PARIS),
            )
        )
    return answers


def yes(value: bool | None) -> str:
    return "" if value is None else ("Oui" if value else "Non")


def write_survey(path: Path, answers: list[Answer]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(PHARMACY_HEADER)
        for a in answers:
            writer.writerow(
                [
                    a.moment.strftime("%d/%m/%Y %H:%M:%S"),
                    a.finess,
                    yes(a.has_fax),
                    yes(a.has_mss),
                    yes(a.uses_mss),
                ]
            )
    return path


SURVEY_OPTIONS = {"survey": SURVEY_2024, "mapping": PHARMACY_MAPPING}


def form_data(questionnaire, answer: Answer) -> dict:
    """What a pharmacy ticks on the questionnaire (pre-filled link: no FINESS to type)."""
    by_target = {q.target: q.field_name for q in questionnaire.questions.exclude(target="")}
    data = {by_target["has_fax"]: yes(answer.has_fax), by_target["has_mss"]: yes(answer.has_mss)}
    if answer.uses_mss is not None:
        data[by_target["uses_mss"]] = yes(answer.uses_mss)
    return data
