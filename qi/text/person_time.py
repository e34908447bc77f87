"""How a rate compared across places says what its denominator is: person-time.

A rate per population counted each month has, summed over the months chosen, each month's
population added up: person-months (person-years for a yearly measure). The words are in
``qi.vocabulary.comparisons.PERSON_TIME``; numbers go through ``qi.text.number``.
"""

from qi.text.numbers import number
from qi.vocabulary.comparisons import PERSON_TIME


def person_time(frequency: str) -> str:
    """``person-months`` for a monthly measure, ``person-years`` for a yearly one."""
    return PERSON_TIME[frequency]


def rate_basis(multiplier: float, frequency: str) -> str:
    """What a rate is per: ``per 1,000 person-months`` (``per person-month`` for 1)."""
    if multiplier == 1:
        return f"per {person_time(frequency).removesuffix('s')}"
    return f"per {number(multiplier)} {person_time(frequency)}"


def person_time_note(multiplier: float, frequency: str) -> str:
    """One sentence for a caption or a pack: the rate, and what its denominator is."""
    unit = PERSON_TIME[frequency].removeprefix("person-").removesuffix("s")
    return (
        f"Rates are {rate_basis(multiplier, frequency)}: each place's events over its "
        f"population added up over the {unit}s chosen (person-time; a place of 1,000 people "
        f"counted over 12 {unit}s is 12,000 {person_time(frequency)})."
    )
