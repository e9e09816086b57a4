"""Committee reports rendered from their frozen data only (PDF, editable DOCX): no database
read here, which is what makes a regenerated report identical to the first one."""

import datetime as dt
import io

from django.template.loader import render_to_string
from django.utils.dateformat import format as date_format
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from capsante.ui import formats, pdf
from capsante.ui.text import printable_data

from .committee_report import DUE_SOON_DAYS, MOVED_NOTE_BEFORE_5_DECEMBER, RULE_IN_WORDS

TITLES = {"committee": "Rapport de comité", "digest": "Synthèse périodique"}
BLUE = (0x00, 0x00, 0x91)  # the DSFR's blue France, for the DOCX's links


METHOD = (
    "Indicateurs : valeurs en vigueur de Cap e-santé, calculées à partir des imports de sources"
    " (chaque valeur garde son calcul et son import d’origine). Statuts : jamais saisis à la"
    " main, calculés à partir des valeurs et des cibles par la règle ci-dessous ; l’historique"
    " des cibles donne les changements. Actions : historique des actions de la feuille de route"
    " (date de passage au statut « Réalisée », état à la fin de la période ; « à échéance » ="
    f" dans les {DUE_SOON_DAYS} jours suivant la fin de la période). Tous les chiffres ont été"
    " figés dans un instantané à la génération."
)
RULE_CAPTION = "Règle des statuts : la première condition remplie donne le statut"
RULE_HEADERS = ["N°", "Condition", "Statut"]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _campaign_table(campaigns) -> tuple[list[str], list[list]]:
    """Campaigns arrive in the shape their app chose: a list of rows (dicts) or a mapping."""
    if not campaigns:
        return [], []
    if isinstance(campaigns, dict):
        campaigns = campaigns.get("rows", campaigns.get("campaigns", [campaigns]))
    if not isinstance(campaigns, list):
        return ["Avancement"], [[str(campaigns)]]
    rows = [c for c in campaigns if isinstance(c, dict)]
    headers: list[str] = []
    for row in rows:
        headers += [k for k in row if k not in headers]
    return headers, [[_cell(row.get(h)) for h in headers] for row in rows]


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return formats.number(value, 1 if isinstance(value, float) else 0)
    if isinstance(value, str):
        # « 103 (81,7 %) » as snapshots kept it before 4 December: the sign kept with its number.
        return value.replace(" %", f"{formats.NBSP}%")
    if isinstance(value, (list, dict)):
        return (
            ", ".join(f"{k} : {v}" for k, v in value.items())
            if isinstance(value, dict)
            else ", ".join(map(str, value))
        )
    return str(value)


def _day(value: str | None) -> str:
    return formats.day(_date(value), empty="") if value else ""


def _dates_in_words(ctx: dict) -> None:
    """Every month and day the document shows, as a committee reads them (« mars 2028 », « 1er
    juin 2026 »), not as the snapshot keeps them (« 2028-03 », « 2026-06-01 »). Made when the
    document is written, so that reports snapshotted before read the same."""
    for row in ctx["revisions"]:
        row["period"], row["date"] = formats.month(row["period"]), _day(row["date"])
    for row in ctx["at_risk"]:
        estimated = row.get("estimated_date")
        row["estimated_date"] = formats.month(estimated) if estimated else ""
    for rows in ctx["actions"].values():
        for row in rows:
            row["date"], row["due_date"] = _day(row.get("date")), _day(row.get("due_date"))
    meetings = ctx.get("meetings") or {}
    if meetings.get("last"):
        meetings["last"]["date"] = _day(meetings["last"]["date"])
        for decision in meetings["last"]["decisions"]:
            decision["due_date"] = _day(decision.get("due_date"))
    for meeting in meetings.get("held") or []:
        meeting["date"] = _day(meeting["date"])


def context(data: dict, snapshot_id: int | None = None) -> dict:
    # Texts typed by users (decisions, follow-ups, action titles) may hold control characters
    # that DOCX refuses and the PDF shows as boxes: they are dropped from the document.
    ctx = printable_data(dict(data))
    ctx["title"] = TITLES.get(data["kind"], "Rapport")
    ctx["start"], ctx["end"], ctx["as_of"] = (
        _date(data["start"]),
        _date(data["end"]),
        _date(data["as_of"]),
    )
    ctx["generated_at"] = dt.datetime.fromisoformat(data["generated_at"])
    ctx["snapshot_id"] = snapshot_id
    # « de la Mayenne », « de la Sarthe »: snapshots made before 4 December keep only the name.
    ctx["territory_of"] = ctx["territory"].get("of_name") or formats.of_name(
        ctx["territory"]["name"]
    )
    for row in ctx["status_changes"]:
        row["date_obj"] = _date(row["date"])
    _dates_in_words(ctx)
    acts = ctx["actions"]
    ctx["action_sections"] = [
        (
            "Actions réalisées pendant la période",
            acts["completed"],
            "Aucune action réalisée pendant la période.",
            "Réalisée le",
        ),
        ("Actions en retard", acts["late"], "Aucune action en retard.", "Échéance"),
        (
            f"Actions à échéance dans les {DUE_SOON_DAYS} jours",
            acts["due_soon"],
            "Aucune action n’arrive à échéance.",
            "Échéance",
        ),
    ]
    ctx["campaign_headers"], ctx["campaign_rows"] = _campaign_table(data.get("campaigns"))
    ctx["due_soon_days"] = DUE_SOON_DAYS
    ctx["method"], ctx["rule_caption"] = METHOD, RULE_CAPTION
    # The rule kept in the snapshot; reports snapshotted before 4 December take today's, which
    # has not changed since the statuses were first computed.
    ctx["status_rule"] = data.get("status_rule") or RULE_IN_WORDS
    # What a month short of communes does to a status (decision 0044): not said by the reports
    # snapshotted before it, whose statuses were computed without it.
    ctx["status_rule_note"] = data.get("status_rule_note", "")
    # How section 1 compared, as kept in the snapshot; older ones compared the last month in the
    # range, complete or not.
    ctx["moved_note"] = data.get("moved_note") or MOVED_NOTE_BEFORE_5_DECEMBER
    ctx["font_css"] = mark_safe(pdf.font_css())  # noqa: S308 - built from file paths we control  # nosec B308 B703
    return ctx


def to_html(data: dict, snapshot_id: int | None = None) -> str:
    return render_to_string("reports/committee/document.html", context(data, snapshot_id))


def to_pdf(data: dict, snapshot_id: int | None = None) -> bytes:
    return pdf.html_to_pdf(to_html(data, snapshot_id))


# --- DOCX -------------------------------------------------------------------------------------


def _french(document) -> None:
    """Mark the text as French so that the word processor checks spelling in French."""
    from docx.oxml.ns import qn  # lazy: as in to_docx

    for style_name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title"):
        rpr = document.styles[style_name].element.get_or_add_rPr()
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = rpr.makeelement(qn("w:lang"), {})
            rpr.append(lang)
        lang.set(qn("w:val"), "fr-FR")


def _with_set_aside(row: dict) -> str:
    """The indicator's name, and the month left out of its comparison when one was (decision
    0044; absent from snapshots taken before 6 December)."""
    note = row.get("set_aside")
    return f"{row['name']}\n{note[:1].upper()}{note[1:]}." if note else row["name"]


def _table(document, headers: list[str], rows: list[list[str]]) -> None:
    from docx.oxml.ns import qn  # lazy: as in to_docx

    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Light Grid Accent 1"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
    # Repeat the header row on each page, as the PDF does.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value or "—"
    document.add_paragraph()


def _fr(day: dt.date | None) -> str:
    return date_format(day, "j F Y") if day else "—"


def to_docx(data: dict, snapshot_id: int | None = None) -> bytes:
    # python-docx (0.12 s to import) only when a DOCX is written, not for the HTML and
    # PDF reports nor for every command and page that imports the reports' services.
    from docx import Document  # lazy: see above
    from docx.shared import Pt, RGBColor  # lazy: see above

    ctx = context(data, snapshot_id)
    territory = ctx["territory"]["name"]
    document = Document()
    _french(document)
    document.styles["Normal"].font.name = "Marianne"
    document.styles["Normal"].font.size = Pt(10)
    props = document.core_properties
    props.title = f"{ctx['title']} — {territory}, du {_fr(ctx['start'])} au {_fr(ctx['end'])}"
    props.author = "Cap e-santé"
    props.language = "fr-FR"
    props.subject = "Rapport de pilotage de la feuille de route du numérique en santé"
    document.add_heading(props.title, level=0)
    meta = (
        f"Données arrêtées au {_fr(ctx['as_of'])} ; rapport généré le "
        f"{date_format(ctx['generated_at'], 'j F Y à H:i')}"
        + (f", instantané n° {snapshot_id}" if snapshot_id else "")
        + ". Ce document est modifiable : ajoutez-y les commentaires de l’équipe."
    )
    document.add_paragraph(meta)

    document.add_heading("1. Les indicateurs qui ont bougé", level=1)
    document.add_paragraph(ctx["moved_note"])
    if ctx["indicators_moved"]:
        _table(
            document,
            ["Indicateur", "Avant", "Dans la période", "Évolution"],
            [
                [
                    _with_set_aside(r),
                    f"{r['before_label']} ({r['before_month']})",
                    f"{r['after_label']} ({r['after_month']})",
                    r["delta_label"],
                ]
                for r in ctx["indicators_moved"]
            ],
        )
    else:
        document.add_paragraph("Aucun indicateur n’a changé de valeur dans la période.")
    if ctx["revisions"]:
        document.add_heading("Chiffres révisés pendant la période", level=2)
        _table(
            document,
            ["Indicateur", "Mois", "Révisé le", "Ancienne valeur", "Nouvelle valeur"],
            [
                [r["name"], r["period"], r["date"], r["old_label"], r["new_label"]]
                for r in ctx["revisions"]
            ],
        )

    document.add_heading("2. Les changements de statut", level=1)
    if ctx["status_changes"]:
        _table(
            document,
            ["Date", "Indicateur", "Avant", "Après"],
            [
                [_fr(r["date_obj"]), r["name"], r["old_label"], r["new_label"]]
                for r in ctx["status_changes"]
            ],
        )
    else:
        document.add_paragraph("Aucun statut n’a changé pendant la période.")

    document.add_heading(
        f"3. Les objectifs chiffrés : statut au {_fr(ctx['end'])}, risques et prévision", level=1
    )
    if ctx.get("targets"):
        _table(
            document,
            ["Indicateur", "Valeur", "Trajectoire", "Cible", "Statut"],
            [
                [
                    r["name"],
                    f"{r['last_label']} ({r['last_month']})",
                    r["reference_label"],
                    f"{r['target_label']} ({r['deadline_month']})",
                    r["status_label"],
                ]
                for r in ctx["targets"]
            ],
        )
    else:
        document.add_paragraph("Aucune cible n’est fixée pour ce territoire.")
    document.add_heading("Les cibles à risque", level=2)
    if ctx["at_risk"]:
        _table(
            document,
            [
                "Indicateur",
                "Statut",
                "Dernière valeur",
                "Cible",
                "Prévision à l’échéance",
                "Cible atteinte vers",
            ],
            [
                [
                    r["name"] + "".join(f"\nObjectif : {o}" for o in r["objectives"]),
                    r["status_label"],
                    f"{r['last_label']} ({r.get('last_month') or r['last_period'] or '—'})",
                    f"{r['target_label']} ({r.get('deadline_month') or r['deadline']})",
                    r["forecast_label"] + (f" ({r['band_label']})" if r["band_label"] else ""),
                    r["estimated_date"] or "non estimée",
                ]
                for r in ctx["at_risk"]
            ],
        )
    else:
        document.add_paragraph("Aucune cible n’est hors trajectoire ni à surveiller.")

    document.add_heading("4. Les actions", level=1)
    for label, rows, empty, datecol in ctx["action_sections"]:
        document.add_heading(f"{label} ({len(rows)})", level=2)
        if rows:
            _table(
                document,
                ["Action", "Objectif", "Porteur", "Statut", datecol],
                [
                    [
                        r["text"],
                        r["objective"],
                        r["owner"],
                        r["status_label"],
                        r["date"] or r["due_date"] or "—",
                    ]
                    for r in rows
                ],
            )
        else:
            document.add_paragraph(empty)

    document.add_heading("5. L’avancement des campagnes", level=1)
    if ctx.get("campaigns") is None:
        document.add_paragraph(
            "Le suivi des campagnes n’est pas encore disponible dans Cap e-santé : cette section se remplira d’elle-même."
        )
    elif ctx["campaign_rows"]:
        _table(document, ctx["campaign_headers"], ctx["campaign_rows"])
    else:
        document.add_paragraph("Aucune campagne en cours pendant la période.")

    if ctx["kind"] == "committee":
        document.add_heading("6. Les décisions de la dernière réunion et leur suivi", level=1)
        last = (ctx.get("meetings") or {}).get("last")
        if last:
            document.add_paragraph(f"Réunion du {last['date']} — {last['committee']}.")
            if last["decisions"]:
                _table(
                    document,
                    ["Décision", "Porteur", "Échéance", "Statut", "Suivi"],
                    [
                        [
                            d["text"],
                            d["owner"],
                            (d["due_date"] or "—") + (" (dépassée)" if d["overdue"] else ""),
                            d["status_label"],
                            d["follow_up"] or "—",
                        ]
                        for d in last["decisions"]
                    ],
                )
            else:
                document.add_paragraph("Aucune décision n’a été enregistrée lors de cette réunion.")
        else:
            document.add_paragraph("Aucune réunion de comité n’est enregistrée sur ce territoire.")
    document.add_heading("Comment ce rapport est établi", level=1)
    document.add_paragraph(ctx["method"])
    document.add_paragraph(RULE_CAPTION)
    _table(
        document,
        RULE_HEADERS,
        [
            [str(n), capfirst(condition), status]
            for n, (condition, status) in enumerate(ctx["status_rule"], 1)
        ],
    )
    if ctx["status_rule_note"]:
        document.add_paragraph(ctx["status_rule_note"])
    document.add_heading("Commentaires de l’équipe", level=1)
    document.add_paragraph("")
    for paragraph in document.paragraphs:
        if paragraph.style.name.startswith("Heading") or paragraph.style.name == "Title":
            for run in paragraph.runs:
                run.font.color.rgb = RGBColor(*BLUE)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
