"""Meetings in words: what a stewardship group records (a decision or an action) and where an
action stands (open or done)."""

from qi.vocabulary.terms import Vocabulary

ACTION_KINDS = Vocabulary("kind of record", {"decision": "Decision", "action": "Action"})
ACTION_STATUSES = Vocabulary("status of an action", {"open": "Open", "done": "Done"})
