"""A measure's purpose, statutory source and outcome domains, read from a definitions file."""

from qi.access import local_admin
from qi.ingest.definitions import import_definitions
from qi.store.outcomes import purpose_history, read_purposes

HEADER = "code,name,kind,improvement,frequency,target,purpose,domains,statutory_source\n"


def test_purpose_domains_and_statutory_source_are_stored_with_the_measure(engine, tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text(
        HEADER + "ehcp_20_weeks,EHCPs issued within 20 weeks,proportion,up,month,60,Performance,"
        '"learning_and_growing; Safe",SEND Regulations 2014 reg. 13\n'
        "cla_placements,Children looked after with 3+ placements,proportion,down,month,,outcome,"
        '"safe; Supported to learn, grow and develop",\n'
        "referrals,Referrals to early help,count,neither,month,,need,,\n"
    )
    report = import_definitions(engine, local_admin("alice"), path, "measures")
    assert report.outcome == "stored", report.render()
    assert read_purposes(engine).rows() == [
        ("cla_placements", "outcome", None, ["learning_and_growing", "safe"]),
        (
            "ehcp_20_weeks",
            "performance",
            "SEND Regulations 2014 reg. 13",
            ["learning_and_growing", "safe"],
        ),
        ("referrals", "need", None, []),
    ]
    # The import versions what it set, as the person importing.
    history = purpose_history(engine, "ehcp_20_weeks")
    assert history.select("version", "purpose", "changed_by").rows() == [
        (1, "performance", "alice")
    ]


def test_changing_only_a_measures_domains_is_written(engine, tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text(HEADER + "m,M,count,up,month,,outcome,happy,\n")
    import_definitions(engine, local_admin("tester"), path, "measures")
    path.write_text(HEADER + "m,M,count,up,month,,outcome,happy; healthy,\n")
    report = import_definitions(engine, local_admin("tester"), path, "measures")
    assert report.outcome == "stored", report.render()
    assert read_purposes(engine).row(0) == ("m", "outcome", None, ["happy", "healthy"])


def test_an_unknown_purpose_or_domain_is_an_error_at_its_cell_and_nothing_is_stored(
    engine, tmp_path
):
    path = tmp_path / "measures.csv"
    path.write_text(
        HEADER + "a,A,count,up,month,,outcome,safe,\n"
        "b,B,count,up,month,,target,safe,\n"
        "c,C,count,up,month,,outcome,safe; wealthy,\n"
        "d,D,count,up,month,,need,,Children Act 1989\n"
    )
    report = import_definitions(engine, local_admin("tester"), path, "measures")
    assert report.outcome == "rejected"
    found = report.problems.select("severity", "row", "column", "value").rows()
    assert ("error", 3, "purpose", "target") in found
    assert ("error", 4, "domains", "wealthy") in found
    assert ("warning", 5, "statutory_source", "Children Act 1989") in found
    assert read_purposes(engine).height == 0


def test_a_measure_naming_a_question_becomes_an_experience_measure(engine, tmp_path):
    from qi.store.surveys import read_experience_measures

    path = tmp_path / "measures.csv"
    path.write_text(
        "code,name,kind,improvement,frequency,question,voice,minimum_answers\n"
        "fair,Treated fairly,Proportion,up,month,treated_fairly,child or young person,8\n"
        "diff,Made a difference,proportion,up,month,positive_difference,,\n"
    )
    report = import_definitions(engine, local_admin("tester"), path, "measures")
    assert report.outcome == "stored", report.render()
    assert read_experience_measures(engine).rows() == [
        ("diff", "positive_difference", None, 10),
        ("fair", "treated_fairly", "child_or_young_person", 8),
    ]


def test_an_experience_measure_with_a_wrong_cell_is_refused_at_that_cell(engine, tmp_path):
    from qi.store.surveys import read_experience_measures

    path = tmp_path / "measures.csv"
    path.write_text(
        "code,name,kind,improvement,frequency,question,voice,minimum_answers\n"
        "a,A,count,up,month,treated_fairly,,\n"
        "b,B,proportion,up,month,felt_safe,,\n"
        "c,C,proportion,up,month,treated_fairly,teacher,0\n"
    )
    report = import_definitions(engine, local_admin("tester"), path, "measures")
    assert report.outcome == "rejected"
    assert set(report.errors.select("row", "column", "value").rows()) == {
        (2, "kind", "count"),
        (3, "question", "felt_safe"),
        (4, "voice", "teacher"),
        (4, "minimum_answers", "0"),
    }
    assert read_experience_measures(engine).height == 0
