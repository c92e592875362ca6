"""How the sample portfolio is drawn: the planted groups, their levels, money, names and people.

Every number the generator (:mod:`~portfolio_analysis.sample.generate`) draws from lives here.
"""

from __future__ import annotations

import numpy as np

GROUPS = (
    "strategic_partners",
    "profitable_transactional",
    "price_driven_occasional",
    "declining_at_risk",
    "unprofitable_rnd_partners",
)
GROUP_SHARES = (0.15, 0.30, 0.25, 0.15, 0.15)

N_MONTHS = 36
CATEGORIES = ("maintenance", "projects", "consulting", "spare_parts")
# margin_pct cut-offs (%, lower bound inclusive) that turn real margins into the
# register's qualitative profitability level
PROFITABILITY_CUTOFFS = {"moderate": 4.0, "high": 14.0}

CLIENT_COLUMNS = [
    "client_id", "name", "business_type", "owner", "our_contacts", "client_contacts",
    "relationship_type", "service_needs", "decision_criteria", "share_of_wallet", "profitability",
    "upsell_potential", "ease_of_collaboration", "business_outlook", "rnd_collaboration",
    "learning_opportunities", "billing", "billing_previous", "profit", "cost_to_serve",
    "margin_pct", "true_group",
]  # fmt: skip
INVOICE_COLUMNS = ["invoice_id", "client_id", "date", "service_category", "amount", "cost"]
CONTACT_COLUMNS = ["client_id", "side", "name", "role"]
MISSPELT_LEVEL = "Modrate"  # injected in the profitability column; close to "Moderate"
FILES = {"clients": "clients.csv", "invoices": "invoices.csv", "contacts": "contacts.csv"}

# --- how each planted group draws its criteria ---------------------------------
# Probabilities per level, worst to best in catalogue order; one row per group
# in GROUPS order. Profitability is not drawn: it follows from the margin.
_LEVEL_P = {
    "business_type": (  # investor, government, municipal, manufacturer, contractor, consultant, other
        (0.05, 0.15, 0.15, 0.40, 0.15, 0.05, 0.05),
        (0.05, 0.10, 0.15, 0.25, 0.30, 0.10, 0.05),
        (0.05, 0.00, 0.05, 0.15, 0.50, 0.10, 0.15),
        (0.10, 0.05, 0.10, 0.30, 0.30, 0.05, 0.10),
        (0.00, 0.15, 0.05, 0.45, 0.00, 0.30, 0.05),
    ),
    "relationship_type": (  # at_risk, occasional, recurring, partnership
        (0.00, 0.00, 0.25, 0.75),
        (0.00, 0.10, 0.75, 0.15),
        (0.05, 0.80, 0.15, 0.00),
        (0.80, 0.10, 0.10, 0.00),
        (0.00, 0.05, 0.45, 0.50),
    ),
    "service_needs": (  # basic, specialised, total
        (0.10, 0.50, 0.40),
        (0.55, 0.40, 0.05),
        (0.85, 0.15, 0.00),
        (0.30, 0.50, 0.20),
        (0.00, 0.25, 0.75),
    ),
    "share_of_wallet": (  # small, medium, large
        (0.00, 0.25, 0.75),
        (0.20, 0.60, 0.20),
        (0.80, 0.20, 0.00),
        (0.40, 0.45, 0.15),
        (0.10, 0.50, 0.40),
    ),
    "upsell_potential": (  # none, low, moderate, high
        (0.05, 0.25, 0.45, 0.25),
        (0.05, 0.20, 0.45, 0.30),
        (0.30, 0.50, 0.20, 0.00),
        (0.50, 0.40, 0.10, 0.00),
        (0.10, 0.30, 0.40, 0.20),
    ),
    "ease_of_collaboration": (  # challenging, medium, easy
        (0.10, 0.40, 0.50),
        (0.10, 0.40, 0.50),
        (0.30, 0.50, 0.20),
        (0.50, 0.40, 0.10),
        (0.40, 0.40, 0.20),
    ),
    "business_outlook": (  # failing, stable, growing
        (0.00, 0.40, 0.60),
        (0.05, 0.55, 0.40),
        (0.15, 0.60, 0.25),
        (0.70, 0.30, 0.00),
        (0.00, 0.30, 0.70),
    ),
    "rnd_collaboration": (  # none, emerging, ongoing
        (0.40, 0.30, 0.30),
        (0.80, 0.15, 0.05),
        (0.97, 0.03, 0.00),
        (0.85, 0.15, 0.00),
        (0.00, 0.15, 0.85),
    ),
    "learning_opportunities": (  # low, moderate, high
        (0.10, 0.50, 0.40),
        (0.60, 0.35, 0.05),
        (0.85, 0.15, 0.00),
        (0.70, 0.25, 0.05),
        (0.00, 0.15, 0.85),
    ),
}
# Chance that each supplier-selection criterion is among the client's, per group
# (purchase_price, lifecycle_cost, ease_of_purchase, trust, supplier_quality).
_DECISION_P = (
    (0.10, 0.50, 0.20, 0.85, 0.80),
    (0.30, 0.30, 0.60, 0.40, 0.50),
    (0.95, 0.05, 0.50, 0.05, 0.10),
    (0.60, 0.20, 0.30, 0.20, 0.30),
    (0.05, 0.40, 0.10, 0.70, 0.80),
)

# --- money ------------------------------------------------------------------------
# Billing level of the last 12 months: lognormal (median in EUR, sigma of the log).
_BILLING_MEDIAN = (320_000.0, 110_000.0, 18_000.0, 90_000.0, 340_000.0)
_BILLING_SIGMA = (0.95, 0.90, 0.85, 0.75, 0.50)
# Yearly growth rate of the monthly level (mean, sd of a normal on the log scale).
_GROWTH = ((0.06, 0.05), (0.03, 0.07), (0.00, 0.10), (-0.40, 0.10), (0.04, 0.07))
# Gross margin rate of the invoice lines (mean, sd): price-driven and R&D partners buy cheap.
_GROSS_MARGIN = ((0.40, 0.04), (0.32, 0.05), (0.16, 0.05), (0.17, 0.05), (0.08, 0.04))
# Chance that a client buys in a month from one of its categories: occasional buyers rarely do.
_ACTIVITY = (0.95, 0.85, 0.30, 0.75, 0.90)
# Relative weight of each category in a client's mix (Dirichlet concentration per group).
_CATEGORY_ALPHA = (
    (3.0, 2.0, 1.0, 2.0),
    (3.0, 1.0, 0.3, 3.0),
    (1.0, 0.3, 0.1, 3.0),
    (2.0, 1.0, 0.3, 2.0),
    (1.0, 2.0, 3.0, 0.5),
)
# Projects come in lumps: fewer lines, each larger.
_CATEGORY_ACTIVITY = (1.0, 0.45, 0.8, 1.0)
# Cost to serve: a fixed part per service level, a part proportional to the
# billing the service was sized for (the mean of the two years: capacity does
# not shrink as fast as a declining client's orders), R&D support, and a cost
# per invoice line. Levels in catalogue order.
_CTS_FIXED = {"basic": 1_500.0, "specialised": 5_000.0, "total": 12_000.0}
_CTS_RATE = {"basic": 0.03, "specialised": 0.06, "total": 0.12}
_CTS_RND = {"none": (0.0, 0.0), "emerging": (0.03, 2_000.0), "ongoing": (0.16, 12_000.0)}
_CTS_PER_LINE = 45.0
# The whale-curve peak (cumulative profit of the best clients over total profit)
# that the sample keeps to: a draw outside this band has its cost-to-serve
# overhead scaled, all clients alike, until the peak is at the nearest bound.
WHALE_PEAK_BAND = (1.6, 2.2)


def _season(month: np.ndarray) -> np.ndarray:
    """Seasonal factor of a calendar month (1-12): December peak, August dip, mean 1.

    A yearly cosine (high in winter, low in summer), the August holidays, and the
    year-end spending of budgets left over (public clients above all).
    """
    months = np.arange(1, 13)
    raw = 1 + 0.10 * np.cos(2 * np.pi * (months - 12) / 12) - 0.18 * (months == 8) + 0.15 * (months == 12)
    return (raw / raw.mean())[np.asarray(month) - 1]


# --- names --------------------------------------------------------------------------
_STEMS = (
    "Nordvik", "Batiplus", "Vestra", "Kerlann", "Solvia", "Aquilon", "Meridia", "Hydrolis",
    "Ferrand", "Calder", "Oakridge", "Vitrum", "Stahlberg", "Arvella", "Boréal", "Trégor",
    "Delmas", "Korsvik", "Ponteau", "Lumen", "Castelmar", "Brennholt", "Quadris", "Teknova",
    "Axelis", "Morvan", "Sentinel", "Granvik", "Helio", "Armor", "Valmont", "Rivella",
    "Sterling", "Hexa", "Altura", "Bellmont", "Cobalt", "Dunmore", "Estrel", "Fjordane",
)  # fmt: skip
_TOWNS_FR = (
    "Grenoble", "Annecy", "Chambéry", "Rennes", "Nantes", "Lorient", "Brest", "Tours", "Dijon",
    "Besançon", "Colmar", "Metz", "Reims", "Amiens", "Rouen", "Caen", "Poitiers", "Limoges",
    "Valence", "Nîmes", "Montpellier", "Perpignan", "Pau", "Bayonne", "Angers", "Le Mans",
    "Orléans", "Troyes", "Namur", "Liège",
)  # fmt: skip
_TOWNS_OTHER = (
    "Bergen", "Trondheim", "Stavanger", "Tromsø", "Gent", "Leuven", "Aarhus", "Odense", "Aalborg",
    "Uppsala", "Västerås", "Linköping", "Tampere", "Turku", "Oulu",
)  # fmt: skip
_REGIONS_FR = (
    "Rhône-Alpes", "Bretagne", "Normandie", "Occitanie", "Grand Est", "Hauts-de-France",
    "Nouvelle-Aquitaine", "Centre-Loire", "Wallonie", "Provence", "Bourgogne", "Auvergne",
    "Alsace", "Savoie",
)  # fmt: skip
_REGIONS_OTHER = (
    "Vestland", "Trøndelag", "Rogaland", "Flanders", "Jutland", "Zealand", "Svealand", "Skåne",
    "Pirkanmaa", "Uusimaa",
)  # fmt: skip
# Per business type: name templates, the legal forms that go with the template's
# language and, for public bodies, the places that fill them.
_EN, _FR, _DE = ("", " Ltd", " AS", " AB", " SA"), ("", " SA", " SAS", " SARL"), ("", " GmbH", " AG")
_NAME_TEMPLATES = {  # (template, legal forms, what fills "{}": company stems unless named)
    "investor": (("{} Capital", _EN), ("{} Invest", _EN), ("{} Asset Management", _EN),
                 ("{} Foncière", _FR), ("{} Real Estate", _EN)),
    "government": (("{} Roads Authority", ("",), _REGIONS_OTHER), ("{} Port Authority", ("",), _REGIONS_OTHER),
                   ("Agence de l'eau {}", ("",), _REGIONS_FR), ("Direction régionale {}", ("",), _REGIONS_FR)),
    "municipal": (("Ville de {}", ("",), _TOWNS_FR), ("Commune de {}", ("",), _TOWNS_FR),
                  ("{} Municipality", ("",), _TOWNS_OTHER), ("{} Water Board", ("",), _TOWNS_OTHER)),
    "manufacturer": (("{} Industries", _EN + _FR[2:]), ("{} Manufacturing", _EN), ("{} Plastics", _EN),
                     ("{} Metalworks", _EN), ("{} Composites", _EN + _FR[2:]), ("{} Hydraulik", _DE)),
    "contractor": (("{} Construction", _EN + _FR[2:]), ("{} Bâtiment", _FR), ("{} Builders", _EN),
                   ("{} Travaux Publics", _FR), ("{} Bau", _DE)),
    "consultant": (("{} Engineering", _EN), ("{} Ingénierie", _FR), ("{} Consulting", _EN + _DE[1:]),
                   ("{} Partners", _EN), ("Bureau d'études {}", ("",))),
    "other": (("{} Services", _EN + _FR[2:]), ("{} Logistics", _EN), ("{} Energy", _EN + _DE[1:]),
              ("{} Distribution", _FR)),
}  # fmt: skip

# Our own staff: (name, role, weight as account owner, weight as a further contact).
_STAFF = (
    ("Claire Dubois", "Key account director", 3.0, 1.0),
    ("Martin Lefèvre", "Key account manager", 3.0, 1.0),
    ("Sofia Lindqvist", "Key account manager", 2.5, 1.0),
    ("Thomas Berger", "Sales engineer", 1.5, 1.5),
    ("Julie Moreau", "Sales engineer", 1.2, 1.5),
    ("Hugo Lambert", "Sales engineer", 0.8, 1.5),
    ("Erik Nordahl", "Project manager", 0.0, 2.5),
    ("Nadia Benali", "Project manager", 0.0, 2.0),
    ("Lucas Girard", "Service manager", 0.0, 2.0),
    ("Emma Schmitt", "Technical specialist", 0.0, 1.5),
    ("Inès Carvalho", "Customer service", 0.0, 2.5),
    ("Paul Renaud", "R&D engineer", 0.0, 0.5),
)
# Strategic accounts go to the key account director far more often (a key-person
# risk the profiles step should find); R&D partners bring in the R&D engineer.
_OWNER_BOOST = {"strategic_partners": {0: 3.0}, "unprofitable_rnd_partners": {0: 1.5}}
_CONTACT_BOOST = {"unprofitable_rnd_partners": {11: 20.0}, "strategic_partners": {11: 4.0}}
# People per side (1-4): probabilities per group, ours then theirs.
_N_OURS_P = (
    (0.05, 0.35, 0.40, 0.20),
    (0.12, 0.55, 0.28, 0.05),
    (0.25, 0.60, 0.15, 0.00),
    (0.15, 0.55, 0.25, 0.05),
    (0.05, 0.40, 0.40, 0.15),
)
_N_THEIRS_P = (
    (0.03, 0.37, 0.40, 0.20),
    (0.10, 0.55, 0.30, 0.05),
    (0.20, 0.60, 0.20, 0.00),
    (0.12, 0.58, 0.25, 0.05),
    (0.05, 0.45, 0.35, 0.15),
)
_FIRST_NAMES = (
    "Anne", "Bruno", "Camille", "David", "Élodie", "François", "Gaëlle", "Henrik", "Isabelle",
    "Jonas", "Karin", "Laurent", "Marie", "Nicolas", "Olivia", "Pierre", "Quentin", "Rachel",
    "Stéphane", "Tove", "Ulrich", "Valérie", "William", "Yann", "Zoé", "Agnès", "Bjørn",
    "Cécile", "Dominique", "Eva", "Frédéric", "Greta", "Hélène", "Ingrid", "Jérôme", "Lars",
    "Mathilde", "Nils", "Sandrine", "Vincent",
)  # fmt: skip
_LAST_NAMES = (
    "Martin", "Bernard", "Petit", "Durand", "Leroy", "Roux", "Fournier", "Morel", "Mercier",
    "Blanc", "Guérin", "Muller", "Henry", "Rousseau", "Faure", "André", "Chevalier", "Garnier",
    "Lemoine", "Perrin", "Hansen", "Johansson", "Nielsen", "Larsen", "Andersson", "Virtanen",
    "Schneider", "Fischer", "Weber", "Wagner", "Peeters", "Janssens", "Dupont", "Lambert",
    "Marchand", "Gauthier", "Bonnet", "Robin", "Clément", "Fontaine", "Caron", "Brunet",
    "Lefort", "Collin", "Barbier", "Aubert", "Picard", "Renard", "Meyer", "Olsen",
)  # fmt: skip
_CLIENT_FIRST_ROLES = ("Purchasing manager", "Technical director", "Managing director", "Operations manager")
_CLIENT_ROLES = (
    "Buyer", "Project engineer", "Maintenance manager", "Site manager", "R&D manager",
    "Technical director", "Purchasing manager", "Quality manager",
)  # fmt: skip
