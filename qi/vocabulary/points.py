"""Point types and the Making Data Count icons, in words.

The engine names them (``qi.charts.icons``: ``POINT_TYPES``, ``VARIATION_ICONS``,
``ASSURANCE_ICONS``); each vocabulary here follows the engine's codes and order, so a code the
engine adds without words here fails at import. A point type has two wordings: a label for a
chart's legend and tooltip, and words for the middle of a sentence. The icons' drawings are
``qi.render.icons``.
"""

from qi.charts.icons import ASSURANCE_ICONS, POINT_TYPES, VARIATION_ICONS
from qi.vocabulary.terms import Vocabulary

_LABELS = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause improvement",
    "special_cause_concern": "Special cause concern",
    "special_cause_neutral_high": "Special cause (high, neither better nor worse)",
    "special_cause_neutral_low": "Special cause (low, neither better nor worse)",
}
_WORDS = {
    "common_cause": "common cause variation",
    "special_cause_improvement": "special cause improvement",
    "special_cause_concern": "special cause concern",
    "special_cause_neutral_high": "special cause variation (higher, neither better nor worse)",
    "special_cause_neutral_low": "special cause variation (lower, neither better nor worse)",
}
_ICONS = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (high)",
    "improvement_low": "Special cause improvement (low)",
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
    "neutral_high": "Special cause variation, neither better nor worse (high)",
    "neutral_low": "Special cause variation, neither better nor worse (low)",
    "consistent_pass": "Consistently passes the target",
    "consistent_fail": "Consistently fails the target",
    "inconsistent": "Hit and miss against the target",
}
_ASSURANCE = {
    "consistent_pass": "the target of {target} is consistently met",
    "consistent_fail": "the target of {target} is consistently missed",
    "inconsistent": "the target of {target} is hit and miss",
}

# A chart's legend and tooltip: "Special cause improvement".
POINT_TYPE_LABELS = Vocabulary("point type", {code: _LABELS[code] for code in POINT_TYPES})
# Within a sentence: "... since May 2024: special cause improvement."
POINT_TYPE_WORDS = Vocabulary("point type", {code: _WORDS[code] for code in POINT_TYPES})
# Every icon, variation then assurance, with its meaning (beside the icon, and its alt text).
ICON_LABELS = Vocabulary(
    "icon", {code: _ICONS[code] for code in (*VARIATION_ICONS, *ASSURANCE_ICONS)}
)
# An assurance icon within a reading, for its target in words.
ASSURANCE_READINGS = Vocabulary(
    "assurance icon", {code: _ASSURANCE[code] for code in ASSURANCE_ICONS}
)
NO_VARIATION_ICON = "No icon yet (too few points for limits)"
NO_ASSURANCE_ICON = "No target"
