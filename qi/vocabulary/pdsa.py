"""PDSA cycles in words: a cycle's stages, where it has got to (status) and what the team
decided at the end (outcome: adopt, adapt or abandon the change idea)."""

from qi.vocabulary.terms import Vocabulary

PDSA_STAGES = Vocabulary(
    "stage of a PDSA cycle",
    {
        "plan": "Plan: objective, prediction, who, where, when, what we will measure",
        "do": "Do: what happened, problems",
        "study": "Study: what we saw, compared with the prediction",
        "act": "Act: what we decided, and the next cycle",
    },
)
CYCLE_STATUSES = Vocabulary(
    "status of a PDSA cycle",
    {"planned": "Planned", "running": "Running", "ended": "Ended"},
)
CYCLE_OUTCOMES = Vocabulary(
    "outcome of a PDSA cycle",
    {"adopt": "Adopt", "adapt": "Adapt", "abandon": "Abandon"},
)
