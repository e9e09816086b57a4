"""What the API reads and writes: English field names, French labels where a person reads them."""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from ninja import Field, Schema

from capsante.roadmaps.models import ActionStatus, RoadmapStatus
from capsante.territories.models import Level

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
CODE = r"^[0-9A-Za-z]{1,20}$"
TERRITORY_REF = r"^(region|departement|epci|commune|groupement):[0-9A-Za-z]{1,20}$"
INDICATOR_CODE = r"^[A-Za-z0-9_]{1,64}$"
SLUG = r"^[-a-zA-Z0-9_]{1,60}$"
# Free text: anything but the NUL character, which PostgreSQL cannot store.
TEXT = r"^[^\x00]*$"
MAX_ID = 2**63 - 1

Month = Annotated[str, Field(pattern=MONTH, examples=["2026-06"])]
Text = Annotated[str, Field(pattern=TEXT)]
Number = Annotated[float, Field(allow_inf_nan=False)]


LevelChoice = StrEnum("LevelChoice", {level.name: level.value for level in Level})
ActionStatusChoice = StrEnum("ActionStatusChoice", {s.name: s.value for s in ActionStatus})
RoadmapStatusChoice = StrEnum("RoadmapStatusChoice", {s.name: s.value for s in RoadmapStatus})


class ErrorOut(Schema):
    detail: str = Field(description="Le motif, en français.")


class FieldErrorOut(Schema):
    loc: list[str]
    field: str = Field(description="Le champ en cause.")
    msg: str = Field(description="Le motif, en français, qui nomme le champ.")
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


# --- Territories --------------------------------------------------------------------------


class TerritoryRef(Schema):
    level: str
    code: str
    name: str


class TerritoryOut(TerritoryRef):
    parent: TerritoryRef | None
    epci: TerritoryRef | None
    population: int | None
    population_vintage: int | None
    latitude: float | None
    longitude: float | None


# --- Roadmaps -----------------------------------------------------------------------------


class RoadmapOut(Schema):
    id: int
    territory: TerritoryRef
    title: str
    period_start: int
    period_end: int
    status: str
    introduction: str
    source: str
    partners: list[Any]


class PriorityOut(Schema):
    text: str
    due_date: dt.date | None


class GlossaryOut(Schema):
    acronym: str
    expansion: str
    link: str


class ObjectiveSummaryOut(Schema):
    id: int
    number: int
    title: str
    priority: str


class RoadmapDetailOut(RoadmapOut):
    priorities: list[PriorityOut]
    objectives: list[ObjectiveSummaryOut]
    glossary: list[GlossaryOut]


class ActionOut(Schema):
    id: int
    roadmap_id: int
    objective_id: int
    group: str
    text: str
    owner: str
    partners: str
    status: str
    status_label: str
    start_date: dt.date | None
    due_date: dt.date | None
    progress: int
    note: str


class KeyFigureOut(Schema):
    kind: str
    value: str
    unit: str
    label: str
    as_of: dt.date | None
    source: str
    scope: str
    indicator: str


class TestimonyOut(Schema):
    quote: str
    author: str
    role: str
    organisation: str


class UsefulLinkOut(Schema):
    label: str
    url: str
    description: str


class EventHighlightOut(Schema):
    name: str
    date: dt.date | None
    description: str
    figures: list[Any]


class AssessmentOut(Schema):
    group: str
    text: str


class ObjectiveOut(ObjectiveSummaryOut):
    priority_detail: str
    actions: list[ActionOut]
    assessment: list[AssessmentOut]
    key_figures: list[KeyFigureOut]
    testimonies: list[TestimonyOut]
    useful_links: list[UsefulLinkOut]
    event_highlights: list[EventHighlightOut]


class ActionPatch(Schema):
    """The follow-up of an action: any of its status, progress and note."""

    status: ActionStatusChoice | None = None
    progress: int | None = Field(None, ge=0, le=100, description="Avancement en %.")
    note: Text | None = Field(None, max_length=5000)


# --- Indicators ---------------------------------------------------------------------------


class IndicatorOut(Schema):
    code: str
    name: str
    description: str
    unit: str
    polarity: str
    kind: str
    aggregation: str
    sources: list[str]
    grain: str
    periodicity: str
    adoption: bool
    counted_each_month: bool = Field(
        description="Compte ce qui se passe dans chaque mois (événements, activités) : la valeur "
        "du mois en cours n’est pas encore complète. Les pages ne la montrent qu’une fois le mois "
        "achevé ; les valeurs de cette API la donnent avec son mois."
    )
    detail_public: bool = Field(
        description="Sinon, le détail sous le département est réservé aux partenaires."
    )
    definition_version: int
    doc: str


class RunOut(Schema):
    id: int
    started_at: dt.datetime
    engine: str
    import_id: int | None = Field(description="L'import qui a déclenché le calcul.")
    source: str | None = Field(description="La source de cet import.")


class ManualProvenanceOut(Schema):
    id: int
    proposed_by: str
    proposed_at: dt.datetime
    validated_by: str | None
    validated_at: dt.datetime | None
    justification: str


class ProvenanceOut(Schema):
    kind: str = Field(description="« calcul » ou « saisie »")
    label: str = Field(description="La provenance en une phrase, comme sur les pages.")
    run: RunOut | None
    manual_entry: ManualProvenanceOut | None


class PartialOut(Schema):
    previous_period: str = Field(
        description="Le dernier mois qui comptait les communes qui manquent : le mois"
        " précédent, ou pour une commune absente plusieurs mois de suite le dernier mois qui la"
        " comptait, jusqu’à trois mois avant (pour un chiffre sur plusieurs mois : le mois avant"
        " le premier des mois incomplets)."
    )
    missing_communes: int = Field(description="Combien de communes manquent.")
    share: float = Field(
        description="Leur part du total du territoire ce mois-là (`previous_period`), en"
        " pourcentage ; pour un chiffre sur plusieurs mois, la part estimée du total de la"
        " fenêtre (ce que ces communes comptaient le dernier mois qui les comptait)."
    )
    window_months: int = Field(
        description="Combien de mois le chiffre additionne (fenêtre glissante) ; 0 pour le"
        " chiffre d’un mois."
    )
    short_months: list[str] = Field(
        description="Les mois de la fenêtre auxquels manquent ces communes (AAAA-MM) ; pour le"
        " chiffre d’un mois, ce mois-là."
    )
    communes: list[str] | None = Field(
        description="Leurs noms, pour les partenaires du territoire seulement (sinon null)."
    )
    sentence: str = Field(description="La même chose en une phrase, comme sur les pages.")


class ValueOut(Schema):
    id: int
    indicator: str
    territory: TerritoryRef
    period: str
    numerator: float | None
    denominator: float | None
    value: float | None
    version: int
    is_current: bool
    created_at: dt.datetime
    provenance: ProvenanceOut
    partial: PartialOut | None = Field(
        description="Chiffre partiel : des communes comptées l’un des trois mois précédents"
        " manquent dans les données de ce mois, et la valeur porte sur les autres (null pour une"
        " valeur complète, une commune ou une version qui n’est plus en vigueur)."
    )


class MilestoneIn(Schema):
    period: Month
    value: Number


class TargetIn(Schema):
    not_applicable: bool = False
    target_value: Number | None = None
    deadline: Month | None = None
    baseline_value: Number | None = None
    baseline_period: Month | None = None
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=60)
    source: Text = Field("", max_length=300)


class TargetOut(Schema):
    id: int
    indicator: str
    territory: TerritoryRef
    not_applicable: bool
    baseline_value: float | None
    baseline_period: str
    target_value: float | None
    deadline: str
    milestones: list[dict[str, Any]]
    source: str
    status: str
    status_label: str
    status_reason: str
    status_details: dict[str, Any]
    assessed_at: dt.datetime | None


class ManualEntryIn(Schema):
    indicator: str = Field(pattern=INDICATOR_CODE, examples=["MES_ACTIVATION"])
    territory: str = Field(pattern=TERRITORY_REF, examples=["departement:72"])
    period: Month
    value: Number
    numerator: Number | None = None
    denominator: Number | None = None
    justification: Text = Field(min_length=1, max_length=5000)


class ManualEntryOut(Schema):
    id: int
    indicator: str
    territory: TerritoryRef
    period: str
    value: float
    numerator: float | None
    denominator: float | None
    justification: str
    status: str
    status_label: str
    proposed_by: str
    proposed_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None


# --- Campaigns ----------------------------------------------------------------------------


class StageOut(Schema):
    order: int
    code: str
    label: str


class StageCountOut(StageOut):
    count: int = Field(description="Structures à cette étape.")
    at_or_past: int = Field(description="Structures à cette étape ou au-delà.")
    total: int


class CampaignOut(Schema):
    slug: str
    name: str
    description: str
    territory: TerritoryRef
    owner: str | None
    started_on: dt.date | None
    deadline: dt.date | None
    deadline_label: str
    indicator_codes: list[str]
    stages: list[StageOut]
    funnel: list[StageCountOut] | None = Field(
        description="Effectifs par étape ; null quand le territoire est trop fin pour le lecteur."
    )


class FollowUpOut(Schema):
    finess: str
    name: str
    category: str
    commune: TerritoryRef | None
    stage: str
    stage_label: str
    has_mss: bool
    deadline: dt.date | None
    changed_at: dt.datetime
    last_contact_at: dt.datetime | None


class MoveIn(Schema):
    stage: str = Field(pattern=r"^[-a-zA-Z0-9_]{1,40}$", description="Code de l'étape.")
    evidence: Text = Field("", max_length=300)
    note: Text = Field("", max_length=5000)
