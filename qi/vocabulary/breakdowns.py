"""Breakdowns of an observation: the groups a measure's count is split into (deprivation
quintile, sex, age band, ethnic group, SEND status, and whatever kinds an admin adds).

A breakdown is stored as one code: ``all`` for the total, or ``<kind>:<group>`` such as
``imd_quintile:1`` (the most deprived fifth) or ``sex:female``. The kinds in force, their words
and their groups are kept in the store (``qi.store.breakdowns``; ``qi breakdowns add``), seeded
with ``SEED_KINDS``; ``BreakdownKinds`` is the set read from there, and says which codes it
accepts. A kind with listed groups accepts only those; a kind with none listed accepts any
group written as ``GROUP_PATTERN`` allows. Deprivation groups are numbered 1 (most deprived)
upwards, as MHCLG numbers them.
"""

import re
from dataclasses import dataclass

ALL = "all"
SEPARATOR = ":"
# What a kind's code and a group may be written as: lower-case words, digits, - + and _.
KIND_PATTERN = r"[a-z][a-z0-9_]*"
GROUP_PATTERN = r"[a-z0-9][a-z0-9_+\-]*"
KIND_LENGTH = 32
GROUP_LENGTH = 30  # a code is kind:group, at most 64 characters (observations.breakdown)


@dataclass(frozen=True)
class BreakdownKind:
    """One kind of breakdown: its code, its words, and its groups in order (empty: any group
    written as ``GROUP_PATTERN`` allows)."""

    code: str
    label: str
    groups: tuple[str, ...] = ()


# The kinds qi starts with (stored by migration 0010): today's vocabulary.
SEED_KINDS = (
    BreakdownKind(
        "imd_quintile",
        "deprivation quintile (IMD, 1 = most deprived)",
        tuple(str(g) for g in range(1, 6)),
    ),
    BreakdownKind(
        "imd_decile",
        "deprivation decile (IMD, 1 = most deprived)",
        tuple(str(g) for g in range(1, 11)),
    ),
    BreakdownKind("sex", "sex"),
    BreakdownKind("age_band", "age band"),
    BreakdownKind("ethnic_group", "ethnic group"),
    BreakdownKind("send_status", "special educational needs and disabilities (SEND) status"),
)


def breakdown_code(kind: str, group: str | int) -> str:
    """The code of one group of a breakdown: ``breakdown_code("imd_quintile", 1)``."""
    return f"{kind}{SEPARATOR}{group}"


def check_kind_code(code: str) -> None:
    """Raise ValueError unless ``code`` can be a kind's code."""
    if len(code) > KIND_LENGTH or not re.fullmatch(KIND_PATTERN, code) or code == ALL:
        raise ValueError(
            f"{code!r} cannot be a kind of breakdown: write it in lower-case letters, digits "
            f"and _, starting with a letter, at most {KIND_LENGTH} characters (not 'all')"
        )


def check_group_code(kind: str, group: str) -> None:
    """Raise ValueError unless ``group`` can be a group of a kind."""
    if len(group) > GROUP_LENGTH or not re.fullmatch(GROUP_PATTERN, group):
        raise ValueError(
            f"{group!r} cannot be a group of {kind}: write it in lower-case letters, digits, "
            f"-, + and _, at most {GROUP_LENGTH} characters"
        )


@dataclass(frozen=True)
class BreakdownKinds:
    """The kinds of breakdown in force (read from the store), by code."""

    kinds: dict[str, BreakdownKind]

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def accepts(self, code: str) -> bool:
        """Whether ``code`` is ``all`` or a group of a kind in force."""
        if code == ALL:
            return True
        kind, _, group = code.partition(SEPARATOR)
        known = self.kinds.get(kind)
        if known is None or not re.fullmatch(GROUP_PATTERN, group):
            return False
        return not known.groups or group in known.groups

    def words(self, code: str) -> str:
        """How a breakdown code reads: ``deprivation quintile (IMD, 1 = most deprived): 1``."""
        if code == ALL:
            return "all"
        kind, _, group = code.partition(SEPARATOR)
        known = self.kinds.get(kind)
        return f"{known.label if known else kind}: {group}"

    def accepted(self) -> str:
        """What may be written, for an error's fix: each kind with its groups (or 'any')."""
        return "; ".join(
            f"{k.code} ({', '.join(k.groups) if k.groups else 'any group'})"
            for k in self.kinds.values()
        )
