"""Breakdowns of an observation: the groups a measure's count is split into (deprivation
quintile, sex, age band, ethnic group, SEND status).

A breakdown is stored as one code: ``all`` for the total, or ``<kind>:<group>`` such as
``imd_quintile:1`` (the most deprived fifth) or ``sex:female``. ``BREAKDOWN_KINDS`` is the set
qi accepts; deprivation groups are numbered 1 (most deprived) upwards, as MHCLG numbers them.
"""

import re

from qi.vocabulary.terms import Vocabulary

ALL = "all"
SEPARATOR = ":"

BREAKDOWN_KINDS = Vocabulary(
    "kind of breakdown",
    {
        "imd_quintile": "deprivation quintile (IMD, 1 = most deprived)",
        "imd_decile": "deprivation decile (IMD, 1 = most deprived)",
        "sex": "sex",
        "age_band": "age band",
        "ethnic_group": "ethnic group",
        "send_status": "special educational needs and disabilities (SEND) status",
    },
)
# Kinds whose groups are numbered: how many groups there are.
NUMBERED_GROUPS = {"imd_quintile": 5, "imd_decile": 10}
# What a group of the other kinds may be written as: lower-case words, digits, - + and _.
GROUP_PATTERN = r"[a-z0-9][a-z0-9_+\-]*"
PATTERN = rf"^(?:{ALL}|(?:{'|'.join(BREAKDOWN_KINDS.codes)}){SEPARATOR}{GROUP_PATTERN})$"


def breakdown_code(kind: str, group: str | int) -> str:
    """The code of one group of a breakdown: ``breakdown_code("imd_quintile", 1)``."""
    if kind not in BREAKDOWN_KINDS:
        raise ValueError(
            f"unknown kind of breakdown {kind!r}: use one of {', '.join(BREAKDOWN_KINDS)}"
        )
    return f"{kind}{SEPARATOR}{group}"


def is_breakdown(code: str) -> bool:
    """Whether ``code`` is ``all`` or a known kind's group (numbered groups in range)."""
    if not re.match(PATTERN, code):
        return False
    if code == ALL:
        return True
    kind, group = code.split(SEPARATOR, 1)
    if kind in NUMBERED_GROUPS:
        return group.isdigit() and 1 <= int(group) <= NUMBERED_GROUPS[kind]
    return True


def breakdown_words(code: str) -> str:
    """How a breakdown code reads: ``deprivation quintile (IMD, 1 = most deprived) 1``."""
    if code == ALL:
        return "all"
    kind, group = code.split(SEPARATOR, 1)
    return f"{BREAKDOWN_KINDS[kind]}: {group}"
