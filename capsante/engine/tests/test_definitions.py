"""Validation of definition files: a bad file is refused with its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from capsante.engine import DefinitionError, load_definition, load_definitions

VALID = """\
code: TEST_RATIO
version: 1
name: Test
description: Un ratio de test.
unit: "%"
polarity: up
kind: ratio
aggregation: sum_ratio
sources: [am-mes]
grain: commune
cumulative: true
numerator_sql: |
  SELECT commune_code, period, SUM(activated) AS value
  FROM {table:am_mes_activations}
  GROUP BY commune_code, period
denominator_sql: |
  SELECT commune_code, period, SUM(beneficiaries) AS value
  FROM {table:am_mes_activations}
  GROUP BY commune_code, period
doc: docs/indicateurs/TEST_RATIO.md
"""


def write(tmp_path: Path, text: str, name: str = "TEST_RATIO") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, name: str = "TEST_RATIO") -> str:
    path = write(tmp_path, text, name)
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:"), message
    return message


def test_valid_file_loads(tmp_path: Path):
    definition = load_definition(write(tmp_path, VALID))
    assert definition.code == "TEST_RATIO"
    assert definition.tables == {"am_mes_activations", "territory_membership"}
    assert definition.stale_after_months == 6
    assert not definition.is_snapshot


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("kind: ratio", "kind: quotient", ":7: field 'kind': 'quotient' is not one of"),
        ("aggregation: sum_ratio", "aggregation: mean", ":8: field 'aggregation'"),
        ('unit: "%"', "unit: count", ":5: field 'unit'"),
        ("polarity: up", "polarity: sideways", ":6: field 'polarity'"),
        ("version: 1", "version: one", ":2: field 'version': expected int"),
        ("cumulative: true", "cumulative: maybe", ":11: field 'cumulative': expected bool"),
        ("grain: commune", "grain: departement", ":10: field 'grain'"),
        ("code: TEST_RATIO", "code: OTHER", ":1: field 'code': must match the file name"),
        (
            "{table:am_mes_activations}\n  GROUP BY commune_code, period\ndenominator",
            "{table:secret}\n  GROUP BY commune_code, period\ndenominator",
            ":12: field 'numerator_sql': unknown staged table",
        ),
        (
            "SUM(activated) AS value",
            "SUM(activated) AS total",
            ":12: field 'numerator_sql': must return columns",
        ),
        (
            "FROM {table:am_mes_activations}\n  GROUP BY commune_code, period\ndenominator",
            "FROM {table:am_mes_activations}, read_csv('/etc/passwd')\n  GROUP BY commune_code, period\ndenominator",
            ":12: field 'numerator_sql': ",
        ),
        (
            "FROM {table:am_mes_activations}\n  GROUP BY commune_code, period\ndenominator",
            "FROM {table:am_mes_activations} JOIN other_db.t ON true\n  GROUP BY commune_code, period\ndenominator",
            ":12: field 'numerator_sql': table",
        ),
        ("doc: docs", "colour: blue\ndoc: docs", ":20: field 'colour': unknown field"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, old: str, new: str, where: str):
    assert old in VALID
    assert where in error_of(tmp_path, VALID.replace(old, new, 1))


def test_missing_field(tmp_path: Path):
    text = VALID.replace("sources: [am-mes]\n", "")
    assert "field 'sources': is required" in error_of(tmp_path, text)


def test_statement_other_than_select_is_refused(tmp_path: Path):
    text = VALID.replace(
        "SELECT commune_code, period, SUM(activated) AS value\n  FROM {table:am_mes_activations}\n  GROUP BY commune_code, period\n",
        "DELETE FROM {table:am_mes_activations}\n",
        1,
    )
    assert "field 'numerator_sql': must be a SELECT" in error_of(tmp_path, text)


def test_two_statements_are_refused(tmp_path: Path):
    text = VALID.replace(
        "GROUP BY commune_code, period\ndenominator",
        "GROUP BY commune_code, period;\n  SELECT 1\ndenominator",
        1,
    )
    assert "exactly one SQL statement" in error_of(tmp_path, text)


def test_yaml_syntax_error_has_a_line(tmp_path: Path):
    message = error_of(tmp_path, VALID.replace("polarity: up", "polarity: [up"))
    assert "YAML syntax" in message


def test_snapshot_needs_its_period_placeholder(tmp_path: Path):
    text = VALID.replace("cumulative: true", "cumulative: true\nperiodicity: snapshot")
    assert "{snapshot_period}" in error_of(tmp_path, text)


def test_count_takes_no_denominator(tmp_path: Path):
    text = VALID.replace('unit: "%"', "unit: count").replace("kind: ratio", "kind: count")
    text = text.replace("aggregation: sum_ratio", "aggregation: sum")
    assert "field 'denominator_sql': aggregation sum takes no denominator" in error_of(
        tmp_path, text
    )


def test_reference_errors_point_inside_the_list(tmp_path: Path):
    text = VALID + (
        "references:\n"
        "  - roadmap: mayenne\n"
        "    type: target\n"
        "    territory_level: departement\n"
        '    territory_code: "53"\n'
        "    value: 30\n"
    )
    message = error_of(tmp_path, text)
    assert ":22: field 'references.0.deadline': a target needs a deadline" in message


def test_undeclared_parameter(tmp_path: Path):
    text = VALID.replace("SUM(activated) AS value", "SUM(activated) AS value, {param:slug} AS x")
    assert "parameter 'slug' is not declared" in error_of(tmp_path, text)


def test_parameters_are_quoted_literals(tmp_path: Path):
    text = (
        VALID.replace(
            "  FROM {table:am_mes_activations}\n  GROUP BY commune_code, period\ndenominator",
            "  FROM {table:am_mes_activations}\n  WHERE commune_code <> {param:skip}\n  GROUP BY commune_code, period\ndenominator",
            1,
        )
        + "params:\n  skip: \"x' OR '1'='1\"\n"
    )
    definition = load_definition(write(tmp_path, text))
    assert "commune_code <> 'x'' OR ''1''=''1'" in definition.render("numerator")


def test_duplicate_codes_are_refused(tmp_path: Path):
    write(tmp_path, VALID)
    (tmp_path / "TEST_RATIO.yml").write_text(VALID, encoding="utf-8")
    with pytest.raises(DefinitionError, match="already defined"):
        load_definitions(tmp_path)
