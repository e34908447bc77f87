"""The kinds of breakdown kept in the store: seeded with the vocabulary qi had before, added to
by an admin only, every change audited (both backends)."""

import pytest
from click.testing import CliRunner

from qi.access import EVERYTHING, Grant, Principal, local_admin
from qi.cli import main
from qi.store.access import StoreRefused, read_audit
from qi.store.breakdowns import (
    BreakdownError,
    add_breakdown_groups,
    add_breakdown_kind,
    read_breakdown_kinds,
)
from qi.store.places import read_rollup
from qi.vocabulary.breakdowns import SEED_KINDS

ADMIN = local_admin("tester")


def _role(role: str) -> Principal:
    return Principal(f"local:{role}", role.title(), (Grant(role, EVERYTHING),))


def test_the_store_starts_with_the_kinds_qi_had(engine):
    kinds = read_breakdown_kinds(engine)
    assert list(kinds.kinds.values()) == list(SEED_KINDS)
    assert kinds.accepts("imd_quintile:5") and not kinds.accepts("imd_quintile:6")
    assert kinds.accepts("sex:female") and not kinds.accepts("income:low")
    assert kinds.words("imd_decile:1") == "deprivation decile (IMD, 1 = most deprived): 1"


def test_an_admin_adds_a_kind_and_groups_each_audited(engine):
    added = add_breakdown_kind(engine, ADMIN, "care_status", "care status", ("looked_after",))
    assert added.groups == ("looked_after",)
    more = add_breakdown_groups(engine, ADMIN, "care_status", ("looked_after", "care_leaver"))
    assert more.groups == ("looked_after", "care_leaver")
    kinds = read_breakdown_kinds(engine)
    assert kinds.kinds["care_status"].label == "care status"
    assert kinds.words("care_status:care_leaver") == "care status: care_leaver"
    audit = read_audit(engine, ADMIN, action="definitions.write")
    assert audit.select("subject", "detail").rows() == [
        ("breakdown kind care_status", "groups added: care_leaver"),
        ("breakdown kind care_status", "care status; groups: looked_after"),
    ]


@pytest.mark.parametrize("role", ["locality", "coach", "steward", "viewer"])
def test_only_an_admin_may_add_a_kind_and_a_refusal_is_audited(engine, role):
    with pytest.raises(StoreRefused):
        add_breakdown_kind(engine, _role(role), "care_status", "care status")
    with pytest.raises(StoreRefused):
        add_breakdown_groups(engine, _role(role), "sex", ("female",))
    assert "care_status" not in read_breakdown_kinds(engine)
    refusals = read_audit(engine, ADMIN, outcome="refused")
    assert refusals["subject"].to_list() == ["breakdown kind sex", "breakdown kind care_status"]


def test_bad_kinds_and_groups_are_refused_with_what_to_do(engine):
    with pytest.raises(ValueError, match="cannot be a kind of breakdown: write it in lower-case"):
        add_breakdown_kind(engine, ADMIN, "Care Status", "care status")
    with pytest.raises(ValueError, match="'all' cannot be a kind"):
        add_breakdown_kind(engine, ADMIN, "all", "all")
    with pytest.raises(ValueError, match="'Looked after' cannot be a group of care_status"):
        add_breakdown_kind(engine, ADMIN, "care_status", "care status", ("Looked after",))
    with pytest.raises(BreakdownError, match="needs its words"):
        add_breakdown_kind(engine, ADMIN, "care_status", " ")
    with pytest.raises(BreakdownError, match="sex is already there: add groups to it"):
        add_breakdown_kind(engine, ADMIN, "sex", "sex")
    with pytest.raises(BreakdownError, match="there is no kind of breakdown 'income'"):
        add_breakdown_groups(engine, ADMIN, "income", ("low",))
    assert list(read_breakdown_kinds(engine).kinds.values()) == list(SEED_KINDS)


def test_an_added_kind_is_rolled_up_like_the_seeded_ones(engine):
    from tests.store.test_places import JAN, _setup, _store

    _setup(engine)
    add_breakdown_kind(engine, ADMIN, "care_status", "care status", ("looked_after", "not"))
    _store(
        engine,
        [
            ("L1", JAN, "care_status:looked_after", 1, 4),
            ("L2", JAN, "care_status:looked_after", 2, 6),
            ("L1", JAN, "care_status:not", 5, 20),
        ],
    )
    rolled = read_rollup(engine, ADMIN, "seen_in_time", "ward", "lsoa", breakdown="care_status")
    assert rolled.select("place", "breakdown", "numerator", "denominator").rows() == [
        ("W1", "care_status:looked_after", 3.0, 10.0),
        ("W1", "care_status:not", 5.0, 20.0),
    ]
    with pytest.raises(ValueError, match="'income' is not a breakdown"):
        read_rollup(engine, ADMIN, "seen_in_time", "ward", "lsoa", breakdown="income")


def test_qi_breakdowns_add_and_list(sqlite_url):
    runner = CliRunner()
    added = runner.invoke(
        main,
        ["breakdowns", "add", "care_status", "--words", "care status", "--group", "looked_after"],
        env={"QI_DATABASE_URL": sqlite_url},
    )
    assert added.exit_code == 0, added.output
    assert added.output == "care_status: care status (looked_after)\n"
    more = runner.invoke(
        main, ["breakdowns", "add", "care_status", "--group", "care_leaver", "--db", sqlite_url]
    )
    assert more.output == "care_status: care status (looked_after, care_leaver)\n"
    listed = runner.invoke(main, ["breakdowns", "list", "--db", sqlite_url]).output.splitlines()
    assert (
        listed[0] == "imd_quintile: deprivation quintile (IMD, 1 = most deprived) (1, 2, 3, 4, 5)"
    )
    assert "sex: sex (any group)" in listed
    assert listed[-1] == "care_status: care status (looked_after, care_leaver)"
    new = runner.invoke(main, ["breakdowns", "add", "income", "--db", sqlite_url])
    assert new.exit_code == 2 and "say how it reads with --words" in new.output
    bad = runner.invoke(main, ["breakdowns", "add", "sex", "--group", "Male", "--db", sqlite_url])
    assert bad.exit_code == 1 and "'Male' cannot be a group of sex" in bad.output
