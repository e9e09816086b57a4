"""INS (Identité Nationale de Santé) rules shared by the FHIR and HL7 v2 connectors.

Only counts leave these connectors: identifiers are checked here and then forgotten.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import pyarrow as pa

from . import contract

OID_INS_NIR = "1.2.250.1.213.1.4.8"
OID_INS_NIA = "1.2.250.1.213.1.4.9"
OID_INS_NIR_TEST = "1.2.250.1.213.1.4.10"
OID_INS_NIR_DEMO = "1.2.250.1.213.1.4.11"
# Test and demo OIDs are recognised but never count as a valid INS.
PRODUCTION_OIDS = frozenset({OID_INS_NIR, OID_INS_NIA})
INS_OIDS = PRODUCTION_OIDS | {OID_INS_NIR_TEST, OID_INS_NIR_DEMO}
FINESS_OID = "1.2.250.1.71.4.2.2"

STATUSES = contract.INS_STATUSES
# RNIV attributes that force a provisional identity whatever the status says.
FORCE_PROVISIONAL = frozenset({"DOUT", "FICT"})
# Former HL7 table 0445 / PAM FR codes: attributes of an identity, not a trust level; an
# identity described only by them is provisional.
ATTRIBUTE_CODES = frozenset(
    {"VIDE", "DOUB", "DESA", "DPOT", "DOUA", "COLP", "COLV", "FILI", "CACH", "ANOM", "IDVER",
     "RECD", "IDRA", "USUR", "HOMD", "HOMA", "INVA", "AN", "AL", "UA", "US", "UD"}
)  # fmt: skip
_PLAIN_STATUSES = frozenset(STATUSES)
# The identity status is coded in one of three FR Core code systems, same codes, depending on the
# FR Core version the sending system implements; real files carry all three.
STATUS_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status"  # current
LEGACY_STATUS_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-fiabilite-identite"
# FR Core 2.1 and 2.2 as published (and their own Patient examples): a copy of HL7 table 0445.
V2_0445_STATUS_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445"
# System → whether its VALI keeps table 0445's meaning: on an identity that carries an INS, it is
# what RNIV now calls QUAL (FR Core's INS profile still requires VALI there).
STATUS_SYSTEMS = {STATUS_SYSTEM: False, LEGACY_STATUS_SYSTEM: True, V2_0445_STATUS_SYSTEM: True}
TABLE_0445_SYSTEMS = frozenset(system for system, old in STATUS_SYSTEMS.items() if old)

_NIR = re.compile(r"^[1-478][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}$")
_FINESS = re.compile(r"^[0-9][0-9A-Z][0-9]{7}$")
PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


# Unknown codes are not quoted: a misplaced value could be a name or an identifier.
UNKNOWN_STATUS = (
    "statut d'identité inconnu (codes acceptés : PROV, RECUP, VALI, QUAL, "
    "et les attributs DOUT, FICT, DOUB…)"
)


class UnknownStatus(ValueError):
    """A status code that is neither an RNIV status nor a known identity attribute."""


def nir_key(body13: str) -> str:
    """The two-digit key of a 13-character NIR body: 97 − (n mod 97), Corsica 2A→19, 2B→18."""
    body = body13.upper()
    body = body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:]
    return f"{97 - int(body) % 97:02d}"


def nir_is_valid(value: str) -> bool:
    """A 15-character NIR (or NIA) whose key matches its first 13 characters."""
    value = value.strip().upper()
    return bool(_NIR.match(value)) and nir_key(value[:13]) == value[13:]


def ins_is_valid(oid: str, value: str) -> bool:
    return oid in PRODUCTION_OIDS and nir_is_valid(value)


def is_finess(value: str | None) -> bool:
    return bool(value) and bool(_FINESS.match(value or ""))


def status_of(codes: Sequence[str], *, legacy: bool = False, has_ins: bool = False) -> str:
    """The RNIV status described by a set of codes (PID-32 repetitions or a FHIR coding).

    Missing → PROV; DOUT/FICT force PROV. With a FR Core code system that copies HL7 table 0445
    (``legacy``), ``VALI`` on an identity that carries an INS is what RNIV now calls ``QUAL``.
    """
    if len(codes) == 1 and codes[0] in _PLAIN_STATUSES and not (legacy and has_ins):
        return codes[0]  # the usual case, decided without building sets
    upper = {code.strip().upper() for code in codes if code and code.strip()}
    if upper & FORCE_PROVISIONAL:
        return "PROV"
    unknown = upper - set(STATUSES) - ATTRIBUTE_CODES
    if unknown:
        raise UnknownStatus(sorted(unknown)[0])
    found = [status for status in STATUSES if status in upper]
    if len(found) > 1:
        raise UnknownStatus("/".join(found))
    if not found:
        return "PROV"
    if legacy and found[0] == "VALI" and has_ins:
        return "QUAL"
    return found[0]


def period_of(timestamp: str | None) -> str | None:
    """``YYYY-MM`` from an ISO date/datetime (``2025-03-14T…``) or an HL7 TS (``20250314…``)."""
    if not timestamp:
        return None
    text = timestamp.strip()
    candidate = text[:7] if len(text) >= 7 and text[4:5] == "-" else f"{text[:4]}-{text[4:6]}"
    return candidate if PERIOD.match(candidate) else None


class IdentityCounts:
    """Counts per (period, establishment, status, INS validity) → the ``ins_identities`` table."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str, bool]] = Counter()

    def add(
        self, period: str, finess_et: str, status: str, ins_valid: bool, count: int = 1
    ) -> None:
        self.counts[(period, finess_et, status, ins_valid)] += count

    @property
    def periods(self) -> list[str]:
        return sorted({key[0] for key in self.counts})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def table(self) -> pa.Table:
        keys = sorted(self.counts)
        data = {
            "period": [k[0] for k in keys],
            "finess_et": [k[1] for k in keys],
            "status": [k[2] for k in keys],
            "ins_valid": [k[3] for k in keys],
            "identities": [self.counts[k] for k in keys],
        }
        return pa.table(data, schema=contract.table("ins_identities").schema)
