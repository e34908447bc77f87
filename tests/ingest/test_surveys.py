"""Survey answers from a form tool: every problem at its row and column, nothing half-stored;
the question bank and a team's own questions."""

from datetime import date

import polars as pl
import pytest

from qi.access import local_admin
from qi.ingest.surveys import ingest_answers
from qi.store import upsert_places
from qi.store.surveys import SurveyError, add_question, read_answers, read_questions

TODAY = date(2025, 6, 30)


def _places(engine) -> None:
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": ["E06000015", "E06000018"],
                "name": ["Derby", "Nottingham"],
                "type": ["local_authority"] * 2,
                "parent": [None] * 2,
                "gss_code": [None] * 2,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )


def test_the_bank_holds_the_frameworks_three_questions_and_the_twelve_esq_items(engine):
    questions = read_questions(engine)
    assert questions["wording"].head(3).to_list() == [
        "Did support make a positive difference to you?",
        "Were you treated fairly and with respect?",
        "Were you involved and listened to?",
    ]
    esq = questions.filter(pl.col("scale") == "esq3")
    assert esq.height == 12
    assert esq["wording"][0] == "I feel that the people who saw me listened to me"
    # Items 9 to 12 as the UK SNOMED CT terms for the 12-18 self-report word them (concepts
    # 1035941000000104 to 1035971000000105; SNOMED writes "do not" where the form has "don't").
    published = [
        "my appointments are usually at a convenient time (e.g. do not interfere with school, "
        "clubs, college, work)",
        "it is quite easy to get to the place where I have my appointments",
        "if a friend needed this sort of help, I would suggest to them to come here",
        "overall, the help I have received here is good",
    ]
    stored = [w.replace("don't", "do not") for w in esq["wording"].tail(4)]
    assert [w[0].lower() + w[1:] for w in stored] == published


def test_a_valid_file_is_stored_with_answers_as_numbers_on_their_scale(engine):
    _places(engine)
    content = (
        b"Place,Date,Question,Answer,Voice,Breakdown\n"
        b"E06000015,2025-03-14,esq_01,Certainly true,Child or young person,Age_band:0-11\n"
        b"E06000015,14/03/2025,esq_01,partly TRUE ,,\n"
        b"E06000018,2025-04-02,treated_fairly,3,professional,\n"
        b"E06000018,2025-04-02,treated_fairly,Don\xe2\x80\x99t know,,\n"
    )
    report = ingest_answers(engine, local_admin("tester"), content, "answers.csv", today=TODAY)
    assert report.outcome == "stored", report.render()
    assert read_answers(engine, local_admin("tester")).select(
        "question", "answer", "voice", "breakdown"
    ).rows() == [
        ("esq_01", 3, "child_or_young_person", "age_band:0-11"),
        ("esq_01", 2, None, None),
        ("treated_fairly", 3, "professional", None),
        ("treated_fairly", 0, None, None),
    ]


def test_each_problem_is_reported_at_its_cell_and_nothing_is_stored(engine):
    _places(engine)
    content = (
        b"Place,Date,Question,Answer,Voice\n"
        b"E06000015,2025-03-14,esq_01,Certainly true,\n"  # row 2: fine
        b"E06000015,2025-03-14,felt_safe,Agree,\n"  # row 3: unknown question
        b"E06000015,2025-03-14,esq_01,Strongly agree,\n"  # row 4: not on the ESQ scale
        b"E06000015,2025-07-01,esq_01,Not true,\n"  # row 5: in the future
        b"E0600001X,2025-03-14,esq_01,Not true,\n"  # row 6: unknown place
        b"E06000015,2025-03-14,esq_01,7,\n"  # row 7: no answer 7 on the scale
        b"E06000015,2025-03-14,esq_01,Not true,teacher\n"  # row 8: unknown voice
        b"E06000015,soon,esq_01,Not true,\n"  # row 9: not a date
    )
    report = ingest_answers(engine, local_admin("tester"), content, "answers.csv", today=TODAY)
    assert report.outcome == "rejected"
    found = set(report.errors.select("row", "column", "value").rows())
    assert found == {
        (3, "Question", "felt_safe"),
        (4, "Answer", "Strongly agree"),
        (5, "Date", "2025-07-01"),
        (6, "Place", "E0600001X"),
        (7, "Answer", "7"),
        (8, "Voice", "teacher"),
        (9, "Date", "soon"),
    }
    text = report.render()
    assert "row 4, column 'Answer': 'Strongly agree' is not an answer to esq_01" in text
    assert "Certainly true" in text and "Nothing was stored" in text
    assert read_answers(engine, local_admin("tester")).height == 0


def test_a_file_without_an_answer_column_says_which_columns_it_needs(engine):
    report = ingest_answers(
        engine, local_admin("tester"), b"place,date,question\nx,2025-01-01,esq_01\n", "a.csv"
    )
    assert report.outcome == "rejected"
    assert "no 'answer' column" in report.render()


def test_a_team_adds_its_own_question_and_its_answers_are_read_on_its_scale(engine):
    _places(engine)
    add_question(
        engine,
        local_admin("tester"),
        "felt_safe",
        "I felt safe here",
        "agree5",
        [4, 5],
        source="our panel",
    )
    with pytest.raises(SurveyError, match="exists already"):
        add_question(engine, local_admin("tester"), "felt_safe", "Again", "agree5", [5])
    with pytest.raises(SurveyError, match=r"positive answers \[6\] are not on the agree5 scale"):
        add_question(engine, local_admin("tester"), "other", "Other", "agree5", [5, 6])
    with pytest.raises(SurveyError, match="unknown answer scale 'stars'"):
        add_question(engine, local_admin("tester"), "other", "Other", "stars", [5])
    assert read_questions(engine).row(-1) == (
        "felt_safe",
        "I felt safe here",
        "agree5",
        [4, 5],
        "our panel",
    )
    report = ingest_answers(
        engine,
        local_admin("tester"),
        b"place,date,question,answer\nE06000015,2025-05-01,felt_safe,Agree\n",
        "a.csv",
        today=TODAY,
    )
    assert report.outcome == "stored", report.render()
    assert read_answers(engine, local_admin("tester"))["answer"].to_list() == [4]


def test_qi_answers_import_stores_a_file_or_rejects_it_with_exit_status_1(database_url, tmp_path):
    from click.testing import CliRunner

    from qi.cli import main
    from qi.store import open_store

    _places(open_store(database_url))
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("place,date,question,answer\nE06000015,2025-05-01,esq_12,Certainly true\n")
    bad.write_text("place,date,question,answer\nE06000015,2025-05-01,esq_12,Yes\n")
    runner = CliRunner()
    stored = runner.invoke(main, ["answers", "import", str(good), "--db", database_url])
    assert stored.exit_code == 0, stored.output
    assert "Stored: 1 survey answers" in stored.output
    rejected = runner.invoke(main, ["answers", "import", str(bad), "--db", database_url])
    assert rejected.exit_code == 1
    assert "row 2, column 'answer': 'Yes' is not an answer to esq_12" in rejected.output
