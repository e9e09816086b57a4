"""CSV and XLSX downloads of exactly what a page shows, with what, when, filters and sources.

Every cell goes through ``core.spreadsheets``: names, addresses and filters come from imported
files and from users, and must not run as formulas in the reader's spreadsheet."""

import csv
import datetime as dt
import io
from collections.abc import Sequence

from django.http import HttpResponse
from django.utils import timezone

from capsante.ui import formats
from capsante.ui.spreadsheets import csv_cell, xlsx_cell


def table_response(
    filename: str, fmt: str, headers: Sequence[str], rows: Sequence[Sequence], about: dict[str, str]
) -> HttpResponse:
    if fmt == "xlsx":
        # openpyxl (0.1–0.2 s to import) when a spreadsheet is asked for; the indicator
        # pages and the report commands import this module.
        from openpyxl import Workbook  # lazy: see above

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Données"
        _fill(sheet, [headers, *([_cell(v, fmt) for v in row] for row in rows)])
        info = workbook.create_sheet("À propos")
        exported = ["Exporté le", formats.moment_short(timezone.now())]
        _fill(info, [exported, *about.items()])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow([csv_cell(value) for value in headers])
        writer.writerows([csv_cell(_cell(value, fmt)) for value in row] for row in rows)
        # A BOM so that spreadsheet software opens the UTF-8 file with its accents.
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _cell(value, fmt: str):
    """A value as a French reader's spreadsheet expects it: instants in Paris time, dates as
    dd/mm/yyyy, and in CSV (read as text by French spreadsheets) a decimal comma. XLSX keeps
    numbers as numbers."""
    if isinstance(value, dt.datetime):
        return formats.moment_short(value)
    if isinstance(value, dt.date):
        return formats.day_short(value)
    if fmt == "csv" and isinstance(value, float):
        return repr(round(value, 6)).replace(".", ",").removesuffix(",0")
    return value


def _fill(sheet, rows: Sequence[Sequence]) -> None:
    for number, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            xlsx_cell(sheet.cell(row=number, column=column), value)
