"""Observations and uploads in words: an observation is final or provisional (the source may
still revise it); an upload was stored or rejected."""

from qi.vocabulary.terms import Vocabulary

OBSERVATION_STATUSES = Vocabulary(
    "status of an observation",
    {"final": "Final", "provisional": "Provisional (may still be revised)"},
)
UPLOAD_OUTCOMES = Vocabulary("outcome of an upload", {"stored": "Stored", "rejected": "Rejected"})
