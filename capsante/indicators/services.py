"""Indicator logic on the Django side: catalogue sync, computation runs, versioned values,
targets and their statuses, manual entries. The computing itself is the engine's."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from capsante import engine
from capsante.accounts import access
from capsante.accounts.models import Profile
from capsante.engine import forecast
from capsante.engine import status as engine_status
from capsante.engine.periods import months_between
from capsante.outbox.services import queue_mail
from capsante.territories.models import Level, Territory

from . import completeness, signals
from .models import (
    ComputationRun,
    Indicator,
    IndicatorValue,
    ManualEntry,
    ManualStatus,
    StoredBlock,
    Target,
    current_month,
)
from .targets import format_value, target_label

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import pyarrow as pa

# How bad a status is, to tell whether it worsened (données insuffisantes says nothing either way).
STATUS_RANK = {
    "atteint": 0,
    "en_bonne_voie": 1,
    "a_surveiller": 2,
    "donnees_anciennes": 3,
    "hors_trajectoire": 4,
}
STATUS_LABELS = {s.value: s.label for s in engine_status.Status}
TOLERANCE = 1e-9
ASSESSING = "évaluation des cibles"


_CATALOGUE: dict[tuple, dict[str, engine.Definition]] = {}


def definitions() -> dict[str, engine.Definition]:
    """The catalogue, read and validated once per process while its files stay the same.

    Validating every definition's SQL takes a tenth of a second or more: pages (e.g. an indicator
    page listing the structures behind a figure) and recomputes ask for it often.
    """
    files = sorted(engine.DEFAULT_DIR.glob("*.y*ml"))
    key = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    if key not in _CATALOGUE:
        _CATALOGUE.clear()
        _CATALOGUE[key] = {d.code: d for d in engine.load_definitions()}
    return dict(_CATALOGUE[key])


@transaction.atomic
def sync_catalogue() -> list[Indicator]:
    """Mirror the definition files in the database, and create the targets they reference."""
    indicators = []
    for order, definition in enumerate(sorted(definitions().values(), key=lambda d: d.code)):
        indicator, _ = Indicator.objects.update_or_create(
            code=definition.code,
            defaults={
                "name": definition.name,
                "description": definition.description.strip(),
                "unit": definition.unit,
                "polarity": definition.polarity,
                "kind": definition.kind,
                "aggregation": definition.aggregation,
                "sources": list(definition.sources),
                "grain": definition.grain,
                "periodicity": definition.periodicity,
                "adoption": definition.adoption,
                "counted_each_month": not definition.cumulative,
                "stale_after_months": definition.stale_after_months,
                "window_months": definition.window_months or 0,
                "detail_public": definition.detail_public,
                "definition_version": definition.version,
                "doc": definition.doc,
                "order": order,
            },
        )
        indicators.append(indicator)
        for reference in definition.references:
            if reference.type != "target":
                continue
            territory = Territory.objects.filter(
                level=reference.territory_level, code=reference.territory_code
            ).first()
            if territory is None:
                continue
            target, created = Target.objects.get_or_create(
                indicator=indicator,
                territory=territory,
                defaults={
                    "target_value": reference.value,
                    "deadline": reference.deadline or "",
                    "baseline_period": reference.baseline_period or "",
                    "source": reference.note[:300],
                },
            )
            if created:
                signals.target_from_catalogue.send(Target, target=target, reference=reference)
    return indicators


def membership_tables() -> tuple[pa.Table, pa.Table]:
    """The territory tree as the engine reads it: commune → every territory that contains it,
    and each territory's inhabitants (the sum of its communes')."""
    # lazy: read-only commands (`indicators show`) answer without loading pyarrow.
    import pyarrow as pa
    import pyarrow.compute as pc  # lazy: as pyarrow, above.

    communes = Territory.objects.filter(level=Level.COMMUNE).values_list(
        "code", "population", "epci__code", "parent__code", "parent__parent__code"
    )
    codes, people, epcis, departements, regions = list(zip(*communes, strict=True)) or [()] * 5
    commune = pa.array(codes, pa.string())
    inhabitants = pc.fill_null(pa.array(people, pa.int64()), 0)
    # Built column by column in Arrow: row by row in Python, the national tree (35,000
    # communes, 140,000 links) took 0.3–0.4 s of every computation, a monthly one included.
    parts = [_links(commune, commune, Level.COMMUNE, inhabitants)] + [
        _links(commune, pa.array(parents, pa.string()), level, inhabitants)
        for parents, level in (
            (epcis, Level.EPCI),
            (departements, Level.DEPARTEMENT),
            (regions, Level.REGION),
        )
    ]
    members = [
        (member.code, grouping.code, member.population or 0)
        for grouping in Territory.objects.filter(level=Level.GROUPING).prefetch_related("members")
        for member in grouping.members.all()
    ]
    if members:
        member, grouping, member_people = zip(*members, strict=True)
        parts.append(
            _links(
                pa.array(member, pa.string()),
                pa.array(grouping, pa.string()),
                Level.GROUPING,
                pa.array(member_people, pa.int64()),
            )
        )
    links = pa.concat_tables(parts)
    membership = links.select(["commune_code", "territory_code", "territory_level"])
    pop = (
        links.group_by(["territory_code", "territory_level"], use_threads=False)
        .aggregate([("population", "sum")])
        .rename_columns({"population_sum": "population"})
        .select(["territory_code", "territory_level", "population"])
    )
    return membership, pop


def _links(communes, territories, level: str, inhabitants) -> pa.Table:
    """(commune, territory, level, inhabitants) where the commune has a territory of `level`."""
    import pyarrow as pa  # lazy: as in membership_tables.
    import pyarrow.compute as pc  # lazy: as in membership_tables.

    links = pa.table(
        {
            "commune_code": communes,
            "territory_code": territories,
            "territory_level": pa.repeat(pa.scalar(level, pa.string()), len(communes)),
            "population": inhabitants,
        }
    )
    return links.filter(pc.fill_null(pc.not_equal(territories, ""), False))


def store_values(
    result: pa.Table,
    run: ComputationRun,
    retire_codes: Iterable[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    *,
    whole_blocks: bool = False,
) -> int:
    """Add a new version wherever a figure is new or changed; see `storage.store_values`."""
    # lazy: storage loads pyarrow, which read-only commands need not load.
    from . import storage

    return storage.store_values(
        result, run, retire_codes, progress or storage.silent, whole_blocks=whole_blocks
    )


def next_version(indicator: Indicator, territory: Territory, period: str) -> int:
    """The number of the next version of a figure, after every earlier one, current or not."""
    latest = (
        IndicatorValue.objects.filter(indicator=indicator, territory=territory, period=period)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (latest or 0) + 1


def compute_and_store(
    *,
    periods: Sequence[str] | None = None,
    engine_name: str | None = None,
    trigger=None,
    user=None,
    territories: Sequence[tuple[str, str]] | None = None,
    codes: Iterable[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    after_engine: Callable[[str, int, int], None] | None = None,
    as_of: str | None = None,
) -> ComputationRun:
    """Run the engine over the staged tables and record the values it gives.

    `progress(done, total, code)` is told each definition the engine has computed;
    `after_engine(step, done, total)` the steps that follow, in French: the store's
    (`storage.store_values`: the values written so far among those to write), then the
    targets' assessment. A national first compute spends most of its time there."""
    started = time.monotonic()
    engine_name = engine_name or settings.INDICATOR_ENGINE
    sync_catalogue()
    catalogue = definitions()
    chosen = [catalogue[c] for c in codes] if codes else list(catalogue.values())
    membership, population = membership_tables()
    options = _engine_options(engine_name)
    run = ComputationRun.objects.create(
        engine=engine_name, periods=list(periods or []), trigger=trigger, user=user
    )
    computing = time.monotonic()
    try:
        with _engine_errors(engine_name):
            result = engine.compute(
                chosen,
                settings.STAGING_DIR,
                periods=periods,
                territories=territories,
                progress=progress,
                backend=engine_name,
                membership=membership,
                population=population,
                options=options,
            )
    except EngineUnavailable:
        # The session refused to start: nothing was computed, so no run is kept.
        run.delete()
        raise
    storing = time.monotonic()
    # The targets' assessment, after the store, needs SciPy: imported while the database works,
    # if there is a target to assess. An import's recompute often has none, and the import's
    # thread then only slowed the store (the two share the interpreter).
    targeted = Target.objects.filter(indicator__code__in=[d.code for d in chosen]).exists()
    with forecast.band_loaded_meanwhile() if targeted else contextlib.nullcontext():
        # Not stored: what the command and the benchmarks print (preparation, engine, storage).
        run.seconds = {"preparation": computing - started, "engine": storing - computing}
        with transaction.atomic():
            full = periods is None and territories is None
            run.new_versions = store_values(
                result,
                run,
                retire_codes=[d.code for d in chosen] if full else None,
                progress=after_engine,
                # Some months of every territory: each (indicator, month) computed is whole.
                whole_blocks=territories is None,
            )
            run.rows = result.num_rows
            run.finished_at = timezone.now()
            run.save()
        # After the commit: PostgreSQL checks the new rows' foreign keys then.
        run.seconds["storage"] = time.monotonic() - storing
        run.duration_seconds = round(time.monotonic() - started, 3)
        ComputationRun.objects.filter(pk=run.pk).update(duration_seconds=run.duration_seconds)
        assessing = time.monotonic()
        if after_engine is not None:
            after_engine(ASSESSING, 0, 0)
        assess_targets(Indicator.objects.filter(code__in=[d.code for d in chosen]), as_of=as_of)
        run.seconds["targets"] = time.monotonic() - assessing
        if run.new_versions:
            signals.figures_changed.send(sender=ComputationRun)
        log.info(
            "computation %s: %s",
            run.pk,
            ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in run.seconds.items()),
        )
    return run


class EngineUnavailable(RuntimeError):
    """The chosen engine cannot compute here; the message says why and what to change."""


def _engine_options(engine_name: str) -> dict:
    """The backend's options, Spark checked first: a mistyped master fails in seconds, in
    French, before any run is recorded (Spark alone retries for a minute, then prints a Java
    stack)."""
    if engine_name != "spark":
        return {}
    # lazy: sqlglot and Arrow, which `show` and `list` do not need.
    from capsante.engine import spark_backend

    with _engine_errors(engine_name):
        spark_backend.check_ready(settings.SPARK_MASTER)
    return {"master": settings.SPARK_MASTER, "conf": settings.SPARK_CONF}


@contextlib.contextmanager
def _engine_errors(engine_name: str) -> Iterator[None]:
    """Spark's refusals (pyspark or Java missing, master unreachable, session not started) as
    `EngineUnavailable`, naming the setting when the master is the cause. DuckDB runs in this
    process: nothing to translate."""
    if engine_name != "spark":
        yield
        return
    # lazy: as in _engine_options.
    from capsante.engine import spark_backend

    try:
        yield
    except spark_backend.MasterUnreachable as exc:
        raise EngineUnavailable(
            f"{exc} Le maître est donné par le réglage CAPSANTE_SPARK_MASTER."
        ) from exc
    except spark_backend.SparkUnavailable as exc:
        raise EngineUnavailable(str(exc)) from exc


def recompute_after_import(record) -> ComputationRun | None:
    """Recompute only the indicators fed by the imported source, for the periods it touched."""
    codes = [d.code for d in definitions().values() if record.source in d.sources]
    if not codes:
        return None
    run = compute_and_store(periods=record.periods or None, trigger=record, codes=codes)
    # The rolling windows' missing communes, listed while the import still runs rather than by
    # the first page that shows one of their figures (decision 0046). After the run's own
    # stages: its seconds are the recompute's.
    keep_window_gaps(codes)
    return run


def keep_window_gaps(codes: list[str] | None = None) -> None:
    """List and keep the communes each month lost for the rolling windows among `codes` (every
    indicator by default), after a computation: the first page to show one of their figures
    would otherwise read the staged table for it (`completeness.keep_window_gaps`)."""
    indicators = Indicator.objects.all()
    if codes is not None:
        indicators = indicators.filter(code__in=codes)
    completeness.keep_window_gaps(indicators)


# --- Values -----------------------------------------------------------------------------------


def series(indicator: Indicator, territory: Territory) -> list[IndicatorValue]:
    """The values in force, month by month, of the months shown (`months_ended`)."""
    return list(
        IndicatorValue.objects.filter(indicator=indicator, territory=territory, is_current=True)
        .months_ended()
        .select_related("run__trigger", "manual_entry")
        .order_by("period")
    )


def latest_value(
    indicator: Indicator, territory: Territory, period: str | None = None
) -> IndicatorValue | None:
    values = IndicatorValue.objects.filter(
        indicator=indicator, territory=territory, is_current=True
    ).months_ended()
    if period:
        values = values.filter(period__lte=period)
    return values.select_related("run__trigger", "manual_entry").order_by("-period").first()


def versions(indicator: Indicator, territory: Territory, period: str) -> list[IndicatorValue]:
    return list(
        IndicatorValue.objects.filter(indicator=indicator, territory=territory, period=period)
        .select_related("run", "manual_entry")
        .order_by("-version")
    )


# --- Targets and statuses ---------------------------------------------------------------------


def _engine_target(target: Target) -> engine_status.Target:
    milestones = tuple((m["period"], float(m["value"])) for m in target.milestones or [])
    return engine_status.Target(
        value=float(target.target_value),
        deadline=target.deadline,
        baseline_period=target.baseline_period or None,
        baseline_value=target.baseline_value,
        milestones=milestones,
    )


def assess(
    target: Target,
    as_of: str | None = None,
    values: list[IndicatorValue] | None = None,
    partial_months: dict[str, completeness.MissingCommunes] | None = None,
    *,
    stored: bool = False,
) -> engine_status.Assessment | None:
    """The target's status by the documented rule, on the months up to `as_of` (this month).

    A last month short of communes the month before counted (`completeness`) is left out: the
    Mayenne's October without Laval would otherwise be judged as the Mayenne's (decision 0044).
    The reason says so. `values` and `partial_months`: the target's `series` and its
    `completeness.partial_months`, when the caller has them already (the indicator's page).

    `stored`: the assessment stored with the target is read back when it was made from exactly
    the same inputs (`assess_targets`, decision 0047): a report made after the night's recompute
    neither imports nor fits anything. It then has no `fit`, only what a document prints."""
    return _assessed(target, as_of, values, partial_months, stored=stored)[0]


def _assessed(
    target: Target,
    as_of: str | None,
    values: list[IndicatorValue] | None = None,
    partial_months: dict[str, completeness.MissingCommunes] | None = None,
    *,
    stored: bool = False,
    fingerprinted: bool = False,
) -> tuple[engine_status.Assessment | None, completeness.MissingCommunes | None, str]:
    """`assess`, the month it left out for lacking communes, if it did, and the fingerprint of
    its inputs (`engine_status.inputs_fingerprint`) when `stored` or `fingerprinted` asks for it
    (the pages, which assess every target they show, do not); "" otherwise."""
    if target.not_applicable or target.target_value is None or not target.deadline:
        return None, None, ""
    as_of = as_of or current_month()
    if values is None:
        values = series(target.indicator, target.territory)
    observed = [v for v in values if v.value is not None and v.period <= as_of]
    partial, later = _left_out(target, observed, partial_months)
    if partial is not None:
        del observed[-(later + 1) :]
    note = partial.set_aside(later) if partial is not None else ""
    indicator = target.indicator
    rule = {
        "polarity": indicator.polarity,
        "as_of": as_of,
        "adoption": indicator.adoption,
        "cap": 100.0 if indicator.unit == "%" else None,
        "stale_after_months": indicator.stale_after_months,
    }
    observations = [(v.period, v.value) for v in observed]
    goal = _engine_target(target)
    inputs = ""
    if stored or fingerprinted:
        inputs = engine_status.inputs_fingerprint(observations, goal, note=note, **rule)
    if stored and target.status:
        seal = _sealed(inputs, target.status, target.status_reason, target.status_details)
        if seal and target.assessment_seal == seal:
            return _stored_assessment(target), partial, inputs
    assessment = engine_status.assess(observations, goal, **rule)
    if note:
        assessment = replace(assessment, reason=f"{assessment.reason} ({note})")
    return assessment, partial, inputs


def _sealed(inputs: str, status: str, reason: str, details: dict) -> str:
    """What `assess_targets` stores beside an assessment (`Target.assessment_seal`): SHA-256 of
    its inputs' fingerprint, of the status, reason and details it stored, and of this module's
    code, which words the reason's note and shapes the details. A report reads the assessment
    back only when the row as loaded gives the same seal: a status written by anything but the
    assessment (a script, a data migration, a restore of part of a table) breaks it, and so does
    other code. "" without a fingerprint: nothing to read back."""
    if not inputs or _THIS_CODE is None:
        return ""
    payload = json.dumps([inputs, status, reason, details, _THIS_CODE], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# This module's source as it was imported (a worker keeps its code while the files change).
_THIS_CODE = engine_status.source_digest(Path(__file__))


def _stored_assessment(target: Target) -> engine_status.Assessment:
    """The assessment `assess_targets` stored (`_details`), as `assess` gave it, without its fit."""
    details = target.status_details
    band = details.get("band_at_deadline")
    return engine_status.Assessment(
        engine_status.Status(target.status),
        target.status_reason,
        last_period=details.get("last_period"),
        last_value=details.get("last_value"),
        reference_value=details.get("reference_value"),
        forecast_at_deadline=details.get("forecast_at_deadline"),
        band_at_deadline=tuple(band) if band else None,
        estimated_date=details.get("estimated_date"),
    )


def _left_out(
    target: Target,
    observed: list[IndicatorValue],
    partial_months: dict[str, completeness.MissingCommunes] | None,
) -> tuple[completeness.MissingCommunes | None, int]:
    """The first of the last months short of communes, which the status leaves out, and how
    many months after it are left out too: every last month that lacks communes (decision 0044:
    a commune absent two months running lacks from both); for a rolling window's, every figure
    at the end whose window holds a month that lacks them (decision 0046)."""
    if not observed:
        return None, 0
    if partial_months is None:
        indicator, territory = target.indicator, target.territory
        # The last month first, in two queries: most are whole, and the series' months are
        # then not read.
        if not completeness.window_of(indicator) and (
            completeness.missing_communes(indicator, territory, observed[-1]) is None
        ):
            return None, 0
        partial_months = completeness.partial_months(indicator, territory, observed)
    trailing = completeness.trailing(observed, partial_months)
    if not trailing:
        return None, 0
    return partial_months[observed[-trailing].period], trailing - 1


@dataclass
class StatusChange:
    target: Target
    old: str
    new: str

    @property
    def worsened(self) -> bool:
        return STATUS_RANK.get(self.new, -1) > STATUS_RANK.get(self.old, 99)


def assess_targets(indicators=None, as_of: str | None = None) -> list[StatusChange]:
    """Recompute every target's status; tell the objective's owners when one worsens."""
    targets = Target.objects.select_related("indicator", "territory")
    if indicators is not None:
        targets = targets.filter(indicator__in=indicators)
    changes = []
    for target in targets:
        assessment, left_out, inputs = _assessed(target, as_of, fingerprinted=True)
        new = assessment.status.value if assessment else ""
        old = target.status
        reason = assessment.reason[:300] if assessment else "sans objet"
        details = _as_stored(_details(assessment))
        # A reason cut to fit its column is not the assessment's: never read back.
        whole = assessment is not None and reason == assessment.reason
        seal = _sealed(inputs, new, reason, details) if whole else ""
        now = timezone.now()
        if (old, target.status_reason, target.status_details) == (new, reason, details):
            # The same assessment again (every recompute assesses): only its date and its seal
            # move. Saved, it would add a record to the target's history, where people look
            # for who changed the target and when its status moved, at every recompute.
            Target.objects.filter(pk=target.pk).update(assessed_at=now, assessment_seal=seal)
            target.assessed_at, target.assessment_seal = now, seal
            continue
        target.status, target.status_reason, target.status_details = new, reason, details
        target.assessed_at, target.assessment_seal = now, seal
        target.save(
            update_fields=[
                "status",
                "status_reason",
                "status_details",
                "assessed_at",
                "assessment_seal",
            ]
        )
        if old != new:
            change = StatusChange(target, old, new)
            changes.append(change)
            # Not for a status that moved because a month short of communes was left out: it
            # went back to the months before, the territory did not worsen (decision 0044).
            if old and change.worsened and left_out is None:
                notify_worsened(change)
    return changes


def _as_stored(details: dict) -> dict:
    """`details` as the database gives it back (JSON: tuples become lists, NumPy numbers plain
    ones), so that an assessment can be compared with the one stored."""
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder))


def _details(assessment) -> dict:
    if assessment is None:
        return {}
    fit = assessment.fit
    return {
        "last_period": assessment.last_period,
        "last_value": assessment.last_value,
        "reference_value": assessment.reference_value,
        "forecast_at_deadline": assessment.forecast_at_deadline,
        "band_at_deadline": list(assessment.band_at_deadline)
        if assessment.band_at_deadline
        else None,
        "estimated_date": assessment.estimated_date,
        "model": fit.model if fit else None,
    }


def objective_owners(target: Target) -> list:
    """Users who steer the roadmap objective the indicator belongs to: editors of the territory."""
    profiles = Profile.objects.select_related("user", "scope").filter(user__is_active=True)
    return [p.user for p in profiles if p.user.email and access.can_edit(p.user, target.territory)]


def notify_worsened(change: StatusChange) -> int:
    target = change.target
    recipients = [u.email for u in objective_owners(target)]
    if not recipients:
        return 0
    subject = (
        f"[Cap e-santé] {target.indicator.name} — {target.territory.name} : "
        f"{STATUS_LABELS.get(change.new, change.new)}"
    )
    goal = target_label(target, lambda value: format_value(value, target.indicator))
    body = (
        f"Le statut de la cible « {target.indicator.name} » {target.territory.of_name} est passé"
        f" de « {STATUS_LABELS.get(change.old, change.old)} » à"
        f" « {STATUS_LABELS.get(change.new, change.new)} ».\n\n"
        f"Motif : {target.status_reason}.\nCible : {goal}.\n"
    )
    queue_mail("alerte-statut", subject, body, recipients)
    return len(recipients)


MONTH_ERROR = "Mois attendu au format AAAA-MM."


def _is_month(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y-%m")
    except (TypeError, ValueError):
        return False
    return len(text) == 7


@transaction.atomic
def set_target(
    user,
    indicator: Indicator,
    territory: Territory,
    *,
    target_value: float | None = None,
    deadline: str = "",
    baseline_value: float | None = None,
    baseline_period: str = "",
    milestones: Sequence[dict] = (),
    not_applicable: bool = False,
    source: str = "",
    note: str | None = None,
) -> tuple[Target, bool]:
    """Set or replace the target of an indicator for a territory (editors of the territory);
    its status is recomputed at once by the engine's rule. Returns (target, created)."""
    access.require(
        access.can_edit(user, territory), "Vous ne pouvez pas fixer de cible pour ce territoire."
    )
    errors: dict[str, str] = {}
    for field, month in (("deadline", deadline), ("baseline_period", baseline_period)):
        if month and not _is_month(month):
            errors[field] = MONTH_ERROR
    if not not_applicable:
        if target_value is None:
            errors["target_value"] = "Indiquez la cible, ou déclarez-la sans objet."
        if not deadline:
            errors.setdefault("deadline", "Indiquez l'échéance de la cible.")
    if indicator.unit == "%":
        for field, number in (("target_value", target_value), ("baseline_value", baseline_value)):
            if number is not None and not 0 <= number <= 100:
                errors[field] = "Une part s'exprime entre 0 et 100\u00a0%."
    if baseline_period and deadline and "deadline" not in errors and baseline_period >= deadline:
        errors["baseline_period"] = "Le mois de référence doit précéder l'échéance."
    clean_milestones = []
    for milestone in milestones:
        period, value = milestone.get("period", ""), milestone.get("value")
        if not _is_month(period) or not isinstance(value, int | float):
            errors["milestones"] = 'Jalons attendus : {"period": "AAAA-MM", "value": nombre}.'
            break
        if deadline and period > deadline:
            errors["milestones"] = "Un jalon doit précéder l'échéance de la cible."
            break
        clean_milestones.append({"period": period, "value": float(value)})
    if len(source) > 300:
        errors["source"] = "300 caractères au plus."
    if errors:
        raise ValidationError(errors)
    values = {
        "not_applicable": not_applicable,
        "target_value": None if not_applicable else target_value,
        "deadline": "" if not_applicable else deadline,
        "baseline_value": None if not_applicable else baseline_value,
        "baseline_period": "" if not_applicable else baseline_period,
        "milestones": [] if not_applicable else sorted(clean_milestones, key=lambda m: m["period"]),
        "source": source.strip(),
        **({"note": note.strip()} if note is not None else {}),
    }
    target = Target.objects.filter(indicator=indicator, territory=territory).first()
    created = target is None
    if created:
        target = Target(indicator=indicator, territory=territory)
    for field, value in values.items():
        setattr(target, field, value)
    target._history_user = user  # type: ignore[attr-defined]
    target.save()
    assess_targets(Indicator.objects.filter(pk=indicator.pk))
    signals.figures_changed.send(sender=Target)
    target.refresh_from_db()
    return target, created


# --- Manual entries ---------------------------------------------------------------------------


def propose_manual_value(
    user,
    indicator: Indicator,
    territory: Territory,
    period: str,
    value: float,
    justification: str,
    numerator=None,
    denominator=None,
) -> ManualEntry:
    access.require(
        access.can_contribute(user, territory),
        "Vous ne pouvez pas saisir de valeur pour ce territoire.",
    )
    try:
        dt.datetime.strptime(period, "%Y-%m")
    except ValueError as exc:
        raise ValidationError({"period": "Mois attendu au format AAAA-MM."}) from exc
    if not justification.strip():
        raise ValidationError({"justification": "Indiquez d'où vient ce chiffre."})
    return ManualEntry.objects.create(
        indicator=indicator,
        territory=territory,
        period=period,
        value=value,
        numerator=numerator,
        denominator=denominator,
        justification=justification.strip(),
        proposed_by=user,
    )


def entries_for_user(user):
    """Manual entries of the territories in the user's scope."""
    access.require_partner(user)
    return access.within_scope(user, ManualEntry.objects.all(), "territory")


def entry_for_user(user, pk: int) -> ManualEntry:
    entry = entries_for_user(user).select_related("territory").filter(pk=pk).first()
    if entry is None:
        raise access.not_found("Saisie introuvable")
    return entry


def review_refusal(user, entry: ManualEntry) -> str:
    """Why this user may not review this entry ("" if they may): the four-eyes rule, once."""
    if entry.proposed_by_id == user.pk:
        return "La validation doit être faite par une autre personne que l'auteur de la saisie."
    if not access.can_edit(user, entry.territory):
        return "Vous ne pouvez pas valider de valeur pour ce territoire."
    return ""


@transaction.atomic
def review_manual_value(user, entry: ManualEntry, accept: bool, reason: str = "") -> ManualEntry:
    """A second person validates (a new value version) or rejects the proposal, saying why: the
    person who proposed it reads the reason."""
    if entry.status != ManualStatus.PROPOSED:
        raise ValidationError("Cette saisie a déjà été examinée.")
    refusal = review_refusal(user, entry)
    access.require(not refusal, refusal)
    if not accept and not reason.strip():
        raise ValidationError(
            {"reason": "Indiquez le motif du rejet : la personne qui a proposé la valeur le lira."}
        )
    entry.status = ManualStatus.VALIDATED if accept else ManualStatus.REJECTED
    entry.reviewed_by, entry.reviewed_at = user, timezone.now()
    entry.review_reason = "" if accept else reason.strip()
    entry._history_user = user  # type: ignore[attr-defined]
    entry.save()
    if accept:
        old = IndicatorValue.objects.filter(
            indicator=entry.indicator,
            territory=entry.territory,
            period=entry.period,
            is_current=True,
        ).first()
        if old:
            old.is_current = False
            old.save(update_fields=["is_current"])
        # The month changed outside a full recompute: the next one compares it figure by figure.
        StoredBlock.objects.filter(indicator=entry.indicator, period=entry.period).delete()
        IndicatorValue.objects.create(
            indicator=entry.indicator,
            territory=entry.territory,
            period=entry.period,
            numerator=entry.numerator,
            denominator=entry.denominator,
            value=entry.value,
            version=next_version(entry.indicator, entry.territory, entry.period),
            manual_entry=entry,
        )
        assess_targets(Indicator.objects.filter(pk=entry.indicator_id))
        signals.figures_changed.send(sender=ManualEntry)
    return entry


def is_stale(indicator: Indicator, value: IndicatorValue | None) -> bool:
    """Whether a figure is older than its indicator says its source is renewed
    (`stale_after_months`): shown with « donnée ancienne » wherever it is shown."""
    return value is not None and (
        months_between(value.period, current_month()) > indicator.stale_after_months
    )
