"""A measure's name as people read it, with its unit written once.

``with_unit("Asthma admissions", "admissions")`` -> "Asthma admissions (admissions)";
``with_unit("Breastfeeding at 6-8 weeks (%)", "%")`` -> "Breastfeeding at 6-8 weeks (%)": a
name that already ends with its unit in brackets is not given it twice, nor is a rate whose
name already ends with its "per 1,000": ``with_unit("A&E attendances of under-5s per 1,000",
"per 1,000 under-5s")`` -> the name alone.
"""


def with_unit(name: str, unit: str | None) -> str:
    """The name followed by "(unit)", unless the name already says it (or there is none)."""
    name_end = name.rstrip()
    if not unit or name_end.endswith(f"({unit})"):
        return name
    words = unit.split()
    if words[0] == "per" and len(words) > 1 and name_end.endswith(" ".join(words[:2])):
        return name
    return f"{name} ({unit})"
