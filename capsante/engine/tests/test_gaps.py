"""The communes a month of a staged table lost, and the list kept beside the table (decision 0046).

A page server's every worker, and every command, used to read the whole documents table again
for its first figure of a rolling window (0.6–0.75 s at national scale): the list is now kept on
disk while the table's files stay the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capsante.engine import files, gaps
from capsante.engine.definitions import load_definition

from .staging_data import DOCS_PER_MONTH, document_rows, write_table

CODE = "DMP_DOCS_PER_INHABITANT"
MONTH = "2024-06"


@pytest.fixture
def documents(staging: Path, by_code):
    gaps._kept.clear()  # as a process that starts
    yield by_code[CODE]
    gaps._kept.clear()


def _rewrite_month(staging: Path, left_out: str = "") -> None:
    """The month's file written again, as an import replaces it, without `left_out`."""
    rows = [r for r in document_rows() if r["period"] == MONTH and r["commune_code"] != left_out]
    write_table(staging, "am_dmp_documents", rows)


def _kept_file(staging: Path) -> Path:
    return staging / gaps.KEPT_DIR / f"{CODE}@1.json"


def test_a_month_without_a_commune_lists_it_with_what_it_counted_the_month_before(
    staging, documents
):
    assert gaps.commune_gaps(staging, documents) == {}
    _rewrite_month(staging, left_out="53001")
    assert gaps.commune_gaps(staging, documents) == {
        MONTH: {"53001": float(sum(DOCS_PER_MONTH["53001"].values()))}
    }


def test_a_new_process_reads_the_list_kept_beside_the_table(staging, documents):
    _rewrite_month(staging, left_out="53001")
    found = gaps.commune_gaps(staging, documents)
    kept = json.loads(_kept_file(staging).read_text(encoding="utf-8"))
    assert kept["gaps"] == found
    # Another account (the page server's) reads it as it reads the staged files.
    assert _kept_file(staging).stat().st_mode & 0o777 == gaps.KEPT_MODE

    # What a new process returns is the file's list, not the table read again: marked here.
    kept["gaps"][MONTH]["53001"] = -1.0
    _kept_file(staging).write_text(json.dumps(kept), encoding="utf-8")
    gaps._kept.clear()
    assert gaps.commune_gaps(staging, documents)[MONTH]["53001"] == -1.0


def test_a_month_written_again_is_read_again_by_every_process(staging, documents):
    _rewrite_month(staging, left_out="53001")
    assert MONTH in gaps.commune_gaps(staging, documents)

    _rewrite_month(staging)  # Laval's month sent again
    assert gaps.commune_gaps(staging, documents) == {}
    gaps._kept.clear()
    assert gaps.commune_gaps(staging, documents) == {}
    assert json.loads(_kept_file(staging).read_text(encoding="utf-8"))["gaps"] == {}


def test_a_damaged_kept_file_is_read_again_from_the_table(staging, documents):
    _rewrite_month(staging, left_out="53001")
    gaps.commune_gaps(staging, documents)
    _kept_file(staging).write_text('{"fingerprint": "', encoding="utf-8")
    gaps._kept.clear()

    assert list(gaps.commune_gaps(staging, documents)[MONTH]) == ["53001"]
    assert json.loads(_kept_file(staging).read_text(encoding="utf-8"))["gaps"][MONTH]


def test_where_the_list_cannot_be_written_it_is_still_found_and_nothing_is_left(
    staging, documents, caplog
):
    (staging / gaps.KEPT_DIR).write_text("", encoding="utf-8")  # a file where the folder goes
    _rewrite_month(staging, left_out="53001")

    assert list(gaps.commune_gaps(staging, documents)[MONTH]) == ["53001"]
    assert "non conservée sur disque" in caplog.text
    assert sorted(p.name for p in staging.iterdir() if p.name.startswith(".")) == [gaps.KEPT_DIR]


def test_a_reader_without_the_catalogue_takes_the_list_kept_for_the_tables_as_they_are(
    staging, documents
):
    """A report command or a page server's worker reads the kept list with neither the
    catalogue nor the query (0.34 s of YAML, Arrow and sqlglot): the list says what it was made
    from, and is taken only while the definition's file and the tables' files are the same."""
    _rewrite_month(staging, left_out="53001")
    found = gaps.commune_gaps(staging, documents)
    gaps._kept.clear()  # a process that starts

    kept = gaps.kept_gaps(staging, CODE, 1, files.definition_file(CODE))
    assert kept is not None
    assert (kept.gaps, kept.side) == (found, "numerator")

    _rewrite_month(staging)  # Laval's month sent again: the list no longer says the table
    assert gaps.kept_gaps(staging, CODE, 1, files.definition_file(CODE)) is None
    assert gaps.commune_gaps(staging, documents) == {}
    assert _taken(staging, files.definition_file(CODE)) == {}


def test_a_list_kept_for_another_text_of_the_definition_is_not_taken(staging, tmp_path):
    """The definition's numerator changed since the list was kept (its documents counted from
    another column): the list may no longer say what its figure misses."""
    catalogue_file = files.definition_file(CODE)
    assert catalogue_file is not None
    edited = tmp_path / catalogue_file.name
    edited.write_text(catalogue_file.read_text(encoding="utf-8"), encoding="utf-8")
    _rewrite_month(staging, left_out="53001")
    gaps.commune_gaps(staging, load_definition(edited))
    assert gaps.kept_gaps(staging, CODE, 1, edited) is not None

    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("SUM(documents)", "SUM(documents) * 2"), encoding="utf-8")
    gaps._kept.clear()
    assert gaps.kept_gaps(staging, CODE, 1, edited) is None
    # Read again for the edited definition, the list is taken again, with what it now counts.
    again = gaps.commune_gaps(staging, load_definition(edited))
    assert again[MONTH]["53001"] == 2 * sum(DOCS_PER_MONTH["53001"].values())
    assert _taken(staging, edited) == again


def test_a_list_kept_in_the_earlier_shape_is_read_again_and_kept_in_the_new_one(staging, documents):
    """Kept by the previous version (a fingerprint and the list only): not taken by a reader
    without the catalogue, and written again by the next reader that has it."""
    _rewrite_month(staging, left_out="53001")
    found = gaps.commune_gaps(staging, documents)
    kept = json.loads(_kept_file(staging).read_text(encoding="utf-8"))
    earlier = {"fingerprint": kept["fingerprint"], "gaps": kept["gaps"]}
    _kept_file(staging).write_text(json.dumps(earlier), encoding="utf-8")
    gaps._kept.clear()

    assert gaps.kept_gaps(staging, CODE, 1, files.definition_file(CODE)) is None
    assert gaps.commune_gaps(staging, documents) == found
    gaps._kept.clear()
    assert _taken(staging, files.definition_file(CODE)) == found


def test_a_list_made_by_another_version_of_the_engine_is_not_taken_until_checked_again(
    staging, documents, monkeypatch
):
    """A reader without the catalogue cannot render the query to compare it: a new version of
    the engine's code (another query for the same definition) would go unseen. The list says
    which code made it; after a deploy it is not taken until a reader with the catalogue has
    checked its query, which, being the same on the same files, keeps the list without reading
    the table again."""
    _rewrite_month(staging, left_out="53001")
    found = gaps.commune_gaps(staging, documents)
    gaps._kept.clear()
    monkeypatch.setattr(gaps, "_engine_digest", lambda: "the next version")

    assert gaps.kept_gaps(staging, CODE, 1, files.definition_file(CODE)) is None

    def table_read(*args):
        raise AssertionError("the table was read again")

    monkeypatch.setattr(gaps, "_query", table_read)
    assert gaps.commune_gaps(staging, documents) == found
    gaps._kept.clear()
    assert _taken(staging, files.definition_file(CODE)) == found


def test_a_worker_takes_the_list_another_process_wrote_after_an_import(staging, documents):
    """A page server's worker keeps the list it took; an import in another process rewrites a
    month and the list on disk. The worker's list no longer matches the files: it takes the one
    on disk instead of reading the catalogue."""
    _rewrite_month(staging, left_out="53001")
    gaps.commune_gaps(staging, documents)
    gaps._kept.clear()
    assert MONTH in _taken(staging, files.definition_file(CODE))
    workers_list = dict(gaps._kept)

    gaps._kept.clear()  # the import's process
    _rewrite_month(staging)
    assert gaps.commune_gaps(staging, documents) == {}
    gaps._kept.clear()
    gaps._kept.update(workers_list)  # back in the worker

    assert _taken(staging, files.definition_file(CODE)) == {}


def test_a_definition_edited_in_its_words_only_keeps_its_list_without_reading_the_table(
    staging, tmp_path, monkeypatch
):
    """A description reworded: the list is not taken by a reader without the catalogue (the
    text changed), and the next reader with it finds the same query on the same files and
    keeps the same list for the new text, the table left unread."""
    catalogue_file = files.definition_file(CODE)
    assert catalogue_file is not None
    edited = tmp_path / catalogue_file.name
    text = catalogue_file.read_text(encoding="utf-8")
    edited.write_text(text, encoding="utf-8")
    _rewrite_month(staging, left_out="53001")
    found = gaps.commune_gaps(staging, load_definition(edited))

    edited.write_text(text.replace("par habitant", "par habitante et habitant"), encoding="utf-8")
    assert gaps.kept_gaps(staging, CODE, 1, edited) is None

    def table_read(*args):
        raise AssertionError("the table was read again")

    monkeypatch.setattr(gaps, "_query", table_read)
    assert gaps.commune_gaps(staging, load_definition(edited)) == found
    gaps._kept.clear()
    assert _taken(staging, edited) == found


@pytest.mark.parametrize(
    "damage",
    [
        {"gaps": {"juin 2024": {"53001": 15.0}}},  # not a month
        {"gaps": {MONTH: {"53001": "NaN"}}},
        {"gaps": {MONTH: {"53001": float("inf")}}},
    ],
)
def test_a_kept_file_with_a_month_or_a_count_that_is_not_one_is_not_taken(
    staging, documents, damage
):
    _rewrite_month(staging, left_out="53001")
    found = gaps.commune_gaps(staging, documents)
    kept = json.loads(_kept_file(staging).read_text(encoding="utf-8"))
    _kept_file(staging).write_text(json.dumps(kept | damage), encoding="utf-8")
    gaps._kept.clear()

    assert gaps.kept_gaps(staging, CODE, 1, files.definition_file(CODE)) is None
    assert gaps.commune_gaps(staging, documents) == found


def test_a_kept_file_naming_a_folder_outside_the_tables_is_not_taken(staging, documents):
    """The kept file says which tables' files to look at: a name that is not a table's (a
    path up the tree) makes it unreadable, not a folder to list."""
    _rewrite_month(staging, left_out="53001")
    found = gaps.commune_gaps(staging, documents)
    kept = json.loads(_kept_file(staging).read_text(encoding="utf-8"))
    _kept_file(staging).write_text(json.dumps(kept | {"tables": ["../../etc"]}), encoding="utf-8")
    gaps._kept.clear()

    assert gaps.kept_gaps(staging, CODE, 1, files.definition_file(CODE)) is None
    assert gaps.commune_gaps(staging, documents) == found
    assert json.loads(_kept_file(staging).read_text(encoding="utf-8"))["tables"] == kept["tables"]


def _taken(staging: Path, definition_path: Path | None) -> gaps.Gaps:
    """The list a reader without the catalogue takes, which must be there."""
    kept = gaps.kept_gaps(staging, CODE, 1, definition_path)
    assert kept is not None
    return kept.gaps
