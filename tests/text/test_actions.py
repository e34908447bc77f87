from datetime import date

from qi.text.actions import action_status

TODAY = date(2026, 12, 2)


def test_an_open_action_past_its_due_day_is_overdue():
    assert action_status("open", date(2026, 12, 1), TODAY) == "Overdue"


def test_an_action_due_today_or_later_or_without_a_due_day_is_open():
    assert action_status("open", TODAY, TODAY) == "Open"
    assert action_status("open", None, TODAY) == "Open"


def test_a_done_action_is_never_overdue():
    assert action_status("done", date(2020, 1, 1), TODAY) == "Done"
