"""CSV and XLSX downloads of exactly what a page shows, with what, when, filters and sources."""

import csv
import io
from collections.abc import Sequence

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook


def table_response(
    filename: str, fmt: str, headers: Sequence[str], rows: Sequence[Sequence], about: dict[str, str]
) -> HttpResponse:
    if fmt == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Données"
        sheet.append(list(headers))
        for row in rows:
            sheet.append(list(row))
        info = workbook.create_sheet("À propos")
        info.append(["Exporté le", timezone.localtime().strftime("%d/%m/%Y %H:%M")])
        for key, value in about.items():
            info.append([key, value])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(headers)
        writer.writerows(rows)
        # A BOM so that spreadsheet software opens the UTF-8 file with its accents.
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
