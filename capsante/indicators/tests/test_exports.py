"""Every CSV/XLSX download of the platform goes through ``table_response``: what it writes is what
a spreadsheet shows, and nothing in it runs as a formula."""

import csv
import io

from openpyxl import load_workbook

from capsante.indicators.exports import table_response

HEADERS = ["territoire", "valeur", "évolution", "téléphone", "note"]
ROWS = [
    ["Sarthe", -3.5, "-3,5 %", "+33 2 43 00 00 01", "=1+1"],
    ["Mayenne", 12, "-1 234,5", "02 43 00 00 02", "@SOMME(A1:A9)"],
    ["\t=cmd", 0, "+2", "-", "-2+3+cmd|' /C calc'!A0"],
]
ABOUT = {"Filtres": '=HYPERLINK("https://faux-site.example")'}


def test_csv_keeps_numbers_with_a_decimal_comma_and_neutralises_formulas():
    """French spreadsheets read a CSV separated by semicolons with decimal commas."""
    response = table_response("t", "csv", HEADERS, ROWS, ABOUT)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [
        ["Sarthe", "-3,5", "-3,5 %", "'+33 2 43 00 00 01", "'=1+1"],
        ["Mayenne", "12", "-1 234,5", "02 43 00 00 02", "'@SOMME(A1:A9)"],
        ["'\t=cmd", "0", "+2", "'-", "'-2+3+cmd|' /C calc'!A0"],
    ]


def test_xlsx_keeps_numbers_as_numbers_and_formulas_as_text():
    response = table_response("t", "xlsx", HEADERS, ROWS, ABOUT)
    workbook = load_workbook(io.BytesIO(response.content))
    data = [list(row) for row in workbook["Données"].iter_rows(min_row=2)]
    assert [[c.value for c in row] for row in data] == ROWS
    # Numbers are numbers; formula-like texts are text behind Excel's quote prefix.
    assert [c.data_type for c in data[0]] == ["s", "n", "s", "s", "s"]
    assert [c.quotePrefix for c in data[0]] == [False, False, False, True, True]
    assert all(c.data_type != "f" for row in data for c in row)
    about = workbook["À propos"]["B2"]
    assert (about.value, about.data_type, about.quotePrefix) == (ABOUT["Filtres"], "s", True)
