"""People, grants and the audit, stored: what ``qi.access`` decides with.

- ``guard``: ``qi.access.authorize`` for the store's writers and readers; a refusal is
  recorded in the audit (in a transaction of its own, so it stays when the caller's write is
  rolled back) and raised again.
- ``audit``: one audit row inside the caller's write transaction (what was done, by whom,
  where); ``audit_now`` in a transaction of its own (sign-ins, downloads).
- people: ``add_person``, ``disable_person``, ``read_people``; local sign-in with a lock-out
  (``sign_in``), people from an identity provider (``oidc_principal``).
- grants: ``add_grant``, ``revoke_grant``, ``read_grants``; ``principal_for`` builds a
  ``Principal`` with its live grants, initiatives resolved to their places.
- ``read_audit``: the audit, filtered, for admins. The audit is append-only: the database
  refuses UPDATE and DELETE on it (see migration 0005).
"""

import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache

import polars as pl
from sqlalchemy import Connection, Engine, insert, select, update

from qi.access import EVERYTHING, Grant, Principal, Refused, Scope, authorize
from qi.access.modes import LOCKOUT_FAILURES, LOCKOUT_MINUTES, oidc_person
from qi.access.passwords import hash_password, verify_password
from qi.access.roles import ROLES
from qi.store import clock
from qi.store.engine import new_id, writing
from qi.store.errors import StoreError
from qi.store.frames import read_frame
from qi.store.limits import check_lengths
from qi.store.models import AuditEvent, Initiative, InitiativePlace, Person, Place, RoleGrant

AUDIT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "at": pl.Datetime("us"),
    "person": pl.String(),
    "person_name": pl.String(),
    "action": pl.String(),
    "place": pl.String(),
    "subject": pl.String(),
    "outcome": pl.String(),
    "detail": pl.String(),
}
PEOPLE_SCHEMA: dict[str, pl.DataType] = {
    "person": pl.String(),
    "name": pl.String(),
    "local_account": pl.Boolean(),
    "disabled": pl.Boolean(),
    "locked_until": pl.Datetime("us"),
    "last_sign_in_at": pl.Datetime("us"),
    "created_by": pl.String(),
    "created_at": pl.Datetime("us"),
}
GRANT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "person": pl.String(),
    "role": pl.String(),
    "scope": pl.String(),
    "place": pl.String(),
    "initiative": pl.String(),
    "granted_by": pl.String(),
    "granted_at": pl.Datetime("us"),
    "expires_at": pl.Datetime("us"),
    "revoked_by": pl.String(),
    "revoked_at": pl.Datetime("us"),
}


class StoreRefused(Refused, StoreError):
    """A refusal raised by the store: a ``qi.access.Refused`` that is also a ``StoreError``, so
    whatever shows a write the store did not do shows this one too."""


class AccessError(ValueError):
    """A person or grant cannot be recorded as given; the message says why and how to fix it."""


class SignInFailed(PermissionError):
    """A sign-in that did not succeed; the message never says whether the name exists."""


# --- the audit ------------------------------------------------------------------------------------


def _event(
    principal: Principal,
    action: str,
    outcome: str,
    place: str | None,
    subject: str | None,
    detail: str | None,
) -> dict:
    return {
        "at": clock.now(),
        "person": principal.person[:255],
        "person_name": principal.name[:255],
        "action": action[:64],
        "place": None if place is None else place[:64],
        "subject": None if subject is None else subject[:255],
        "outcome": outcome,
        "detail": detail,
    }


def audit(
    connection: Connection,
    principal: Principal,
    action: str,
    *,
    place: str | None = None,
    subject: str | None = None,
    outcome: str = "done",
    detail: str | None = None,
) -> None:
    """Record what ``principal`` did, inside the caller's write transaction."""
    connection.execute(
        insert(AuditEvent).values(**_event(principal, action, outcome, place, subject, detail))
    )


def audit_now(
    engine: Engine,
    principal: Principal,
    action: str,
    *,
    place: str | None = None,
    subject: str | None = None,
    outcome: str = "done",
    detail: str | None = None,
) -> None:
    """Record an event in a transaction of its own (sign-in, sign-out, a download)."""
    with writing(engine) as connection:
        audit(
            connection,
            principal,
            action,
            place=place,
            subject=subject,
            outcome=outcome,
            detail=detail,
        )


def guard(
    engine: Engine,
    principal: Principal,
    action: str,
    places: Iterable[str | None] = (),
    *,
    scope: Scope | None = None,
    subject: str | None = None,
) -> None:
    """``authorize`` ``action`` at each of ``places`` (place codes; None: every place, which
    needs a grant over everything), or on ``scope``; a refusal is audited, then raised."""
    scopes = [scope] if scope is not None else []
    scopes += [EVERYTHING if p is None else Scope.place(p) for p in sorted(set(places), key=str)]
    for each in scopes:
        try:
            authorize(principal, action, each)
        except Refused as refused:
            place = each.name if each.kind == "place" else None
            audit_now(
                engine,
                principal,
                action,
                place=place,
                subject=subject or (str(each) if each.kind != "place" else None),
                outcome="refused",
                detail=str(refused),
            )
            raise StoreRefused(principal, action, each) from None


def read_audit(
    engine: Engine,
    principal: Principal,
    *,
    person: str | None = None,
    action: str | None = None,
    place: str | None = None,
    outcome: str | None = None,
    since: date | datetime | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    """The audit (``AUDIT_SCHEMA``), newest first, filtered; needs ``audit.read``."""
    guard(engine, principal, "audit.read", scope=EVERYTHING)
    query = select(*(getattr(AuditEvent, c) for c in AUDIT_SCHEMA)).order_by(AuditEvent.id.desc())
    # Filters are resolved to ids first: frames render literals, and only ids may be literals.
    wanted = select(AuditEvent.id)
    filters = [
        (AuditEvent.person, person),
        (AuditEvent.action, action),
        (AuditEvent.place, place),
        (AuditEvent.outcome, outcome),
    ]
    if any(v is not None for _, v in filters) or since is not None:
        for column, value in filters:
            if value is not None:
                wanted = wanted.where(column == value)
        if since is not None:
            start = since if isinstance(since, datetime) else datetime(*since.timetuple()[:3])
            wanted = wanted.where(AuditEvent.at >= start)
        with engine.connect() as connection:
            ids = list(connection.execute(wanted).scalars())
        query = query.where(AuditEvent.id.in_(ids))
    if limit is not None:
        query = query.limit(int(limit))
    return read_frame(engine, query, AUDIT_SCHEMA)


# --- people ---------------------------------------------------------------------------------------


def local_person(username: str) -> str:
    """qi's key for a local account."""
    return f"local:{username}"


def _check_username(username: str) -> None:
    if not username or not all(c.isalnum() or c in "._-" for c in username):
        raise AccessError(
            f"{username!r} cannot be a user name: use letters, digits, '.', '_' or '-'"
        )


def add_person(
    engine: Engine,
    principal: Principal,
    *,
    username: str | None = None,
    person: str | None = None,
    name: str,
    password: str | None = None,
) -> str:
    """Add a local account (``username``, with a ``password``) or a person from the identity
    provider (``person``: ``oidc:<issuer>|<subject>``); returns qi's key for them. Needs
    ``people.manage``."""
    if (username is None) == (person is None):
        raise AccessError("give a user name (a local account) or a person key, one of them")
    if username is not None:
        _check_username(username)
        person = local_person(username)
    assert person is not None
    if not name or not name.strip():
        raise AccessError("a person needs a name, as it will appear on what they record")
    guard(engine, principal, "people.manage", scope=EVERYTHING, subject=f"person {person}")
    hashed = hash_password(password) if password is not None else None
    row = dict(person=person, name=name.strip(), created_by=principal.name)
    check_lengths(Person, row)
    with writing(engine) as connection:
        if connection.execute(select(Person.id).where(Person.person == person)).first():
            raise AccessError(f"{person} exists already; choose another user name")
        connection.execute(
            insert(Person).values(
                **row,
                password_hash=hashed,
                disabled=False,
                failed_sign_ins=0,
                created_at=clock.now(),
            )
        )
        audit(connection, principal, "people.add", subject=f"person {person}")
    return person


def disable_person(engine: Engine, principal: Principal, person: str) -> None:
    """Disable a person: they can no longer sign in, and their grants count for nothing."""
    guard(engine, principal, "people.manage", scope=EVERYTHING, subject=f"person {person}")
    with writing(engine) as connection:
        done = connection.execute(
            update(Person).where(Person.person == person).values(disabled=True)
        )
        if done.rowcount != 1:
            raise AccessError(f"nobody is known as {person}; see qi users list")
        audit(connection, principal, "people.disable", subject=f"person {person}")


def read_people(engine: Engine, principal: Principal) -> pl.DataFrame:
    """Everyone known to qi (``PEOPLE_SCHEMA``), by key; needs ``people.manage``."""
    guard(engine, principal, "people.manage", scope=EVERYTHING)
    query = select(
        Person.person,
        Person.name,
        Person.password_hash.is_not(None),
        Person.disabled,
        Person.locked_until,
        Person.last_sign_in_at,
        Person.created_by,
        Person.created_at,
    ).order_by(Person.person)
    with engine.connect() as connection:
        rows = [
            (*row[:2], bool(row[2]), bool(row[3]), *row[4:]) for row in connection.execute(query)
        ]
    return pl.DataFrame(rows, schema=PEOPLE_SCHEMA, orient="row")


# --- grants ---------------------------------------------------------------------------------------


def add_grant(
    engine: Engine,
    principal: Principal,
    person: str,
    role: str,
    *,
    place: str | None = None,
    initiative: str | None = None,
    everything: bool = False,
    expires_at: datetime | None = None,
) -> int:
    """Grant ``role`` to ``person`` over a place (code), an initiative (name) or everything
    (exactly one); returns the grant's id. Needs ``people.manage``."""
    if role not in ROLES:
        raise AccessError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    if sum((place is not None, initiative is not None, everything)) != 1:
        raise AccessError("a grant is over one place, one initiative, or everything: give one")
    scope = (
        Scope.place(place)
        if place is not None
        else Scope.initiative(initiative)
        if initiative is not None
        else EVERYTHING
    )
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise AccessError(f"the grant would expire at {expires_at}, which has passed")
    guard(engine, principal, "people.manage", scope=EVERYTHING, subject=f"person {person}")
    with writing(engine) as connection:
        person_id = connection.execute(select(Person.id).where(Person.person == person)).scalar()
        if person_id is None:
            raise AccessError(f"nobody is known as {person}; add them first (qi users add)")
        place_id = initiative_id = None
        if place is not None:
            place_id = connection.execute(select(Place.id).where(Place.code == place)).scalar()
            if place_id is None:
                raise AccessError(f"unknown place code {place!r}; check the place's code")
        if initiative is not None:
            initiative_id = connection.execute(
                select(Initiative.id).where(Initiative.name == initiative)
            ).scalar()
            if initiative_id is None:
                raise AccessError(f"unknown initiative {initiative!r}; check its name")
        grant_id = new_id(
            connection.execute(
                insert(RoleGrant).values(
                    person_id=person_id,
                    role=role,
                    scope=scope.kind,
                    place_id=place_id,
                    initiative_id=initiative_id,
                    granted_by=principal.name,
                    granted_at=now,
                    expires_at=expires_at,
                )
            )
        )
        audit(
            connection,
            principal,
            "grants.add",
            place=place,
            subject=f"grant {grant_id}: {role} over {scope} to {person}",
        )
    return grant_id


def revoke_grant(engine: Engine, principal: Principal, grant_id: int) -> None:
    """Revoke a grant (kept, with who revoked it and when)."""
    guard(engine, principal, "people.manage", scope=EVERYTHING, subject=f"grant {grant_id}")
    with writing(engine) as connection:
        done = connection.execute(
            update(RoleGrant)
            .where(RoleGrant.id == int(grant_id), RoleGrant.revoked_at.is_(None))
            .values(revoked_by=principal.name, revoked_at=clock.now())
        )
        if done.rowcount != 1:
            raise AccessError(f"no grant {grant_id} to revoke (revoked already?)")
        audit(connection, principal, "grants.revoke", subject=f"grant {grant_id}")


def _grants_query():
    return (
        select(
            RoleGrant.id,
            Person.person,
            RoleGrant.role,
            RoleGrant.scope,
            Place.code,
            Initiative.name,
            RoleGrant.granted_by,
            RoleGrant.granted_at,
            RoleGrant.expires_at,
            RoleGrant.revoked_by,
            RoleGrant.revoked_at,
        )
        .join(Person, Person.id == RoleGrant.person_id)
        .outerjoin(Place, Place.id == RoleGrant.place_id)
        .outerjoin(Initiative, Initiative.id == RoleGrant.initiative_id)
        .order_by(RoleGrant.id)
    )


def read_grants(engine: Engine, principal: Principal, person: str | None = None) -> pl.DataFrame:
    """Every grant (``GRANT_SCHEMA``), revoked ones too, oldest first; needs ``people.manage``."""
    guard(engine, principal, "people.manage", scope=EVERYTHING)
    with engine.connect() as connection:
        rows = connection.execute(
            _grants_query().where(Person.person == person)
            if person is not None
            else _grants_query()
        ).all()
    return pl.DataFrame(rows, schema=GRANT_SCHEMA, orient="row")


def _with_places_within(connection: Connection, codes: Iterable[str]) -> frozenset[str]:
    """``codes`` and the codes of every place within them, at any depth (a local authority's
    wards and their LSOAs): a recursive query down ``places.parent_id``."""
    start = sorted(set(codes))
    if not start:
        return frozenset()
    down = select(Place.id, Place.code).where(Place.code.in_(start)).cte("within", recursive=True)
    child = Place.__table__.alias("child")
    down = down.union_all(
        select(child.c.id, child.c.code).join(down, child.c.parent_id == down.c.id)
    )
    return frozenset(connection.execute(select(down.c.code)).scalars())


def principal_for(engine: Engine, person: str) -> Principal:
    """The principal for a stored person: their live grants (not revoked, not expired), each
    resolved to the places it covers: a place's grant covers it and every place within it (a
    local authority's wards and LSOAs), an initiative's its places and every place within
    them. A disabled or unknown person raises ``SignInFailed``."""
    now = clock.now()
    with engine.connect() as connection:
        found = connection.execute(
            select(Person.name, Person.disabled).where(Person.person == person)
        ).first()
        if found is None or found.disabled:
            raise SignInFailed(
                f"{person} is not an active person in qi; an administrator can add them "
                "(qi users add) or enable them"
            )
        rows = connection.execute(
            _grants_query().where(Person.person == person, RoleGrant.revoked_at.is_(None))
        ).all()
        members: dict[str, frozenset[str]] = {}
        for row in rows:
            if row.name is not None and row.name not in members:
                members[row.name] = frozenset(
                    connection.execute(
                        select(Place.code)
                        .join(InitiativePlace, InitiativePlace.place_id == Place.id)
                        .join(Initiative, Initiative.id == InitiativePlace.initiative_id)
                        .where(Initiative.name == row.name)
                    ).scalars()
                )
        below = {
            code: _with_places_within(connection, {code})
            for code in {row.code for row in rows if row.scope == "place"}
        }
        members = {name: _with_places_within(connection, codes) for name, codes in members.items()}
    grants = []
    for row in rows:
        if row.expires_at is not None and row.expires_at <= now:
            continue
        if row.scope == "place":
            grants.append(Grant(row.role, Scope.place(row.code), below[row.code]))
        elif row.scope == "initiative":
            grants.append(Grant(row.role, Scope.initiative(row.name), members[row.name]))
        else:
            grants.append(Grant(row.role, EVERYTHING))
        grants[-1] = Grant(grants[-1].role, grants[-1].scope, grants[-1].places, row.expires_at)
    return Principal(person, found.name, tuple(grants))


# --- signing in -----------------------------------------------------------------------------------


@cache
def unknown_user_hash() -> str:
    """A hash at the default settings that no password matches: checked when a sign-in names
    nobody, so that costs what a wrong password costs (no timing leak of who exists)."""
    return hash_password(secrets.token_urlsafe(32))


def _anonymous(who: str) -> Principal:
    return Principal(who, who)


def sign_in(engine: Engine, username: str, password: str) -> Principal:
    """A local account's sign-in: the principal, or ``SignInFailed`` (audited either way).

    After ``LOCKOUT_FAILURES`` failures in a row the account is locked for ``LOCKOUT_MINUTES``:
    while locked even the right password is refused."""
    person = local_person(username)
    now = clock.now()
    with engine.connect() as connection:
        found = connection.execute(
            select(Person.password_hash, Person.disabled, Person.locked_until, Person.name).where(
                Person.person == person
            )
        ).first()
    refused = SignInFailed("the user name or password is not right, or the account is locked")
    if found is None or found.password_hash is None or found.disabled:
        # The same scrypt work as a wrong password, so the time taken does not tell a guesser
        # which user names exist.
        verify_password(password, unknown_user_hash())
        audit_now(engine, _anonymous(person), "sign-in", outcome="failed", detail="unknown")
        raise refused
    right = verify_password(password, found.password_hash)  # locked or not: the same work
    if found.locked_until is not None and found.locked_until > now:
        audit_now(engine, _anonymous(person), "sign-in", outcome="failed", detail="locked")
        raise refused
    if not right:
        with writing(engine) as connection:
            failures = connection.execute(
                update(Person)
                .where(Person.person == person)
                .values(failed_sign_ins=Person.failed_sign_ins + 1)
                .returning(Person.failed_sign_ins)
            ).scalar_one()
            detail = "wrong password"
            if failures >= LOCKOUT_FAILURES:
                connection.execute(
                    update(Person)
                    .where(Person.person == person)
                    .values(
                        failed_sign_ins=0, locked_until=now + timedelta(minutes=LOCKOUT_MINUTES)
                    )
                )
                detail = f"wrong password; locked for {LOCKOUT_MINUTES} minutes"
            audit(connection, _anonymous(person), "sign-in", outcome="failed", detail=detail)
        raise refused
    principal = principal_for(engine, person)
    with writing(engine) as connection:
        connection.execute(
            update(Person)
            .where(Person.person == person)
            .values(failed_sign_ins=0, locked_until=None, last_sign_in_at=now)
        )
        audit(connection, principal, "sign-in")
    return principal


def oidc_principal(engine: Engine, claims: dict) -> Principal:
    """The principal for someone the identity provider signed in (keyed on issuer + subject).
    Someone new is recorded as a person with no grants (an admin grants them roles); their
    name is the token's ``name`` (else ``preferred_username``, else the subject)."""
    person = oidc_person(claims)
    name = str(claims.get("name") or claims.get("preferred_username") or claims["sub"])[:128]
    now = clock.now()
    with writing(engine) as connection:
        known = connection.execute(
            select(Person.id, Person.last_sign_in_at).where(Person.person == person)
        ).first()
        last = None if known is None else known.last_sign_in_at
        if known is None:
            connection.execute(
                insert(Person).values(
                    person=person,
                    name=name,
                    disabled=False,
                    failed_sign_ins=0,
                    created_by="identity provider",
                    created_at=now,
                )
            )
    principal = principal_for(engine, person)
    if not _new_token(claims, last):
        return principal  # the same sign-in, in a new browser tab or after a reload
    with writing(engine) as connection:
        connection.execute(
            update(Person).where(Person.person == person).values(last_sign_in_at=now)
        )
        audit(connection, principal, "sign-in")
    return principal


def _new_token(claims: dict, last_sign_in: datetime | None) -> bool:
    """Whether the provider issued this token (``iat``) after qi last recorded a sign-in:
    Streamlit keeps the identity cookie across tabs and reloads, each a new app session."""
    issued = claims.get("iat")
    if last_sign_in is None or issued is None:
        return True
    return datetime.fromtimestamp(float(issued), UTC).replace(tzinfo=None) > last_sign_in


def sign_out(engine: Engine, principal: Principal, detail: str | None = None) -> None:
    """Record a sign-out (``detail``: why, when qi signed them out itself)."""
    audit_now(engine, principal, "sign-out", detail=detail)


__all__ = [
    "AUDIT_SCHEMA",
    "AccessError",
    "SignInFailed",
    "StoreRefused",
    "add_grant",
    "add_person",
    "audit",
    "audit_now",
    "disable_person",
    "guard",
    "oidc_principal",
    "principal_for",
    "read_audit",
    "read_grants",
    "read_people",
    "revoke_grant",
    "sign_in",
    "sign_out",
]
