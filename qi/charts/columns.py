"""Column names: the engine's working columns, passed from stage to stage, and its output.

Working columns start with an underscore and never leave ``spc()``; each is named once here so
that every stage reads and writes the same name. Columns a single function makes and drops
again (scratch) are named where they are used. The output columns are listed in the order
``spc()`` returns them (``points.py``).
"""

# --- the caller's data under working names (arguments.py) ---------------------------------------
VALUE = "_value"  # the value column, as floats (NaN is missing)
DENOMINATOR = "_denominator"
PHASE_START = "_phase_start"  # limits are recalculated from this period
EXCLUDED = "_excluded"  # shown, but left out of limits and runs
TARGET = "_target"
CENTRE_GIVEN = "_centre"  # a centre line the caller knows
DIRECTION = "_direction"  # improvement: 1 increase, -1 decrease, 0 neutral

# --- series and subgroups (subgroups.py) --------------------------------------------------------
SERIES = "_series"  # 0, 1, ... in series order
REPEAT = "_repeat"  # same series and period as the previous row
Y = "_y"  # the plotted statistic
YSUM = "_ysum"  # subgroup sum (the numerator)
YLEN = "_ylen"  # subgroup size
YMEAN = "_ymean"
YSD = "_ysd"
N = "_n"  # summed denominator

# --- layout: where each point sits (phases.py, windows.py) --------------------------------------
SEGMENT = "_seg"  # series x phase, numbered from 1 in order
PHASE_INDEX = "_phase_index"  # SEGMENT - 1: the row of the point's phase in a per-phase table
POSITION = "_pos"  # 0-based position in the series
PHASE = "_phase"  # 1, 2, ... within the series
PHASE_POSITION = "_ppos"  # 0-based position in the phase
TO_PHASE_END = "_rpos"  # points left in the phase after this one
INCLUDE = "_include"  # not excluded
BASE = "_base"  # in the phase's baseline and not excluded: the limits use it
ROW, LO, HI = "_row", "_lo", "_hi"  # frame row and the first and last row of its segment

# --- limits (limits.py) -------------------------------------------------------------------------
CL = "_cl"
LCL1, UCL1, LCL2, UCL2, LCL3, UCL3 = "_lcl1", "_ucl1", "_lcl2", "_ucl2", "_lcl3", "_ucl3"
LIMITS = (LCL1, UCL1, LCL2, UCL2, LCL3, UCL3)

# --- judgement (judgement.py) -------------------------------------------------------------------
SIDE = "_side"  # sign of the value minus the centre


def rule(name: str) -> str:
    """The flag column of a rule: true where the rule flags the point."""
    return f"rule_{name}"


def rule_side(name: str) -> str:
    """The side (+1 high, -1 low) of a rule that has a side of its own (a trend's direction)."""
    return f"_side_{name}"
