"""Roles, actions and the policy: which roles may do which action.

- ``locality``: read and upload data for its own places.
- ``coach``: read its programmes' places; annotate, confirm or undo recalculations; add stories;
  record change ideas and PDSA cycles; reply to what people told us.
- ``steward``: read; record meetings, decisions and actions; choose stories and reply to what
  people told us; cannot change data.
- ``admin``: users, grants and configuration (the definitions of measures, places and survey
  questions); reads everything, reads the audit; does not approve annotations, upload data or
  record meetings (separation of duties).
- ``viewer``: published, disclosure-controlled outputs only.

Deny by default: an action not in ``POLICY`` is allowed to nobody.
"""

from qi.vocabulary.terms import Vocabulary

ROLES = Vocabulary(
    "role",
    {
        "locality": "Locality (reads and uploads data for its own places)",
        "coach": "Improvement coach (annotates charts, confirms recalculations, adds stories)",
        "steward": "Stewardship group member (records meetings, decisions and actions)",
        "admin": "Administrator (people, grants, configuration, the audit)",
        "viewer": "Viewer (published outputs with small numbers suppressed)",
    },
)

ACTIONS = Vocabulary(
    "action",
    {
        "data.read": "see measures and their data",
        "data.published": "see published outputs (small numbers suppressed)",
        "data.upload": "upload data",
        "data.export": "download or export data",
        "annotation.write": "annotate charts, confirm or undo recalculations",
        "story.read": "read stories of change",
        "story.write": "add, edit or withdraw stories of change",
        "story.safeguarding": "read stories flagged as a possible safeguarding concern",
        "meeting.write": "record meetings, decisions and actions",
        "pdsa.write": "record change ideas and PDSA cycles",
        "feedback.write": "choose stories, reply to what people told us, record participation",
        "definitions.write": "define measures, places, breakdowns and survey questions",
        "people.manage": "add and disable people, grant and revoke roles",
        "audit.read": "read the audit",
    },
)

INTERNAL = ("locality", "coach", "steward", "admin")
POLICY: dict[str, frozenset[str]] = {
    "data.read": frozenset(INTERNAL),
    "data.published": frozenset((*INTERNAL, "viewer")),
    "data.upload": frozenset({"locality"}),
    "data.export": frozenset(INTERNAL),
    "annotation.write": frozenset({"coach"}),
    "story.read": frozenset({"coach", "steward", "admin"}),
    "story.write": frozenset({"coach"}),
    "story.safeguarding": frozenset({"admin"}),
    "meeting.write": frozenset({"steward"}),
    "pdsa.write": frozenset({"coach"}),
    "feedback.write": frozenset({"coach", "steward"}),
    "definitions.write": frozenset({"admin"}),
    "people.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
}
assert set(POLICY) == set(ACTIONS), "every action has its roles"
