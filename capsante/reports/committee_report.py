"""The committee report: what changed on a territory between two dates, as plain data.

`build` reads the database once and returns JSON-ready data with every label already
formatted; the renderers (PDF, DOCX) read only that data. Stored in a ReportSnapshot, it lets a
report be regenerated later with exactly the same figures, whatever arrived since.
"""

import datetime as dt
import functools
import json
from collections import defaultdict

from django.utils import timezone

from capsante.campaigns.services import campaigns_progress
from capsante.committees.services import last_meeting, meetings_of
from capsante.engine.statuses import RULE_IN_WORDS
from capsante.indicators import completeness, dashboards, services
from capsante.indicators.models import Indicator, IndicatorValue, Target
from capsante.indicators.services import STATUS_LABELS, STATUS_RANK, TOLERANCE
from capsante.indicators.targets import shown_difference
from capsante.roadmaps.models import Action, ActionStatus, KeyFigure, Roadmap
from capsante.territories.models import Territory
from capsante.ui import formats

AT_RISK = ("hors_trajectoire", "a_surveiller")
CLOSED = (ActionStatus.DONE, ActionStatus.ABANDONED)
DUE_SOON_DAYS = 60


def _day_end(day: dt.date) -> dt.datetime:
    """The last instant of a day, in the project's time zone: ranges include their end date."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _format(value, indicator) -> str:
    return dashboards.format_value(value, indicator)


def _delta_label(delta: float, indicator: Indicator) -> str:
    return dashboards.format_gap(delta, indicator)


def _status_label(code: str) -> str:
    return STATUS_LABELS.get(code, "non évalué" if not code else code)


# How section 1 compares, kept in each snapshot with the figures it explains.
MOVED_NOTE_BEFORE_5_DECEMBER = (
    "Dernière valeur mesurée dans la période, comparée à la dernière valeur connue avant la"
    " période."
)
MOVED_NOTE = (
    f"{MOVED_NOTE_BEFORE_5_DECEMBER} Ce qui se compte mois par mois (événements, activités) l’est"
    " sur le dernier mois achevé : un mois en cours n’est pas encore complet. Un mois auquel"
    " manquent des communes comptées l’un des trois mois précédents est laissé de côté, comme"
    " pour les statuts : la ligne le dit."
)


def last_complete_month(day: dt.date) -> str:
    """The last month that has ended on `day`: its own month on its last day, else the one before."""
    if (day + dt.timedelta(days=1)).month != day.month:
        return _month(day)
    return _month(day.replace(day=1) - dt.timedelta(days=1))


def indicators_moved(territory: Territory, start: dt.date, end: dt.date) -> list[dict]:
    """Indicators whose value measured in the range differs from the last one before it.

    "Before" is the latest month before the range's first month; "after" the latest month in
    the range. An indicator with no month in the range did not move; one with no month before
    it is a new series (listed, with no difference).

    An indicator that counts what happens within each month (events, activities) reads only
    months that have ended: on 4 December, December's 3 activities are the first four days'
    and would read as a fall from August's 41. One that counts a total so far (accounts
    activated, structures at a stage) reads its month in progress, a figure as of now.

    A month short of communes the month before counted (`completeness`) is left out, on either
    side, as the statuses leave it out (decision 0044): the Mayenne's October without Laval
    would read as a change that is only Laval's absence (80,4 % → 78,7 % of fed DMP). The row
    says which month was left out and why; when it was the range's only month, the row says
    that the change is not worked out."""
    first, last = _month(start), _month(end)
    complete = last_complete_month(end)
    by_indicator: dict[int, list[IndicatorValue]] = defaultdict(list)
    for value in IndicatorValue.objects.filter(
        territory=territory, is_current=True, period__lte=last
    ).order_by("period"):
        by_indicator[value.indicator_id].append(value)
    indicators = list(Indicator.objects.filter(pk__in=by_indicator))
    series = {}
    for indicator in indicators:
        values = [v for v in by_indicator[indicator.pk] if v.value is not None]
        # The indicator's mirror in the database says it (`counted_each_month`), not the
        # catalogue: reading and checking every definition's files took 0.3–0.4 s of each new
        # snapshot, a third of a committee report's command (bench/RESULTS.md, *Commands*,
        # twenty-second session).
        if indicator.counted_each_month:
            values = [v for v in values if v.period <= complete]
        series[indicator.pk] = values
    set_aside = _partial_months_set_aside(territory, indicators, series, first)
    rows = []
    for indicator in indicators:
        values = series[indicator.pk]
        inside = [v for v in values if v.period >= first]
        before = [v for v in values if v.period < first]
        notes = set_aside.get(indicator.pk, {})
        if not inside and True not in notes:
            continue  # no month in the range (a partial one alone is listed, and said)
        after = inside[-1] if inside else None
        base = before[-1] if before else None
        if (
            after is not None
            and base is not None
            and abs(after.value - base.value) <= TOLERANCE * max(1.0, abs(base.value))
        ):
            continue
        rows.append(_moved_row(indicator, base, after, list(notes.values())))
    return rows


def _partial_months_set_aside(
    territory: Territory,
    indicators: list[Indicator],
    series: dict[int, list[IndicatorValue]],
    first: str,
) -> dict[int, dict[bool, str]]:
    """Takes out of each series its last month in the range and its last month before it when
    they lack communes; returns, by indicator and side (True: in the range, given first), why
    each was left out (« octobre 2026 laissé de côté : il y manque 1 commune comptée en septembre 2026 »). Two
    grouped queries, one per side; the months before a side's last one are read when it lacks
    communes (a commune absent several months running). A rolling window's figures: every last
    one of each side that lacks a commune (decision 0046)."""
    notes: dict[int, dict[bool, str]] = defaultdict(dict)
    by_pk = {i.pk: i for i in indicators if not completeness.window_of(i)}
    for indicator in indicators:
        if indicator.pk not in by_pk:
            _trailing_set_aside(territory, indicator, series, first, notes)
    partial_sides: dict[int, list[bool]] = defaultdict(list)
    for inside in (True, False):
        last_of_side = {}
        for indicator in by_pk.values():
            side = [v for v in series[indicator.pk] if (v.period >= first) == inside]
            if side:
                last_of_side[indicator.pk] = side[-1]
        partial = completeness.missing_communes_of(
            territory, [(by_pk[pk], value) for pk, value in last_of_side.items()]
        )
        for pk in partial:
            partial_sides[pk].append(inside)
    for pk, sides in partial_sides.items():
        # The months before a side's last may lack the same communes (absent several months
        # running): the series' months read once for both sides.
        _trailing_set_aside(territory, by_pk[pk], series, first, notes, tuple(sides))
    return notes


def _trailing_set_aside(
    territory: Territory,
    indicator: Indicator,
    series: dict[int, list[IndicatorValue]],
    first: str,
    notes: dict[int, dict[bool, str]],
    sides: tuple[bool, ...] = (True, False),
) -> None:
    """Every last month of each side (or of `sides`) that lacks communes taken out of the
    series, and why: a rolling window's figures whose window holds such a month, a month's own
    figures when a commune is absent several months running."""
    partial = completeness.partial_months(indicator, territory, series[indicator.pk])
    if not partial:
        return
    for inside in sides:
        side = [v for v in series[indicator.pk] if (v.period >= first) == inside]
        count = completeness.trailing(side, partial)
        if count:
            left_out = {id(v) for v in side[-count:]}
            series[indicator.pk] = [v for v in series[indicator.pk] if id(v) not in left_out]
            notes[indicator.pk][inside] = partial[side[-count].period].set_aside(count - 1)


def _moved_row(
    indicator: Indicator,
    base: IndicatorValue | None,
    after: IndicatorValue | None,
    notes: list[str],
) -> dict:
    delta = (
        shown_difference(after.value, base.value, indicator)
        if after is not None and base is not None
        else None
    )
    if after is None:
        delta_label = completeness.NOT_FROM_PARTIAL
    elif delta is None:
        delta_label = "nouvelle série"
    else:
        delta_label = _delta_label(delta, indicator)
    return {
        "code": indicator.code,
        "name": indicator.name,
        "before_period": base.period if base else None,
        "before_label": dashboards.format_value(base.value, indicator) if base else "—",
        "before_value": base.value if base else None,
        "after_period": after.period if after else None,
        "after_label": dashboards.format_value(after.value, indicator) if after else "—",
        "after_value": after.value if after else None,
        "delta": delta,
        "delta_label": delta_label,
        "favourable": None if not delta else (delta > 0) == (indicator.polarity == "up"),
        # Why a month was left out: « octobre 2026 laissé de côté : il y manque … ».
        "set_aside": " ; ".join(notes),
    }


def revisions(territory: Territory, start: dt.date, end: dt.date) -> list[dict]:
    """Figures corrected during the range: a new version replaced an earlier one."""
    rows = []
    revised = (
        IndicatorValue.objects.filter(
            territory=territory,
            version__gt=1,
            created_at__gte=_day_start(start),
            created_at__lte=_day_end(end),
        )
        .select_related("indicator")
        .order_by("indicator__order", "period", "version")
    )
    for value in revised:
        previous = IndicatorValue.objects.filter(
            indicator_id=value.indicator_id,
            territory=territory,
            period=value.period,
            version=value.version - 1,
        ).first()
        indicator = value.indicator
        rows.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "period": value.period,
                "date": timezone.localtime(value.created_at).date().isoformat(),
                "old_label": dashboards.format_value(
                    previous.value if previous else None, indicator
                ),
                "new_label": dashboards.format_value(value.value, indicator),
                "version": value.version,
            }
        )
    return rows


def status_changes(territory: Territory, start: dt.date, end: dt.date) -> list[dict]:
    """Every recorded change of a target's status between the two dates (assessments save the
    target, and its history keeps each status with its date)."""
    rows = []
    records = (
        Target.history.filter(territory_id=territory.pk)
        .order_by("id", "history_date", "history_id")
        .values("id", "indicator_id", "status", "history_date", "history_id")
    )
    by_target: dict[int, list[dict]] = defaultdict(list)
    for record in records:
        by_target[record["id"]].append(record)
    names = dict(Indicator.objects.values_list("pk", "name"))
    codes = dict(Indicator.objects.values_list("pk", "code"))
    low, high = _day_start(start), _day_end(end)
    for history in by_target.values():
        history.sort(key=lambda r: (r["history_date"], r["history_id"]))
        previous = ""
        for record in history:
            status = record["status"] or ""
            if status != previous and low <= record["history_date"] <= high:
                rows.append(
                    {
                        "date": timezone.localtime(record["history_date"]).date().isoformat(),
                        "code": codes.get(record["indicator_id"], ""),
                        "name": names.get(record["indicator_id"], ""),
                        "old": previous,
                        "new": status,
                        "old_label": _status_label(previous),
                        "new_label": _status_label(status),
                        "worsened": bool(previous)
                        and STATUS_RANK.get(status, -1) > STATUS_RANK.get(previous, 99),
                    }
                )
            previous = status
    rows.sort(key=lambda r: (r["date"], r["name"]))
    return _same_day_collapsed(rows)


def _same_day_collapsed(rows: list[dict]) -> list[dict]:
    """One row per target and day: a recomputation that passes through an intermediate status
    within the same day (non évalué → données insuffisantes → atteint) is one change for a
    committee; a day that ends where it began is no change."""
    merged: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["date"], row["code"])
        if key in merged:
            merged[key].update(
                {k: row[k] for k in ("new", "new_label")},
                worsened=bool(merged[key]["old"])
                and STATUS_RANK.get(row["new"], -1) > STATUS_RANK.get(merged[key]["old"], 99),
            )
        else:
            merged[key] = dict(row)
    return [r for r in merged.values() if r["old"] != r["new"]]


def _objectives_by_indicator(territory: Territory) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    figures = KeyFigure.objects.filter(objective__roadmap__territory=territory).exclude(
        indicator=""
    )
    for figure in figures.select_related("objective"):
        if (
            figure.scope in ("", territory.code)
            and figure.objective.title not in found[figure.indicator]
        ):
            found[figure.indicator].append(figure.objective.title)
    return found


def targets(territory: Territory, end: dt.date) -> list[dict]:
    """Every target of the territory with its status as it stood at the end of the period.

    Assessed by the documented rule on the values of the months up to the end (as known when
    the report is made): the status a committee meeting on that date would have read.
    """
    objectives = _objectives_by_indicator(territory)
    as_of = _month(end)
    rows = []
    chosen = Target.objects.filter(territory=territory).select_related("indicator")
    for target in chosen.order_by("indicator__order", "indicator__code"):
        indicator = target.indicator
        fmt = functools.partial(_format, indicator=indicator)
        # The stored status when it was assessed from the same months and target (decision
        # 0047): a report the day after the night's recompute fits no forecast again.
        assessment = (
            None if target.not_applicable else services.assess(target, as_of=as_of, stored=True)
        )
        status = assessment.status.value if assessment else ""
        band = assessment.band_at_deadline if assessment else None
        rows.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "objectives": objectives.get(indicator.code, []),
                "status": status,
                "status_label": "sans objet" if target.not_applicable else _status_label(status),
                "reason": assessment.reason if assessment else "",
                "last_period": assessment.last_period if assessment else None,
                "last_month": formats.month(assessment.last_period)
                if assessment and assessment.last_period
                else "—",
                "last_label": fmt(assessment.last_value if assessment else None),
                "reference_label": fmt(assessment.reference_value if assessment else None),
                "target_label": fmt(target.target_value),
                "deadline": target.deadline,
                "deadline_month": formats.month(target.deadline),
                "forecast_label": fmt(assessment.forecast_at_deadline if assessment else None),
                "band_label": f"{fmt(band[0])} à {fmt(band[1])}" if band else "",
                "estimated_date": (assessment.estimated_date or "") if assessment else "",
            }
        )
    return rows


def at_risk(rows: list[dict]) -> list[dict]:
    """The targets off course or to watch, off course first."""
    risky = [r for r in rows if r["status"] in AT_RISK]
    return sorted(risky, key=lambda r: (r["status"] != "hors_trajectoire", r["name"]))


def _action_row(action: Action, record, day: dt.date | None = None) -> dict:
    return {
        "text": record.text,
        "objective": action.objective.title,
        "owner": record.owner,
        "status": record.status,
        "status_label": str(ActionStatus(record.status).label),
        "due_date": record.due_date.isoformat() if record.due_date else None,
        "date": day.isoformat() if day else None,
    }


def actions(territory: Territory, start: dt.date, end: dt.date) -> dict[str, list[dict]]:
    """Actions completed in the range, and late or due soon as they stood at the end date,
    read from each action's recorded history."""
    completed, late, due_soon = [], [], []
    low, high = _day_start(start), _day_end(end)
    soon = end + dt.timedelta(days=DUE_SOON_DAYS)
    roadmap_actions = Action.objects.filter(objective__roadmap__territory=territory).select_related(
        "objective"
    )
    for action in roadmap_actions:
        history = list(
            action.history.filter(history_date__lte=high).order_by("history_date", "history_id")
        )
        if not history:
            continue
        previous = None
        for record in history:
            if (
                record.status == ActionStatus.DONE
                and (previous is None or previous.status != ActionStatus.DONE)
                and record.history_date >= low
            ):
                day = timezone.localtime(record.history_date).date()
                completed.append(_action_row(action, record, day))
            previous = record
        state = history[-1]
        if state.status in CLOSED:
            continue
        if state.status == ActionStatus.LATE or (state.due_date and state.due_date < end):
            late.append(_action_row(action, state))
        elif state.due_date and end <= state.due_date <= soon:
            due_soon.append(_action_row(action, state))
    completed.sort(key=lambda r: r["date"])
    late.sort(key=lambda r: r["due_date"] or "")
    due_soon.sort(key=lambda r: r["due_date"] or "")
    return {"completed": completed, "late": late, "due_soon": due_soon}


def campaigns(territory: Territory, start: dt.date, end: dt.date) -> list[dict]:
    """Campaigns' progress, frozen as JSON with the rest of the snapshot."""
    return json.loads(json.dumps(campaigns_progress(territory, start, end), default=str))


def meetings(territory: Territory, start: dt.date, end: dt.date) -> dict:

    last = last_meeting(territory, end)
    held = [
        {
            "date": m.date.isoformat(),
            "committee": m.committee.name,
            "decisions": m.decisions.count(),
        }
        for m in meetings_of(territory).filter(date__gte=start, date__lte=end).order_by("date")
    ]
    if last is None:
        return {"last": None, "held": held}
    today = timezone.localdate()
    decisions = []
    for d in last.decisions.select_related("action", "followed_up_at"):
        decisions.append(
            {
                "text": d.text,
                "owner": d.owner,
                "due_date": d.due_date.isoformat() if d.due_date else None,
                "status": d.current_status,
                "status_label": d.current_status_label,
                "overdue": bool(d.is_open and d.due_date and d.due_date < today),
                "follow_up": d.follow_up,
                "followed_up_at": d.followed_up_at.date.isoformat() if d.followed_up_at else None,
                "on_roadmap": d.action_id is not None,
            }
        )
    return {
        "last": {
            "date": last.date.isoformat(),
            "committee": last.committee.name,
            "place": last.place,
            "attendees": last.attendee_list,
            "decisions": decisions,
        },
        "held": held,
    }


def build(territory: Territory, start: dt.date, end: dt.date, kind: str = "committee") -> dict:
    now = timezone.localtime()
    roadmap = Roadmap.objects.filter(territory=territory).order_by("-period_start").first()
    moves = indicators_moved(territory, start, end)
    objectives_at_end = targets(territory, end)
    data = {
        "kind": kind,
        "territory": {
            "code": territory.code,
            "name": territory.name,
            "level": territory.level,
            "of_name": territory.of_name,
        },
        "roadmap": roadmap.title if roadmap else None,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": min(end, now.date()).isoformat(),
        "generated_at": now.isoformat(timespec="seconds"),
        "indicators_moved": moves,
        "revisions": revisions(territory, start, end),
        "status_changes": status_changes(territory, start, end),
        "targets": objectives_at_end,
        "at_risk": at_risk(objectives_at_end),
        "actions": actions(territory, start, end),
        "campaigns": campaigns(territory, start, end),
        "meetings": meetings(territory, start, end) if kind == "committee" else None,
        "committees": list(territory.committees.values_list("name", flat=True)),
        # The rule the statuses above were computed by, kept with them in the snapshot.
        "status_rule": RULE_IN_WORDS,
        "status_rule_note": completeness.STATUS_RULE_NOTE,
        "moved_note": MOVED_NOTE,
    }
    for row in moves:
        row["before_month"] = formats.month(row["before_period"])
        row["after_month"] = formats.month(row["after_period"])
    return data
