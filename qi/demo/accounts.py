"""Demonstration accounts: one person per role, for trying qi with ``QI_AUTH=local-accounts``.

Loaded only on request (``qi demo --accounts``), never by ``make run``: their password is
published here, so they belong in a demo database only. Every account's password is
``DEMO_PASSWORD``.

| user name | role | over |
|---|---|---|
| ``leeds`` | locality | Leeds (E08000035) |
| ``bradford`` | locality | Bradford (E08000032) |
| ``coach`` | coach | the Best Start initiative |
| ``steward`` | steward | the Best Start initiative |
| ``admin`` | admin | everything |
| ``viewer`` | viewer | everything |
"""

from dataclasses import dataclass

from sqlalchemy import Engine

from qi.access import Principal
from qi.demo.partnership import BEST_START, BRADFORD, LEEDS
from qi.store.access import add_grant, add_person, local_person, read_people

DEMO_PASSWORD = "try qi as this role"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    place: str | None = None
    initiative: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("leeds", "Leeds locality analyst (demo)", "locality", place=LEEDS),
    DemoAccount("bradford", "Bradford locality analyst (demo)", "locality", place=BRADFORD),
    DemoAccount("coach", "Best Start improvement coach (demo)", "coach", initiative=BEST_START),
    DemoAccount("steward", "Best Start stewardship group (demo)", "steward", initiative=BEST_START),
    DemoAccount("admin", "Administrator (demo)", "admin"),
    DemoAccount("viewer", "Board viewer (demo)", "viewer"),
)


def load_demo_accounts(engine: Engine, principal: Principal) -> int:
    """Add the demonstration accounts that are not there yet, with their grants; returns how
    many were added. ``principal`` must be allowed to manage people."""
    known = set(read_people(engine, principal)["person"])
    added = 0
    for account in DEMO_ACCOUNTS:
        person = local_person(account.username)
        if person in known:
            continue
        add_person(
            engine, principal, username=account.username, name=account.name, password=DEMO_PASSWORD
        )
        add_grant(
            engine,
            principal,
            person,
            account.role,
            place=account.place,
            initiative=account.initiative,
            everything=account.place is None and account.initiative is None,
        )
        added += 1
    return added
