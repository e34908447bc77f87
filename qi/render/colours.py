"""The charts' colours (Making Data Count's): one palette for the Vega-Lite figures
(``qi.render.figures``) and the board pack's vector charts (``qi.render.pdf_chart``), kept
apart from Altair so that the pack's pages draw without importing it."""

from qi.render.icons import (
    COMMON_CAUSE_GREY,
    CONCERN_ORANGE,
    IMPROVEMENT_BLUE,
    NEUTRAL_PURPLE,
)

POINT_TYPE_COLOURS: dict[str, str] = {
    "common_cause": COMMON_CAUSE_GREY,
    "special_cause_improvement": IMPROVEMENT_BLUE,
    "special_cause_concern": CONCERN_ORANGE,
    "special_cause_neutral_high": NEUTRAL_PURPLE,
    "special_cause_neutral_low": NEUTRAL_PURPLE,
}
LINE_GREY = "#7F7F7F"
CENTRE_BLACK = "#231F20"
TARGET_RED = "#DE1B1B"
STORY_GREEN = "#007F3B"
ANNOTATION_INK = "#425563"
