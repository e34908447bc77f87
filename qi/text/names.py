"""A measure's name as people read it, with its unit written once.

``with_unit("Asthma admissions", "admissions")`` -> "Asthma admissions (admissions)";
``with_unit("Breastfeeding at 6-8 weeks (%)", "%")`` -> "Breastfeeding at 6-8 weeks (%)": a
name that already ends with its unit in brackets is not given it twice.
"""


def with_unit(name: str, unit: str | None) -> str:
    """The name followed by "(unit)", unless the name already says it (or there is none)."""
    if not unit or name.rstrip().endswith(f"({unit})"):
        return name
    return f"{name} ({unit})"
