"""What the Contrats Locaux de Santé add up to, in the shape the indicator engine reads: the
staged tables `health_contracts` (each contract in force, month by month, and whether it has
e-health content) and `cls_working_groups` (the working-group meetings the e-health team
attended), then the indicators CLS_EHEALTH_SHARE and CLS_WORKING_GROUPS.

A contract counts at one commune, its seat (the most populous commune of its territory): the
engine sums along the territory tree, so a contract counted at each of its communes would weigh
as many contracts as it has communes. Its seat's EPCI, département and région count it once.
"""

import datetime as dt

import pyarrow as pa
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from capsante.indicators.services import compute_and_store, definitions
from capsante.ingest.staging import StagingStore
from capsante.jobs import services as jobs
from capsante.jobs.models import Job, JobStatus
from capsante.territories.models import Territory
from capsante.territories.services import communes_of

from .models import Contract, ContractStatus, WorkingGroup

INDICATORS = ("CLS_EHEALTH_SHARE", "CLS_WORKING_GROUPS")
CONTRACT_COLUMNS = (
    "period",
    "contract_id",
    "departement_code",
    "commune_code",
    "signed",
    "with_ehealth",
)
MEETING_COLUMNS = ("period", "meeting_id", "contract_id", "departement_code", "commune_code")


def seat(territory: Territory) -> Territory | None:
    """The commune a contract counts at: the most populous of its territory."""
    return communes_of(territory).select_related("parent").order_by("-population", "code").first()


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def in_force(contract: Contract, period: str, today: dt.date) -> bool:
    """Signed and not yet expired in that month."""
    if contract.status == ContractStatus.PREPARING or contract.signed_on is None:
        return False
    if _month(contract.signed_on) > period:
        return False
    end = contract.ends_on
    if end is None and contract.status == ContractStatus.EXPIRED:
        return period < _month(today)  # expired, date unknown: until last month
    return end is None or _month(end) >= period


def _table(columns: tuple[str, ...], rows: list[tuple], counts: tuple[str, ...]) -> pa.Table:
    data = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    return pa.table(
        {
            name: pa.array(values, pa.int64() if name in counts else pa.string())
            for name, values in data.items()
        }
    )


def contracts_table(today: dt.date) -> tuple[pa.Table, list[str]]:
    """`health_contracts` for every month from the first signature to this one."""
    contracts = list(
        Contract.objects.select_related("territory").annotate(axes_count=Count("axes"))
    )
    signed = [c.signed_on for c in contracts if c.signed_on]
    if not signed:
        return _table(CONTRACT_COLUMNS, [], ("signed", "with_ehealth")), []
    periods = _months(_month(min(signed)), _month(today))
    rows = []
    for contract in contracts:
        commune = seat(contract.territory)
        if commune is None:
            continue
        departement = commune.parent.code if commune.parent_id else ""
        for period in periods:
            if in_force(contract, period, today):
                rows.append(
                    (
                        period,
                        str(contract.pk),
                        departement,
                        commune.code,
                        1,
                        int(contract.axes_count > 0),
                    )
                )
    return _table(CONTRACT_COLUMNS, rows, ("signed", "with_ehealth")), periods


def meetings_table(today: dt.date) -> tuple[pa.Table, list[str]]:
    """`cls_working_groups`: the meetings attended, every month from the first to this one."""
    meetings = list(
        WorkingGroup.objects.filter(attended=True).select_related("contract__territory")
    )
    if not meetings:
        return _table(MEETING_COLUMNS, [], ()), []
    periods = _months(_month(min(m.date for m in meetings)), _month(today))
    seats: dict[int, Territory | None] = {}
    rows = []
    for meeting in meetings:
        if meeting.contract_id not in seats:
            seats[meeting.contract_id] = seat(meeting.contract.territory)
        commune = seats[meeting.contract_id]
        if commune is None or _month(meeting.date) not in periods:
            continue
        rows.append(
            (
                _month(meeting.date),
                str(meeting.pk),
                str(meeting.contract_id),
                commune.parent.code if commune.parent_id else "",
                commune.code,
            )
        )
    return _table(MEETING_COLUMNS, rows, ()), periods


def export_contracts(recompute: bool = True) -> list[str]:
    """Write both staged tables under their locks, then recompute the two indicators for the
    months written. Returns those months."""
    today = timezone.localdate()
    contracts, contract_periods = contracts_table(today)
    meetings, meeting_periods = meetings_table(today)
    written = sorted(set(contract_periods) | set(meeting_periods))
    if not written:
        return []
    catalogue = definitions()
    with jobs.staging_lock(["health_contracts", "cls_working_groups"], "Contrats locaux de santé"):
        store = StagingStore(settings.STAGING_DIR)
        if contract_periods:
            store.write("health_contracts", contracts, contract_periods)
        if meeting_periods:
            store.write("cls_working_groups", meetings, meeting_periods)
        codes = [code for code in INDICATORS if code in catalogue]
        if recompute and codes:
            compute_and_store(periods=written, codes=codes)
    return written


def enqueue_refresh(contract: Contract, user=None):
    """After a contract, its axes or its working groups change: the figures, in the
    background once the change has committed (one waiting refresh is enough)."""
    subject = "officials:contracts"
    if Job.objects.filter(subject=subject, status=JobStatus.QUEUED).exists():
        return None
    return jobs.submit(
        "capsante.officials.tasks.refresh_contract_indicators",
        kind="contracts",
        label="Mise à jour des indicateurs des contrats locaux de santé",
        user=user,
        territory=contract.territory,
        subject=subject,
    )
