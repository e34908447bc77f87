"""A write the store cannot do now is said as "busy, try again", on every page that writes."""

import qi.ingest
from qi.app.errors import said
from qi.store.errors import FieldTooLong, StoreBusy

from .conftest import leeds_referrals_csv
from .test_pages import open_page, texts


def test_a_busy_database_is_said_as_busy_try_again_and_never_as_locked():
    assert said(StoreBusy(60)).startswith("the database is busy with another change")
    assert "try again" in said(StoreBusy(60)) and "locked" not in said(StoreBusy(60))
    assert said(FieldTooLong([("title", 300, 255)])).startswith("title is 300 characters long")


def test_an_upload_while_the_database_is_busy_says_so_and_stores_nothing(demo_url, monkeypatch):
    def busy(*args, **kwargs):
        raise StoreBusy(60)

    monkeypatch.setattr(qi.ingest, "ingest_bytes", busy)
    at = open_page("upload.py")
    at.file_uploader[0].set_value(("leeds.csv", leeds_referrals_csv(), "text/csv")).run()
    [check] = [b for b in at.button if b.label == "Check and store"]
    check.click().run()
    assert not at.exception, at.exception
    words = texts(at)
    assert "leeds.csv: not stored." in words
    assert "busy with another change" in words and "try again in a minute" in words
