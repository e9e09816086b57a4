"""Words the generator draws from: names, streets, and the labels of the public nomenclatures.

Person names are common French names combined at random: any resemblance to a real person is
a coincidence of frequency, and no file links them to real data.
"""

LAST_NAMES = (
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE "
    "LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT "
    "MULLER LEFEVRE FAURE ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER "
    "GARCIA PERRIN ROBIN CLEMENT MORIN NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL "
    "DENIS DUMONT MARIE LEMAIRE NOEL MEYER DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIERE LUCAS "
    "BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GERARD ROCHE RENARD SCHMITT ROY LEROUX COLIN VIDAL CARON "
    "PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS PIERRE BENOIT "
    "REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN DUPUY GUILLOT HUBERT BERGER "
    "CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN "
    "JACQUET ADAM PARIS POIRIER MARTY AUBRY GUYOT CARRE CHARLES RENAULT CHARPENTIER MENARD MAILLARD "
    "BARON BERTIN BAILLY HERVE SCHNEIDER FERNANDEZ LE-GALL COLLET LEGER BOUVIER JULIEN PREVOST MILLET "
    "PERROT DANIEL LE-ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS REMY LE-GOFF PELLETIER LEVEQUE "
    "PERRIER LEBLANC BARRE LEBRUN MARCHAL WEBER MALLET HAMON BOULANGER JACOB MONNIER MICHAUD RODRIGUEZ "
    "GUICHARD GILLET ETIENNE GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN DA-SILVA BOUCHET GAY "
    "LEMAITRE BENARD MARECHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET BARTHELEMY CORDIER PICHON LEJEUNE "
    "GILBERT LAMY DELAUNAY PASQUIER CARLIER LAPORTE BESNARD BUISSON GUILLET CHAUVEAU LEBON GUIBERT "
    "COURTOIS HARDY PROVOST BOUTIN FOUCHER LEBRETON MONTAGNE JOUAN GOUPIL DROUET TROUILLARD HERAULT "
    "COUTEAU BLOT MAUGER FROGER LANDAIS CHESNEAU GOUGEON LEMERCIER HAMELIN RICHOMME GOHIER BELLANGER"
).split()

FEMALE_FIRST_NAMES = (
    "Marie Nathalie Isabelle Sylvie Catherine Martine Christine Françoise Valérie Sandrine Stéphanie "
    "Véronique Sophie Céline Chantal Patricia Anne Brigitte Julie Monique Aurélie Nicole Laurence "
    "Annie Émilie Dominique Virginie Corinne Élodie Christiane Caroline Jacqueline Claire Camille "
    "Laura Manon Léa Chloé Emma Inès Sarah Pauline Mathilde Lucie Hélène Agnès Élise Margaux Justine "
    "Louise Jeanne Alice Juliette Anaïs Marion Amandine Audrey Charlotte Clémence Delphine Florence "
    "Gaëlle Karine Laëtitia Mélanie Morgane Noémie Odile Pascale Rachel Solène Thérèse Yvette "
    "Josiane Colette Simone Germaine Madeleine Suzanne Odette Paulette Denise Huguette Geneviève "
    "Marcelle Lucienne Andrée Yvonne Raymonde Gisèle Renée Ginette Éliane Arlette Jocelyne Michèle"
).split()

MALE_FIRST_NAMES = (
    "Jean Philippe Michel Alain Patrick Nicolas Christophe Pierre Christian Éric Frédéric Laurent "
    "Stéphane David Pascal Daniel Sébastien Julien Thierry Olivier Bernard Thomas Alexandre Gérard "
    "Didier Dominique Vincent François Bruno Guillaume Jérôme Jacques Marc Maxime Romain Claude "
    "Antoine Franck Jean-Pierre Mathieu Lucas Hugo Louis Gabriel Arthur Jules Léo Raphaël Adam "
    "Nathan Théo Paul Baptiste Benoît Cédric Damien Emmanuel Fabrice Gilles Hervé Jean-Luc "
    "Jean-Marc Joël Lionel Loïc Ludovic Mickaël Noël Régis Rémi Serge Sylvain Tanguy Yann Yves "
    "René Roger Marcel André Robert Henri Georges Maurice Raymond Lucien Fernand Gaston Émile "
    "Albert Joseph Marius Armand Léon Roland Guy Jean-Claude Gérald Hubert Bertrand Arnaud"
).split()

STREET_TYPES = (
    ("R", "Rue"),
    ("AV", "Avenue"),
    ("BD", "Boulevard"),
    ("PL", "Place"),
    ("RTE", "Route"),
    ("CHE", "Chemin"),
    ("ALL", "Allée"),
    ("IMP", "Impasse"),
    ("QUAI", "Quai"),
    ("SQ", "Square"),
)
STREET_WEIGHTS = (0.42, 0.16, 0.07, 0.08, 0.1, 0.05, 0.05, 0.03, 0.02, 0.02)

STREET_NAMES = (
    "DE LA REPUBLIQUE",
    "DU GENERAL DE GAULLE",
    "JEAN JAURES",
    "VICTOR HUGO",
    "DE LA GARE",
    "DE L EGLISE",
    "PASTEUR",
    "DU MARECHAL FOCH",
    "GAMBETTA",
    "DE LA MAIRIE",
    "DES ECOLES",
    "DU CHATEAU",
    "NATIONALE",
    "DE PARIS",
    "DU MOULIN",
    "DES TILLEULS",
    "DE LA LIBERATION",
    "DU 8 MAI 1945",
    "DU 11 NOVEMBRE",
    "CARNOT",
    "DES LILAS",
    "DU STADE",
    "DE LA POSTE",
    "JULES FERRY",
    "DE LA PAIX",
    "DES ROSIERS",
    "SAINT MARTIN",
    "DES PEUPLIERS",
    "DE L HOPITAL",
    "ARISTIDE BRIAND",
    "DU COMMERCE",
    "DES CHENES",
    "LECLERC",
    "DE LA FONTAINE",
    "DES JARDINS",
    "CLEMENCEAU",
    "PIERRE CURIE",
    "DE BRETAGNE",
    "DE LA LOIRE",
    "DU PORT",
    "DES ACACIAS",
    "DE LA CROIX",
    "DES SABLONS",
    "DU PRIEURE",
    "NOTRE DAME",
    "DES FORGES",
    "DE LA VALLEE",
    "DU BOURG",
    "DES VIGNES",
    "DU CHAMP DE FOIRE",
)

RESIDENCE_NAMES = (
    "LES TILLEULS",
    "LES GLYCINES",
    "LE BOIS JOLI",
    "LES CHARMILLES",
    "LES MYOSOTIS",
    "LA ROSERAIE",
    "LES HORTENSIAS",
    "LE CLOS FLEURI",
    "LES JARDINS DU CHATEAU",
    "LES LOGES",
    "SAINT JOSEPH",
    "SAINTE ANNE",
    "LES SOURCES",
    "LE PARC",
    "LES CEDRES",
    "LA MAISON DU LAC",
    "LES TAMARIS",
    "LES VIOLETTES",
    "LES COTEAUX",
    "LE VAL FLEURI",
    "LES AUBEPINES",
    "LES PRES VERTS",
    "L ORANGERIE",
    "LES BRUYERES",
    "LE MOULIN VERT",
    "LES CAPUCINES",
    "LA CHESNAIE",
    "LES PIVOINES",
    "BEL AIR",
)

OFFICINE_PATTERNS = (
    "PHARMACIE DU CENTRE",
    "PHARMACIE DE LA GARE",
    "PHARMACIE DES HALLES",
    "PHARMACIE DU MARCHE",
    "PHARMACIE DE LA MAIRIE",
    "PHARMACIE DE L EGLISE",
    "PHARMACIE DU PARC",
    "GRANDE PHARMACIE",
    "PHARMACIE DES ECOLES",
    "PHARMACIE DE LA PLACE",
    "PHARMACIE DU PONT",
    "PHARMACIE CENTRALE",
    "PHARMACIE DU BOURG",
    "PHARMACIE DES TILLEULS",
    "PHARMACIE DE LA POSTE",
    "PHARMACIE SAINT MARTIN",
)

CLINIQUE_PATTERNS = (
    "CLINIQUE SAINT JOSEPH",
    "POLYCLINIQUE DU PARC",
    "CLINIQUE DU PRE",
    "CLINIQUE SAINTE MARIE",
    "CLINIQUE DES CEDRES",
    "POLYCLINIQUE DE L EUROPE",
    "CLINIQUE DU VAL",
    "CLINIQUE JEANNE D ARC",
)

# categetab -> (label, categagretab, aggregate label, group used by the staging contract,
#               APE code, SIRET filled?)
CATEGORIES: dict[str, tuple[str, str, str, str, str, bool]] = {
    "620": (
        "Pharmacie d'Officine",
        "3201",
        "Commerce de biens à usage médicaux",
        "officine",
        "4773Z",
        True,
    ),
    "500": (
        "Etablissement d'hébergement pour personnes âgées dépendantes",
        "4401",
        "Etab. d'hébergement pour personnes âgées",
        "ehpad",
        "8710A",
        True,
    ),
    "101": (
        "Centre Hospitalier Régional (C.H.R.)",
        "1101",
        "Centres Hospitaliers Régionaux",
        "chu_ch",
        "8610Z",
        True,
    ),
    "355": ("Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers", "chu_ch", "8610Z", True),
    "106": (
        "Centre hospitalier, ex Hôpital local",
        "1106",
        "Centres Hospitaliers ex-Hôpitaux Locaux",
        "chu_ch",
        "8610Z",
        True,
    ),
    "292": (
        "Centre Hospitalier Spécialisé lutte Maladies Mentales",
        "1103",
        "Etablissements de Lutte contre les Maladies Mentales",
        "chu_ch",
        "8610Z",
        True,
    ),
    "365": (
        "Etablissement de Soins Pluridisciplinaire",
        "1110",
        "Etablissements de Soins Pluridisciplinaires",
        "clinique",
        "8610Z",
        True,
    ),
    "128": (
        "Etablissement de Soins Chirurgicaux",
        "1110",
        "Etablissements de Soins Pluridisciplinaires",
        "clinique",
        "8610Z",
        True,
    ),
    "122": (
        "Etablissement de Soins Obstétriques",
        "1110",
        "Etablissements de Soins Pluridisciplinaires",
        "clinique",
        "8610Z",
        True,
    ),
    "124": ("Centre de Santé", "2206", "Centres de Santé", "centre_sante", "8610Z", True),
    "603": ("Maison de santé (L.6223-3)", "2103", "Maisons de Santé", "msp", "8621Z", True),
    "183": (
        "Institut Médico-Educatif (I.M.E.)",
        "4101",
        "Etablissements d'éducation spéciale pour enfants handicapés",
        "esms",
        "8891B",
        True,
    ),
    "255": (
        "Maison d'Accueil Spécialisée (M.A.S.)",
        "4301",
        "Etablissements et services d'hébergement pour adultes handicapés",
        "esms",
        "8710B",
        True,
    ),
    "437": (
        "Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)",
        "4301",
        "Etablissements et services d'hébergement pour adultes handicapés",
        "esms",
        "8710B",
        True,
    ),
    "246": (
        "Etablissement et Service d'Aide par le Travail (E.S.A.T.)",
        "4302",
        "Etablissements et services de travail protégé",
        "esms",
        "8810C",
        True,
    ),
    "354": (
        "Service de Soins Infirmiers A Domicile (S.S.I.A.D)",
        "4403",
        "Services de soins à domicile pour personnes âgées",
        "esms",
        "8810A",
        False,
    ),
    "460": (
        "Service d'aide et d'accompagnement à domicile (S.A.A.D)",
        "4601",
        "Services d'aide à domicile",
        "esms",
        "8810A",
        False,
    ),
    "202": (
        "Résidences autonomie",
        "4401",
        "Etab. d'hébergement pour personnes âgées",
        "esms",
        "8730A",
        True,
    ),
}

HOSPITAL_CATEGORIES = ("101", "355", "106", "292")
CLINIQUE_CATEGORIES = ("365", "128", "122")
SANITARY_CATEGORIES = HOSPITAL_CATEGORIES + CLINIQUE_CATEGORIES
ESMS_CATEGORIES = ("183", "255", "437", "246", "354", "460", "202")
ESMS_WEIGHTS = (0.14, 0.06, 0.08, 0.1, 0.2, 0.28, 0.14)

ESMS_PREFIX = {
    "183": "IME",
    "255": "MAS",
    "437": "FAM",
    "246": "ESAT",
    "354": "SSIAD",
    "460": "SAAD",
    "202": "RESIDENCE AUTONOMIE",
}

# Mode de fixation des tarifs and service public hospitalier, where they apply.
TARIFF = {
    "chu_ch": (
        "03",
        "ARS établissements Publics de santé dotation globale",
        "1",
        "Etablissement public de santé",
    ),
    "clinique": ("07", "ARS / Tarif Libre", "6", "Etablissement de santé privé non habilité"),
    "ehpad": ("40", "ARS/PCD Tarif global", "", ""),
    "esms": ("05", "ARS/PCD dotation globale", "", ""),
}

PROFESSIONS = {
    "10": "Médecin",
    "21": "Pharmacien",
    "40": "Chirurgien-Dentiste",
    "50": "Sage-Femme",
    "60": "Infirmier",
    "70": "Masseur-Kinésithérapeute",
}

# Ordre (or registration authority) per profession, as the RPPS file spells it.
AUTHORITIES = {
    "10": "CNOM/CNOM/CNOM",
    "21": "CNOP/CNOP/CNOP",
    "40": "CNOCD/CNOCD/CNOCD",
    "50": "CNOSF/CNOSF/CNOSF",
    "60": "ONI/ONI/ONI",
    "70": "CNOMK/CNOMK/CNOMK",
}

# Mailiz-style personal domains per profession.
MAIL_DOMAINS = {
    "10": "medecin.mssante.fr",
    "21": "pharmacien.mssante.fr",
    "40": "chirurgien-dentiste.mssante.fr",
    "50": "sage-femme.mssante.fr",
    "60": "infirmier.mssante.fr",
    "70": "masseur-kinesitherapeute.mssante.fr",
}

DOCTOR_SPECIALTIES = (
    ("SM54", "Médecine Générale", 0.52),
    ("SM04", "Cardiologie et maladies vasculaires", 0.05),
    ("SM02", "Anesthesie-réanimation", 0.06),
    ("SM53", "Spécialiste en Médecine Générale", 0.05),
    ("SM42", "Psychiatrie", 0.06),
    ("SM40", "Pédiatrie", 0.04),
    ("SM44", "Radio-diagnostic", 0.04),
    ("SM19", "Gynécologie-obstétrique", 0.04),
    ("SM15", "Dermatologie et vénéréologie", 0.02),
    ("SM38", "Ophtalmologie", 0.03),
    ("SM26", "Médecine interne", 0.02),
    ("SM24", "Gériatrie", 0.03),
    ("SM56", "Médecine d'urgence", 0.04),
)

PHARMACIST_SECTIONS = {
    "A": "Pharmacien titulaire d'officine",
    "D": "Pharmacien adjoint et autres",
    "H": "Pharmacien des établissements de santé",
}

SECTORS = {
    "SA01": "Etablissement public de santé",
    "SA03": "Etablissement privé non PSPH",
    "SA05": "Centre de santé",
    "SA07": "Cabinet individuel",
    "SA08": "Cabinet de groupe",
    "SA17": "Etablissement pour personnes âgées",
    "SA18": "Etablissement pour personnes handicapées",
    "SA33": "Officine de pharmacie",
}

# LOINC document types fed to the DMP and their share of volumes (biology dominates, then
# medication prescriptions and imaging, as in the national Ségur figures).
DOCUMENT_TYPES = (
    ("11502-2", 0.46),
    ("57833-6", 0.26),
    ("18748-4", 0.09),
    ("11488-4", 0.05),
    ("11490-0", 0.04),
    ("34112-3", 0.025),
    ("15507-7", 0.02),
    ("57832-8", 0.025),
    ("60591-5", 0.01),
    ("34874-8", 0.01),
)

TELEEXPERTISE_SPECIALTIES = (
    "Cardiologie",
    "Dermatologie",
    "Diabétologie",
    "Endocrinologie",
    "Gériatrie",
    "Infectiologie",
    "Néphrologie",
    "Neurologie",
    "Pneumologie",
    "Psychiatrie",
    "Plaies et cicatrisation",
    "Gastro-entérologie",
    "Rhumatologie",
    "Ophtalmologie",
    "ORL",
    "Urologie",
    "Gynécologie",
    "Pédiatrie",
    "Oncologie",
    "Hématologie",
    "Soins palliatifs",
    "Douleur",
    "Addictologie",
    "Médecine interne",
    "Nutrition",
    "Médecine physique et réadaptation",
    "Chirurgie orthopédique",
    "Chirurgie vasculaire",
    "Allergologie",
    "Pédopsychiatrie",
    "Radiologie",
    "Odontologie",
    "Hépatologie",
    "Neuropédiatrie",
    "Médecine du sport",
    "Génétique",
    "Hygiène hospitalière",
    "Pharmacie clinique",
)

ORG_SERVICES = (
    "secretariat.medical",
    "urgences",
    "cardiologie",
    "medecine.interne",
    "chirurgie",
    "maternite",
    "pediatrie",
    "geriatrie",
    "imagerie",
    "laboratoire",
    "pharmacie",
    "bureau.entrees",
    "psychiatrie",
    "oncologie",
    "ssr",
    "consultations",
)

COUNTRIES_OF_BIRTH = ("350", "352", "351", "139", "127", "134", "109", "131", "132", "336")
