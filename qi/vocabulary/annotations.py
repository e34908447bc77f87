"""Annotations in words: their kinds, what they do to a chart, and the events listed as new
since a meeting (``qi.services.since.annotation_events``)."""

from qi.vocabulary.terms import Vocabulary

ANNOTATION_KINDS = Vocabulary(
    "kind of annotation",
    {
        "intervention": "Change idea or intervention",
        "pdsa": "PDSA cycle",
        "context": "Context event",
        "data_issue": "Data issue",
    },
)
# What an annotation does to the chart, by its flag; a note without either only marks it.
ANNOTATION_EFFECTS = Vocabulary(
    "effect on the chart",
    {"new_phase": "limits recalculated from here", "exclude": "left out of the calculations"},
)
ANNOTATION_EVENTS = Vocabulary(
    "annotation event",
    {
        "annotation": "Annotation",
        "recalculation": "Limits recalculated from here",
        "exclusion": "Point left out of the calculations",
        "undone": "Annotation undone",
    },
)
