"""The connectors: CLI name, French label, parser and the staged tables each one produces.

The Django importer looks a connector up by name, calls ``connector.parse(path, **options)``,
refuses the file if the result has errors, else stages ``result.tables`` with
``StagingStore.write(table, data, result.periods or None, scope_columns=connector.scope_columns)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import contract
from .connectors.am_tables.parser import (
    parse_am_dmp_consultations,
    parse_am_dmp_documents,
    parse_am_mes,
    parse_am_telehealth,
    parse_am_telehealth_offer,
)
from .connectors.cyber_register.parser import parse_cyber_register
from .connectors.directory.parser import (
    parse_csv as parse_directory_csv,
)
from .connectors.directory.parser import (
    parse_data_inclusion,
    parse_geojson,
    parse_mediation,
)
from .connectors.finess.parser import parse_finess
from .connectors.ins_fhir.parser import parse_ins_fhir
from .connectors.ins_hl7.parser import parse_ins_hl7
from .connectors.mssante.parser import parse_mssante
from .connectors.rpps.parser import parse_rpps
from .connectors.survey.parser import parse_survey
from .parsing import ParseResult

Parser = Callable[..., ParseResult]


@dataclass(frozen=True)
class Connector:
    name: str
    label: str
    parse: Parser
    tables: tuple[str, ...]
    # Keyword options the parser accepts besides ``name`` (``known_communes``, ``finess_et``…).
    options: tuple[str, ...] = ()
    extensions: tuple[str, ...] = (".csv", ".txt", ".zip")

    @property
    def table(self) -> str:
        return self.tables[0]

    @property
    def key_columns(self) -> tuple[str, ...]:
        return contract.table(self.table).key_columns

    @property
    def partitioned(self) -> bool:
        return contract.table(self.table).partitioned

    @property
    def scope_columns(self) -> tuple[str, ...]:
        return contract.table(self.table).scope_columns


_COMMUNES = ("known_communes",)
_INS = ("finess_et", "period")

CONNECTORS: dict[str, Connector] = {
    connector.name: connector
    for connector in (
        Connector("finess", "FINESS – établissements (extraction Etalab)", parse_finess, ("structures",), _COMMUNES),
        Connector("rpps", "Annuaire Santé – professionnels (RPPS/ADELI)", parse_rpps, ("professionals",), _COMMUNES),
        Connector("mssante", "Annuaire Santé – boîtes aux lettres MSSanté", parse_mssante, ("mailboxes",)),
        Connector("ins-fhir", "INS – identités patients (FHIR)", parse_ins_fhir, ("ins_identities",), _INS,
                  (".json", ".ndjson", ".jsonl", ".zip", ".gz")),
        Connector("ins-hl7", "INS – identités patients (HL7 v2 ADT)", parse_ins_hl7, ("ins_identities",), _INS,
                  (".hl7", ".txt", ".zip", ".gz")),
        Connector("am-mes", "Assurance Maladie – activation de Mon espace santé", parse_am_mes,
                  ("am_mes_activations",), _COMMUNES),
        Connector("am-dmp-documents", "Assurance Maladie – documents versés au DMP", parse_am_dmp_documents,
                  ("am_dmp_documents",), _COMMUNES),
        Connector("am-dmp-consultations", "Assurance Maladie – consultation du DMP par les professionnels",
                  parse_am_dmp_consultations, ("am_dmp_consultations",), _COMMUNES),
        Connector("am-telehealth", "Assurance Maladie – actes de télésanté", parse_am_telehealth,
                  ("am_telehealth",), _COMMUNES),
        Connector("am-telehealth-offer", "Offre de télésanté par département", parse_am_telehealth_offer,
                  ("am_telehealth_offer",)),
        Connector("survey", "Enquête auprès des établissements", parse_survey, ("survey_answers",),
                  ("mapping", "survey", "sheet", "known_finess"), (".csv", ".txt", ".xlsx")),
        Connector("cyber-register", "Registre ARS cybersécurité (exercices de crise, CaRE)", parse_cyber_register,
                  ("cyber_register",)),
        Connector("directory-data-inclusion", "Annuaire des ressources – data·inclusion (structures et services)",
                  parse_data_inclusion, ("directory_resources",), _COMMUNES, (".json", ".zip")),
        Connector("directory-mediation", "Annuaire des ressources – lieux de médiation numérique (standard LaMednum)",
                  parse_mediation, ("directory_resources",), _COMMUNES, (".csv", ".txt")),
        Connector("directory-csv", "Annuaire des ressources – CSV", parse_directory_csv,
                  ("directory_resources",), _COMMUNES, (".csv", ".txt")),
        Connector("directory-geojson", "Annuaire des ressources – GeoJSON", parse_geojson,
                  ("directory_resources",), _COMMUNES, (".geojson", ".json")),
    )
}  # fmt: skip


def get(name: str) -> Connector:
    try:
        return CONNECTORS[name]
    except KeyError:
        known = ", ".join(CONNECTORS)
        raise KeyError(f"connecteur inconnu : {name} (connus : {known})") from None
