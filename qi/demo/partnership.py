"""The demo's two programmes as definitions: places, initiatives and measures.

The synthetic West Yorkshire children and young people's partnership (the five real
metropolitan districts with their ONS GSS codes under their real ICB, three initiatives, seven
measures) and the real A&E programme (the five acute trusts serving West Yorkshire, two
measures). Codes here are the ones every other demo module keys its data by.
"""

from dataclasses import dataclass
from datetime import date

import polars as pl

from qi.demo.labels import AE_ATTRIBUTION, SYNTHETIC

# --- places -----------------------------------------------------------------------------------
# Real ONS GSS codes and names: local authority districts (April 2024) from the ONS Open
# Geography Portal lookup (lookup_ltla24_region24.csv), and their ICB (E54000054) from
# lookup_lsoa11_sicbl22_icb22_ltla22.csv; see qi/demo/data/PROVENANCE.md.
ICB = ("E54000054", "NHS West Yorkshire Integrated Care Board")


@dataclass(frozen=True)
class Locality:
    code: str  # the GSS code, which is also the place's code in qi
    name: str
    # Synthetic sizes, of the right order for each district: they set the scale of the counts.
    under_fives: int
    children: int  # aged 0 to 17
    births_per_month: int


LOCALITIES = (
    Locality("E08000032", "Bradford", 38_000, 150_000, 640),
    Locality("E08000033", "Calderdale", 12_000, 46_000, 200),
    Locality("E08000034", "Kirklees", 26_000, 100_000, 450),
    Locality("E08000035", "Leeds", 47_000, 180_000, 780),
    Locality("E08000036", "Wakefield", 20_000, 75_000, 360),
)
BRADFORD, CALDERDALE, KIRKLEES, LEEDS, WAKEFIELD = (p.code for p in LOCALITIES)

# Real acute trusts of West Yorkshire (ODS codes and names as in 2016-19); more than 87 % of
# each trust's admissions come from the ICB (lookup_nhs_trusts22_icb22.csv).
TRUSTS = (
    ("RAE", "Bradford Teaching Hospitals NHS Foundation Trust"),
    ("RCF", "Airedale NHS Foundation Trust"),
    ("RR8", "Leeds Teaching Hospitals NHS Trust"),
    ("RWY", "Calderdale and Huddersfield NHS Foundation Trust"),
    ("RXF", "Mid Yorkshire Hospitals NHS Trust"),
)

# --- initiatives --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitiativeSpec:
    name: str
    places: tuple[str, ...]
    start_date: date | None
    outcome_domains: tuple[str, ...]
    description: str


BEST_START = "Best Start: healthy under-fives"
EARLY_SUPPORT = "Early support for emotional wellbeing"
TIMELY_SEND = "Timely support for SEND"
AE_PROGRAMME = "A&E four-hour performance, West Yorkshire trusts (real NHS data)"

INITIATIVES = (
    InitiativeSpec(
        BEST_START,
        (BRADFORD, WAKEFIELD, LEEDS),
        date(2022, 10, 1),
        ("healthy", "safe"),
        f"{SYNTHETIC} Same-day children's advice hubs, asthma-friendly schools and infant "
        "feeding peer support, so that young children get care close to home. Bradford opened "
        "its advice hub in October 2022 after two PDSA cycles and ran the asthma work in "
        "schools; Wakefield put peer supporters in every family hub from January 2023. "
        "Leeds is the comparison locality: it joined the partnership's reviews but made no "
        "change in this period. Measures: A&E attendances of under-5s, asthma admissions, "
        "breastfeeding at 6-8 weeks.",
    ),
    InitiativeSpec(
        EARLY_SUPPORT,
        (KIRKLEES, CALDERDALE),
        date(2023, 4, 1),
        ("happy", "socially connected"),
        f"{SYNTHETIC} Mental health support teams in schools and a single point of access "
        "with self-referral, so that children and young people get help early and wait less. "
        "Kirklees started in April 2023; Calderdale launched its single point of access in "
        "January 2024. Measures: mental-health referrals, average wait for support.",
    ),
    InitiativeSpec(
        TIMELY_SEND,
        tuple(p.code for p in LOCALITIES),
        date(2023, 9, 1),
        ("supported to learn, grow and develop",),
        f"{SYNTHETIC} A shared improvement programme for Education, Health and Care (EHC) "
        "needs assessments across the five districts. Kirklees tested a weekly multi-agency "
        "panel and earlier educational psychology advice (two PDSA cycles from September "
        "2023). Measure: EHC plans issued within 20 weeks.",
    ),
)
AE_INITIATIVE = InitiativeSpec(
    AE_PROGRAMME,
    tuple(code for code, _ in TRUSTS),
    None,
    ("urgent and emergency care",),
    "Real published data, not synthetic: type 1 (major) A&E attendances and the share seen "
    "within four hours at the five acute trusts serving West Yorkshire, April 2016 to "
    f"March 2019. {AE_ATTRIBUTION}",
)

# --- measures -----------------------------------------------------------------------------------

AE_UNDER5 = "ae_under5_rate"
ASTHMA = "cyp_asthma_admissions"
MH_REFERRALS = "cyp_mh_referrals"
MH_WAIT = "cyp_mh_wait_days"
EHCP = "ehcp_within_20_weeks"
BREASTFEEDING = "breastfeeding_6_8_weeks"
ADULT_WARD = "days_between_u18_adult_ward_admissions"
AE_ATTENDANCES = "ae_type1_attendances"
AE_FOUR_HOURS = "ae_four_hour_performance"


def _measure(code, name, definition, unit, kind, improvement, multiplier=1.0, target=None):
    return {
        "code": code,
        "name": name,
        "definition": definition,
        "unit": unit,
        "kind": kind,
        "multiplier": multiplier,
        "improvement": improvement,
        "target": target,
        "chart": None,  # the default chart for the kind (qi.charts.DEFAULT_CHART)
        "rule_set": None,  # Making Data Count rules
        "frequency": "month",
    }


MEASURES = (
    _measure(
        AE_UNDER5,
        "A&E attendances of under-5s per 1,000",
        f"{SYNTHETIC} Attendances at any A&E department by children aged 0-4 resident in the "
        "locality in the month, per 1,000 children aged 0-4 (mid-year population estimate).",
        "per 1,000 under-5s",
        "rate",
        "down",
        multiplier=1000.0,
    ),
    _measure(
        ASTHMA,
        "Emergency asthma admissions, children and young people",
        f"{SYNTHETIC} Emergency hospital admissions with a primary diagnosis of asthma "
        "(ICD-10 J45-J46), residents aged 0-17, in the month. Counts of 1 to 4 are suppressed "
        "(*) under the publisher's small-numbers rule.",
        "admissions",
        "count",
        "down",
    ),
    _measure(
        MH_REFERRALS,
        "Referrals to children and young people's mental health services",
        f"{SYNTHETIC} Referrals received for children and young people aged 0-17 in the "
        "month, from any source including self-referral. More referrals can mean better "
        "access or more need, so neither direction is improvement.",
        "referrals",
        "count",
        "neither",
    ),
    _measure(
        MH_WAIT,
        "Average wait for mental health support (days)",
        f"{SYNTHETIC} Mean days from referral to the second contact (the start of support) "
        "for children and young people whose second contact was in the month. Target: the "
        "four-week waiting time ambition.",
        "days",
        "continuous",
        "down",
        target=28.0,
    ),
    _measure(
        EHCP,
        "EHC plans issued within 20 weeks (%)",
        f"{SYNTHETIC} New Education, Health and Care plans issued in the month within the "
        "statutory 20 weeks of the request for assessment, as a percentage of all new plans "
        "issued in the month (exceptions excluded).",
        "%",
        "proportion",
        "up",
        multiplier=100.0,
        target=60.0,
    ),
    _measure(
        BREASTFEEDING,
        "Breastfeeding at 6-8 weeks (%)",
        f"{SYNTHETIC} Infants totally or partially breastfed at their 6-8 week review, as a "
        "percentage of infants due a 6-8 week review in the month whose feeding status was "
        "recorded.",
        "%",
        "proportion",
        "up",
        multiplier=100.0,
    ),
    _measure(
        ADULT_WARD,
        "Days between admissions of under-18s to adult mental health wards",
        f"{SYNTHETIC} For each admission of a child or young person under 18 to an adult "
        "mental health ward across the ICB, the days since the previous one (the period is "
        "the admission date). Such admissions are rare and unwanted: longer gaps are better.",
        "days",
        "time_between",
        "up",
    ),
    _measure(
        AE_ATTENDANCES,
        "A&E attendances (type 1)",
        "Real NHS England data. Attendances at type 1 (major, consultant-led, 24-hour) A&E "
        f"departments of the trust in the month. {AE_ATTRIBUTION}",
        "attendances",
        "count",
        "neither",
    ),
    _measure(
        AE_FOUR_HOURS,
        "4-hour performance (type 1, %)",
        "Real NHS England data. Type 1 A&E attendances in the month where the patient was "
        "admitted, transferred or discharged within four hours of arrival, as a percentage of "
        f"all type 1 attendances. The operational standard is 95 %. {AE_ATTRIBUTION}",
        "%",
        "proportion",
        "up",
        multiplier=100.0,
        target=95.0,
    ),
)

# --- observations -------------------------------------------------------------------------------
# Both programmes' observations come in these columns (codes, not ids), as a file would.
OBSERVATION_COLUMNS = {
    "measure": pl.String,
    "place": pl.String,
    "period": pl.Date,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "missing_reason": pl.String,
    "status": pl.String,
}

# --- which measures each initiative reviews (its meeting view and board pack) --------------------

INITIATIVE_MEASURES: dict[str, tuple[str, ...]] = {
    BEST_START: (AE_UNDER5, ASTHMA, BREASTFEEDING),
    EARLY_SUPPORT: (MH_REFERRALS, MH_WAIT),
    TIMELY_SEND: (EHCP,),
    AE_PROGRAMME: (AE_ATTENDANCES, AE_FOUR_HOURS),
}
