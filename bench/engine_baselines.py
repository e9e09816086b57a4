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
)
"""The definitions `all()` computes here and in engine_polars.py: those the bench's generated
tables feed. The catalogue's others read the platform's own tables (events, ambassadors,
contracts, difficulties), which the bench does not generate."""
