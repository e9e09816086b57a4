"""What the pandas and Polars baselines of the engine bench share, without either library: the
definitions they implement and the campaigns' rules, as in the definition files. A measure that
needs only these names (the engine's, on the baselines' set) imports no DataFrame library.
"""

CAMPAIGNS = {  # code → (campaign prefix, minimum stage), as in the definition files
    "CAMPAIGN_CYBER_EXERCISE_DONE": ("exercice-crise-cyber", 3),
    "CAMPAIGN_CYBER_EXERCISE_PLANNED": ("exercice-crise-cyber", 2),
    "CAMPAIGN_ESMS_MSS_KIT": ("kit-mssante-esms", 2),
    "CAMPAIGN_ESMS_TELEHEALTH_EQUIPPED": ("esms-telesante", 2),
    "CAMPAIGN_ESMS_TELEHEALTH_IN_USE": ("esms-telesante", 3),
    "CAMPAIGN_ZERO_FAX_CLOSED": ("zero-fax", 4),
    "CAMPAIGN_ZERO_FAX_IN_USE": ("zero-fax", 3),
    "CAMPAIGN_ZERO_FAX_MSS": ("zero-fax", 2),
}
FACTOR = 100.0
ELECTED = ("elus", "agents_collectivites")  # EVENT_PARTICIPANTS_ELECTED's audiences
PROFESSIONALS = (  # EVENT_PARTICIPANTS_PROFESSIONALS'
    "medecins", "pharmaciens", "infirmiers", "autres_professionnels", "esms", "etablissements",
)  # fmt: skip

DEFINITIONS = (
    "MES_ACTIVATION",
    "DMP_ALIMENTATION",
    "DMP_CONSULTATION",
    "DMP_DOCS_PER_INHABITANT",
    "TELEHEALTH_LIBERAL",
    "INS_QUALIFICATION",
    "MSS_USE",
    "OFFICINES_MSS",
    "OFFICINES_FAX",
    "ESMS_TELEHEALTH_EQUIPPED",
    "CARE_REGISTRATION",
    "CYBER_EXERCISES_DONE",
    "TELEEXPERTISE_SPECIALTIES",
    *CAMPAIGNS,
    "EVENTS_HELD",
    "EVENT_PARTICIPANTS",
    "EVENT_PARTICIPANTS_CITIZENS",
    "EVENT_PARTICIPANTS_ELECTED",
    "EVENT_PARTICIPANTS_PROFESSIONALS",
    "ACTIVATION_CITIZENS_REACHED",
    "AMBASSADOR_ACTIVITIES",
    "AMBASSADOR_PEOPLE_REACHED",
    "CLS_EHEALTH_SHARE",
    "CLS_WORKING_GROUPS",
    "DIFFICULTIES_OPEN",
    "DIFFICULTY_RESOLUTION_DAYS",
)
"""The definitions `all()` computes here and in engine_polars.py: every definition of the
catalogue (the bench's check fails on one the baselines leave out, `bench_engine.measure_check`).
Until 7 December they were 21: the generator wrote no table of the platform's own (events,
ambassadors, contracts, difficulties)."""
