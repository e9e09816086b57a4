from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from capsante.accounts import access
from capsante.indicators import completeness, disclosure, services
from capsante.indicators.models import (
    Indicator,
    IndicatorValue,
    ManualEntry,
    ManualStatus,
    Target,
)

from .. import identity
from ..common import bad_input, reads, territory_at, territory_from_ref, territory_ref, writes
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, page, page_of
from ..schemas import (
    CODE,
    INDICATOR_CODE,
    MAX_ID,
    MONTH,
    TERRITORY_REF,
    IndicatorOut,
    LevelChoice,
    ManualEntryIn,
    ManualEntryOut,
    TargetIn,
    TargetOut,
    ValueOut,
)

router = Router(tags=["Indicateurs"], auth=identity.READ)
Territory = Query(None, pattern=TERRITORY_REF, description="ex. departement:72")
Cursor = Query(None, max_length=200)
Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
IndicatorCode = Query(None, pattern=INDICATOR_CODE, description="ex. MES_ACTIVATION")
STATUS_CHOICES = "|".join(["", *services.STATUS_RANK, "donnees_insuffisantes"])


def _person(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user else None


def indicator_out(indicator: Indicator) -> dict:
    fields = [
        "code",
        "name",
        "description",
        "unit",
        "polarity",
        "kind",
        "aggregation",
        "sources",
        "grain",
        "periodicity",
        "adoption",
        "counted_each_month",
        "detail_public",
        "definition_version",
        "doc",
    ]
    return {field: getattr(indicator, field) for field in fields}


def value_out(value: IndicatorValue, partial: dict | None = None) -> dict:
    run, entry = value.run, value.manual_entry
    return {
        "id": value.pk,
        "indicator": value.indicator.code,
        "territory": territory_ref(value.territory),
        "period": value.period,
        "numerator": value.numerator,
        "denominator": value.denominator,
        "value": value.value,
        "version": value.version,
        "is_current": value.is_current,
        "created_at": value.created_at,
        "provenance": {
            "kind": "saisie" if entry else "calcul",
            "label": value.provenance,
            "run": {
                "id": run.pk,
                "started_at": run.started_at,
                "engine": run.engine,
                "import_id": run.trigger_id,
                "source": run.trigger.source if run.trigger_id else None,
            }
            if run
            else None,
            "manual_entry": {
                "id": entry.pk,
                "proposed_by": _person(entry.proposed_by),
                "proposed_at": entry.proposed_at,
                "validated_by": _person(entry.reviewed_by),
                "validated_at": entry.reviewed_at,
                "justification": entry.justification,
            }
            if entry
            else None,
        },
        "partial": partial,
    }


def _partial_months(user, values: list[IndicatorValue]) -> dict[tuple[int, int, str], dict]:
    """The listed values in force that are short of communes (decision 0043), as the indicator's
    page marks them: one `completeness.partial_months` per indicator and territory listed. The
    communes are named only to a reader who sees the territory's establishments, as on the page."""
    series: dict[tuple[int, int], list[IndicatorValue]] = {}
    for value in values:
        if value.is_current:
            series.setdefault((value.indicator_id, value.territory_id), []).append(value)
    found = {}
    for (indicator_id, territory_id), listed in series.items():
        indicator, territory = listed[0].indicator, listed[0].territory
        named = disclosure.sees_establishments(user, indicator, territory)
        for period, missing in completeness.partial_months(indicator, territory, listed).items():
            found[(indicator_id, territory_id, period)] = {
                "previous_period": missing.previous,
                "missing_communes": len(missing.names),
                "share": round(missing.share, 1),
                "window_months": missing.window,
                "short_months": missing.short_months,
                "communes": missing.names if named else None,
                "sentence": missing.sentence(named=named),
            }
    return found


def target_out(target: Target) -> dict:
    return {
        "id": target.pk,
        "indicator": target.indicator.code,
        "territory": territory_ref(target.territory),
        "not_applicable": target.not_applicable,
        "baseline_value": target.baseline_value,
        "baseline_period": target.baseline_period,
        "target_value": target.target_value,
        "deadline": target.deadline,
        "milestones": target.milestones or [],
        "source": target.source,
        "status": target.status,
        "status_label": services.STATUS_LABELS.get(target.status, ""),
        "status_reason": target.status_reason,
        "status_details": target.status_details or {},
        "assessed_at": target.assessed_at,
    }


def entry_out(entry: ManualEntry) -> dict:
    return {
        "id": entry.pk,
        "indicator": entry.indicator.code,
        "territory": territory_ref(entry.territory),
        "period": entry.period,
        "value": entry.value,
        "numerator": entry.numerator,
        "denominator": entry.denominator,
        "justification": entry.justification,
        "status": entry.status,
        "status_label": entry.get_status_display(),
        "proposed_by": _person(entry.proposed_by),
        "proposed_at": entry.proposed_at,
        "reviewed_by": _person(entry.reviewed_by),
        "reviewed_at": entry.reviewed_at,
    }


def _indicator(code: str) -> Indicator:
    return get_object_or_404(Indicator, code=code)


@router.get("/indicators", response=reads(list[IndicatorOut]), summary="Catalogue des indicateurs")
def indicators(request):
    return [indicator_out(i) for i in Indicator.objects.all()]


@router.get("/indicators/{code}", response=reads(IndicatorOut), summary="Un indicateur")
def indicator(request, code: str = Path(..., pattern=INDICATOR_CODE)):
    return indicator_out(_indicator(code))


@router.get("/values", response=reads(page_of(ValueOut)), summary="Valeurs des indicateurs")
def values(
    request,
    indicator: str | None = IndicatorCode,
    territory: str | None = Territory,
    level: LevelChoice | None = Query(None, description="Niveau des territoires"),
    period_from: str | None = Query(None, pattern=MONTH),
    period_to: str | None = Query(None, pattern=MONTH),
    all_versions: bool = Query(False, description="Aussi les versions qui ne sont plus en vigueur"),
    cursor: str | None = Cursor,
    limit: int = Limit,
):
    """Chaque valeur avec sa provenance (calcul et import, ou saisie validée par une seconde
    personne) et sa version. Sous le département, les indicateurs comptés établissement par
    établissement ne sont lus que par les partenaires du territoire."""
    rows = IndicatorValue.objects.select_related(
        "indicator",
        "territory",
        "run__trigger",
        "manual_entry__proposed_by",
        "manual_entry__reviewed_by",
    )
    rows = disclosure.disclosed(request.auth, rows)
    if not all_versions:
        rows = rows.filter(is_current=True)
    if indicator:
        rows = rows.filter(indicator__code=indicator)
    if territory:
        rows = rows.filter(territory=territory_from_ref(territory, "territory"))
    if level:
        rows = rows.filter(territory__level=level)
    if period_from:
        rows = rows.filter(period__gte=period_from)
    if period_to:
        rows = rows.filter(period__lte=period_to)
    found = page(rows, cursor, limit, lambda value: value)
    partial = _partial_months(request.auth, found["items"])
    found["items"] = [
        value_out(
            v, partial.get((v.indicator_id, v.territory_id, v.period)) if v.is_current else None
        )
        for v in found["items"]
    ]
    return found


@router.get("/targets", response=reads(page_of(TargetOut)), summary="Cibles et statuts")
def targets(
    request,
    indicator: str | None = IndicatorCode,
    territory: str | None = Territory,
    status: str | None = Query(None, pattern=f"^({STATUS_CHOICES})$"),
    cursor: str | None = Cursor,
    limit: int = Limit,
):
    """Cibles par indicateur et territoire, avec le statut calculé par la règle documentée."""
    rows = disclosure.disclosed(
        request.auth, Target.objects.select_related("indicator", "territory")
    )
    if indicator:
        rows = rows.filter(indicator__code=indicator)
    if territory:
        rows = rows.filter(territory=territory_from_ref(territory, "territory"))
    if status is not None:
        rows = rows.filter(status=status)
    return page(rows, cursor, limit, target_out)


@router.put(
    "/targets/{code}/{level}/{territory_code}",
    response=writes(TargetOut, 200, 201),
    auth=identity.WRITE,
    summary="Fixer la cible d'un indicateur sur un territoire",
)
def set_target(
    request,
    payload: TargetIn,
    level: LevelChoice,
    code: str = Path(..., pattern=INDICATOR_CODE),
    territory_code: str = Path(..., pattern=CODE),
):
    """Éditeurs et administrateurs régionaux du territoire ; le statut est recalculé aussitôt."""
    indicator = _indicator(code)
    territory = territory_at(level, territory_code)
    if disclosure.withholds(request.auth, indicator, territory):
        raise access.not_found("Territoire introuvable pour cet indicateur.")
    fields = payload.dict()
    target, created = services.set_target(
        request.auth,
        indicator,
        territory,
        **{
            **fields,
            "deadline": fields["deadline"] or "",
            "baseline_period": fields["baseline_period"] or "",
        },
    )
    return Status(201 if created else 200, target_out(target))


@router.post(
    "/manual-entries",
    response=writes(ManualEntryOut, 201),
    auth=identity.WRITE,
    summary="Proposer une valeur (saisie manuelle, à valider par une autre personne)",
)
def propose_value(request, payload: ManualEntryIn):
    """Contributeurs, éditeurs et administrateurs du territoire. La valeur ne compte qu'une
    fois validée sur la plateforme par une seconde personne."""
    indicator = Indicator.objects.filter(code=payload.indicator).first()
    if indicator is None:
        raise bad_input("body", "indicator", f"indicateur inconnu ({payload.indicator})")
    territory = territory_from_ref(payload.territory, "territory", "body")
    if disclosure.withholds(request.auth, indicator, territory):
        raise access.not_found("Territoire introuvable pour cet indicateur.")
    entry = services.propose_manual_value(
        request.auth,
        indicator,
        territory,
        payload.period,
        payload.value,
        payload.justification,
        numerator=payload.numerator,
        denominator=payload.denominator,
    )
    return Status(201, entry_out(entry))


@router.get(
    "/manual-entries",
    response=reads(page_of(ManualEntryOut)),
    auth=identity.WRITE,
    summary="Saisies manuelles du périmètre",
)
def manual_entries(
    request,
    status: ManualStatus | None = None,
    cursor: str | None = Cursor,
    limit: int = Limit,
):
    rows = services.entries_for_user(request.auth).select_related(
        "indicator", "territory", "proposed_by", "reviewed_by"
    )
    if status:
        rows = rows.filter(status=status)
    return page(rows, cursor, limit, entry_out)


@router.get(
    "/manual-entries/{entry_id}",
    response=reads(ManualEntryOut),
    auth=identity.WRITE,
    summary="Une saisie manuelle",
)
def manual_entry(request, entry_id: int = Path(..., ge=1, le=MAX_ID)):
    return entry_out(services.entry_for_user(request.auth, entry_id))
