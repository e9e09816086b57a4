"""The staged tables, as Arrow schemas: the code form of docs/staging-contract.md.

A test parses the Markdown table of the contract and checks it against these schemas, so the two
cannot drift apart silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

STR = pa.string()
COUNT = pa.int64()


@dataclass(frozen=True)
class StagedTable:
    name: str
    schema: pa.Schema
    partitioned: bool
    key_columns: tuple[str, ...]
    # Rows of a partition (or of the whole table) are replaced only where these columns take a
    # value present in the new data: importing establishment B's INS counts must not erase A's.
    scope_columns: tuple[str, ...] = ()
    # The column that says which territory a row is about ("departement_code", "commune_code" —
    # read as its département — or "region_code"). A file replaces only the rows of the
    # territories it covers, unless it is declared a full extract: seven FINESS establishments of
    # four départements must not erase the rest of the région.
    coverage_column: str | None = None
    label: str = ""  # what the table holds, in the users' words

    @property
    def title(self) -> str:
        return self.label or self.name


def _schema(*columns: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in columns])


def _period_counts(*columns: tuple[str, pa.DataType]) -> pa.Schema:
    return _schema(("period", STR), ("commune_code", STR), *columns)


TABLES: dict[str, StagedTable] = {
    table.name: table
    for table in (
        StagedTable(
            "structures",
            _schema(
                ("finess_et", STR),
                ("finess_ej", STR),
                ("name", STR),
                ("category_code", STR),
                ("category_label", STR),
                ("category_group", STR),
                ("commune_code", STR),
                ("departement_code", STR),
                ("address", STR),
                ("postal_code", STR),
                ("phone", STR),
                ("fax", STR),
                ("lat", pa.float64()),
                ("lon", pa.float64()),
                ("opened_on", pa.date32()),
            ),
            partitioned=False,
            key_columns=("finess_et",),
            label="établissements (FINESS)",
            coverage_column="departement_code",
        ),
        StagedTable(
            "professionals",
            _schema(
                ("rpps_id", STR),
                ("profession_code", STR),
                ("profession_label", STR),
                ("mode", STR),
                ("commune_code", STR),
                ("postal_code", STR),
                ("finess_site", STR),
                ("siret_site", STR),
                ("structure_id", STR),
                ("sector_code", STR),
            ),
            partitioned=False,
            key_columns=("rpps_id", "profession_code", "mode", "structure_id"),
            label="professionnels de santé (RPPS)",
            coverage_column="commune_code",
        ),
        StagedTable(
            "mailboxes",
            _schema(
                ("address", STR),
                ("bal_type", STR),
                ("rpps_id", STR),
                ("structure_id_type", STR),
                ("structure_id", STR),
                ("profession_code", STR),
                ("postal_code", STR),
                ("departement_code", STR),
            ),
            partitioned=False,
            key_columns=("address",),
            label="boîtes aux lettres MSSanté",
            coverage_column="departement_code",
        ),
        StagedTable(
            "ins_identities",
            _schema(
                ("period", STR),
                ("finess_et", STR),
                ("status", STR),
                ("ins_valid", pa.bool_()),
                ("identities", COUNT),
            ),
            partitioned=True,
            key_columns=("period", "finess_et", "status", "ins_valid"),
            label="identités INS (comptes par établissement)",
            scope_columns=("finess_et",),
        ),
        StagedTable(
            "am_mes_activations",
            _period_counts(
                ("beneficiaries", COUNT), ("activated", COUNT), ("with_document", COUNT)
            ),
            partitioned=True,
            key_columns=("period", "commune_code"),
            label="activations de Mon espace santé",
            coverage_column="commune_code",
        ),
        StagedTable(
            "am_dmp_documents",
            _period_counts(("document_type", STR), ("documents", COUNT)),
            partitioned=True,
            key_columns=("period", "commune_code", "document_type"),
            label="documents versés au DMP",
            coverage_column="commune_code",
        ),
        StagedTable(
            "am_dmp_consultations",
            _period_counts(
                ("profession_code", STR), ("professionals", COUNT), ("consulting", COUNT)
            ),
            partitioned=True,
            key_columns=("period", "commune_code", "profession_code"),
            label="consultations du DMP par les professionnels",
            coverage_column="commune_code",
        ),
        StagedTable(
            "am_telehealth",
            _period_counts(
                ("profession_code", STR),
                ("act_code", STR),
                ("acts", COUNT),
                ("professionals_liberal", COUNT),
                ("professionals_practicing", COUNT),
            ),
            partitioned=True,
            key_columns=("period", "commune_code", "profession_code", "act_code"),
            label="actes de télésanté",
            coverage_column="commune_code",
        ),
        StagedTable(
            "am_telehealth_offer",
            _schema(
                ("period", STR),
                ("departement_code", STR),
                ("specialty", STR),
                ("platform", STR),
                ("regional_platform", pa.bool_()),
            ),
            partitioned=True,
            key_columns=("period", "departement_code", "specialty", "platform"),
            label="offre de téléexpertise",
            coverage_column="departement_code",
        ),
        StagedTable(
            "survey_answers",
            _schema(
                ("survey", STR),
                ("finess_et", STR),
                ("answered_on", pa.date32()),
                ("has_fax", pa.bool_()),
                ("has_mss", pa.bool_()),
                ("uses_mss", pa.bool_()),
                ("telehealth_equipped", pa.bool_()),
                ("telehealth_in_use", pa.bool_()),
                ("mss_kit", pa.bool_()),
            ),
            partitioned=False,
            key_columns=("survey", "finess_et"),
            label="réponses aux enquêtes",
            scope_columns=("survey",),
        ),
        # Written by the events app: each event held, in the communes its participants count in.
        StagedTable(
            "event_activity",
            _schema(
                ("period", STR),
                ("event_id", STR),
                ("kind", STR),
                ("departement_code", STR),
                ("commune_code", STR),
                ("participants", COUNT),
            ),
            partitioned=True,
            key_columns=("period", "event_id", "commune_code"),
            label="événements tenus et leurs participants",
        ),
        # Written by the events app: the participants of each event held by audience (the
        # registrants marked present; those who came unregistered with an empty audience).
        StagedTable(
            "event_audiences",
            _schema(
                ("period", STR),
                ("event_id", STR),
                ("kind", STR),
                ("departement_code", STR),
                ("commune_code", STR),
                ("audience", STR),
                ("participants", COUNT),
            ),
            partitioned=True,
            key_columns=("period", "event_id", "commune_code", "audience"),
            label="participants des événements tenus, par public",
        ),
        # Written by the events app: the ambassadors' activities per month, commune and kind.
        StagedTable(
            "ambassador_activity",
            _schema(
                ("period", STR),
                ("departement_code", STR),
                ("commune_code", STR),
                ("kind", STR),
                ("activities", COUNT),
                ("people", COUNT),
            ),
            partitioned=True,
            key_columns=("period", "commune_code", "kind"),
            label="activités des ambassadeurs de Mon espace santé",
        ),
        # Written by the officials app: each Contrat Local de Santé, month by month, at its seat
        # commune (the most populous of its territory), so that it counts once at every level.
        StagedTable(
            "health_contracts",
            _schema(
                ("period", STR),
                ("contract_id", STR),
                ("departement_code", STR),
                ("commune_code", STR),
                ("signed", COUNT),
                ("with_ehealth", COUNT),
            ),
            partitioned=True,
            key_columns=("period", "contract_id"),
            label="contrats locaux de santé en vigueur",
        ),
        StagedTable(
            "cls_working_groups",
            _schema(
                ("period", STR),
                ("meeting_id", STR),
                ("contract_id", STR),
                ("departement_code", STR),
                ("commune_code", STR),
            ),
            partitioned=True,
            key_columns=("period", "meeting_id"),
            label="groupes de travail des contrats locaux de santé suivis",
        ),
        # Written by the difficulties app: each difficulty open at a month's end, and each one
        # resolved in the month with the days it took (duplicates merged are not counted).
        StagedTable(
            "difficulty_activity",
            _schema(
                ("period", STR),
                ("difficulty_id", STR),
                ("departement_code", STR),
                ("commune_code", STR),
                ("state", STR),
                ("days", pa.float64()),
            ),
            partitioned=True,
            key_columns=("period", "difficulty_id", "state"),
            label="difficultés remontées du terrain, ouvertes et résolues",
        ),
        StagedTable(
            "cyber_register",
            _schema(
                ("finess_ej", STR),
                ("finess_et", STR),
                ("region_code", STR),
                ("exercise_status", STR),
                ("exercise_date", pa.date32()),
                ("kit_level", STR),
                ("care_registered", pa.bool_()),
                ("care_domain", STR),
            ),
            partitioned=False,
            key_columns=("finess_ej", "finess_et"),
            label="registre cybersécurité (exercices de crise, CaRE)",
            coverage_column="region_code",
        ),
        # The resource directory (France Services, conseillers numériques, telehealth…): kept in
        # step with the directory's database like the FINESS registry; lists joined with "|". A
        # file replaces only its own source's resources, in the départements it covers.
        StagedTable(
            "directory_resources",
            _schema(
                ("source", STR),
                ("external_id", STR),
                ("name", STR),
                ("kind", STR),
                ("description", STR),
                ("services", STR),
                ("specialties", STR),
                ("audiences", STR),
                ("address", STR),
                ("address_complement", STR),
                ("postal_code", STR),
                ("commune_code", STR),
                ("commune_name", STR),
                ("departement_code", STR),
                ("latitude", pa.float64()),
                ("longitude", pa.float64()),
                ("opening_hours", STR),
                ("phone", STR),
                ("email", STR),
                ("website", STR),
                ("accessibility_url", STR),
                ("appointment_url", STR),
                ("zone", STR),
                ("siret", STR),
                ("verified_on", pa.date32()),
            ),
            partitioned=False,
            key_columns=("source", "external_id"),
            label="ressources de l'annuaire",
            scope_columns=("source",),
            coverage_column="departement_code",
        ),
        # Written by the campaigns app: each followed structure's stage at the end of each month.
        StagedTable(
            "campaign_status",
            _schema(("period", STR), ("campaign", STR), ("finess_et", STR), ("stage_order", COUNT)),
            partitioned=True,
            key_columns=("period", "campaign", "finess_et"),
            label="étapes des campagnes (fin de mois)",
            scope_columns=("campaign",),
        ),
    )
}

CATEGORY_GROUPS = (
    "officine",
    "ehpad",
    "esms",
    "chu_ch",
    "clinique",
    "centre_sante",
    "msp",
    "other",
)
INS_STATUSES = ("PROV", "RECUP", "VALI", "QUAL")


def coverage(data: pa.Table, column: str) -> pa.Array:
    """The territory each row is about, at the level an import replaces: a commune is read as
    its département (two characters, three overseas: 971…976)."""
    values = pc.fill_null(pc.cast(data[column], pa.string()), "")
    if column != "commune_code":
        return values
    overseas = pc.starts_with(values, "97")
    return pc.if_else(
        overseas,
        pc.utf8_slice_codeunits(values, 0, 3),
        pc.utf8_slice_codeunits(values, 0, 2),
    )


def table(name: str) -> StagedTable:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"table de staging inconnue : {name}") from None


def conform(name: str, data: pa.Table) -> pa.Table:
    """``data`` with the contract's column order and types (missing columns are an error)."""
    schema = table(name).schema
    missing = [col for col in schema.names if col not in data.column_names]
    if missing:
        raise ValueError(f"{name} : colonnes manquantes {missing}")
    return data.select(schema.names).cast(schema)
