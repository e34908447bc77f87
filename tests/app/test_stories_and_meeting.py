"""The stories of change and meeting pages, run by Streamlit's AppTest on the demo database."""

import json
import re
from datetime import date
from html import escape

import polars as pl
from streamlit.testing.v1 import AppTest

from qi.access import local_admin
from qi.app.context import chart_href, chart_query
from qi.app.widgets import plain
from qi.store import open_store
from qi.store.meetings import read_actions
from qi.store.stories import read_stories

from .test_pages import choose, open_page, table_with, texts

BEST_START = "Best Start: healthy under-fives"
WAKEFIELD, BREASTFEEDING = "E08000036", "breastfeeding_6_8_weeks"
KIRKLEES, REFERRALS = "E08000034", "cyp_mh_referrals"
BRADFORD, ASTHMA = "E08000032", "cyp_asthma_admissions"
EARLY_SUPPORT = "Early support for emotional wellbeing"
JANUARY_2025 = date(2025, 1, 1)
NEW = "qi.story.new.0"  # the first round of the Add a story form
SCRIPT_NARRATIVE = 'Mum said: <script>alert("x")</script> it was <b>so</b> much easier.'


def add_story(at: AppTest, title: str, narrative: str, **fields) -> AppTest:
    """Fill the Add a story form as a person does, one choice at a time, and add it."""
    at.text_input(key=f"{NEW}.title").input(title)
    at.text_area(key=f"{NEW}.narrative").input(narrative)
    at.date_input(key=f"{NEW}.told_on").set_value(fields.get("told_on", date(2025, 2, 3)))
    at.selectbox(key=f"{NEW}.initiative").set_value(BEST_START).run()
    at.selectbox(key=f"{NEW}.place").set_value(WAKEFIELD).run()
    at.multiselect(key=f"{NEW}.measures").set_value([BREASTFEEDING]).run()
    at.selectbox(key=f"{NEW}.start").set_value(JANUARY_2025)
    at.selectbox(key=f"{NEW}.end").set_value(JANUARY_2025)
    at.selectbox(key=f"{NEW}.voice").set_value(fields.get("voice", "parent_or_carer"))
    at.multiselect(key=f"{NEW}.domains").set_value(["healthy", "socially_connected"])
    at.selectbox(key=f"{NEW}.participation").set_value("views_taken_into_account")
    given = fields.get("consent", CONSENT)
    for name, value in given.items():
        at.selectbox(key=f"{NEW}.{name}").set_value(value)
    at.button(key="qi.story.add").click().run()
    assert not at.exception, at.exception
    return at


CONSENT = {"given_by": "adult_self", "basis": "adult_with_capacity", "scope": "partnership"}
ADMIN = local_admin("tester")


def stories(url: str, **filters) -> pl.DataFrame:
    return read_stories(open_store(url), ADMIN, audience="internal", **filters)


def beside(at: AppTest, key: str) -> list[str]:
    """The errors shown in the column of the widget ``key`` (beside that field)."""
    for column in at.columns:
        if any(getattr(widget, "key", None) == key for widget in column.selectbox):
            return [e.value for e in column.error]
    raise AssertionError(f"no column holds {key}")


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def story_periods(chart) -> list[str]:
    """The periods of the story markers drawn on a chart (its "stories" layer)."""
    spec = json.loads(chart.proto.spec)
    # Streamlit moves each layer's rows out of the spec into named Arrow datasets.
    datasets = {d.name: d.data.data for d in chart.proto.datasets}
    found = []
    for layer in spec["layer"]:
        if layer.get("name") == "stories":
            rows = pl.read_ipc_stream(datasets[layer["data"]["name"]])
            found += rows.get_column("period").to_list()
    return found


def test_a_story_linked_to_a_measure_and_month_is_listed_and_marked_on_its_chart(demo_url):
    at = add_story(open_page("stories.py"), "Peer supporters at the clinic", "It helped.")
    assert "Story added." in [s.value for s in at.success]

    [stored] = stories(demo_url, search="Peer supporters at the clinic").rows(named=True)
    assert stored["place"] == WAKEFIELD and stored["initiative"] == BEST_START
    assert stored["voice"] == "parent_or_carer" and stored["consent_scope"] == "partnership"
    assert (stored["consent_given_by"], stored["consent_given_on"]) == ("adult_self", date.today())
    assert stored["domains"] == ["healthy", "socially_connected"]
    assert stored["measures"] == [BREASTFEEDING]

    listed = pl.from_pandas(at.dataframe[0].value)
    assert "Peer supporters at the clinic" in listed.get_column("Title").to_list()
    assert at.selectbox(key="qi.story.pick").value == stored["id"]  # the new story is open
    assert "Speaks to Breastfeeding at 6-8 weeks (%), Jan 2025" in texts(at)

    # Beside it, the chart of the measure it speaks to, with its marker at January 2025.
    [chart] = charts(at)
    title = json.loads(chart.proto.spec)["title"]["text"]
    assert "Breastfeeding" in title and "Wakefield" in title
    assert "2025-01-01T00:00:00" in story_periods(chart)


def test_a_story_is_marked_on_the_measures_chart_and_read_beside_it(demo_url):
    at = add_story(open_page("stories.py"), "Peer supporters at the clinic", "It helped a lot.")
    story_id = at.selectbox(key="qi.story.pick").value
    at.switch_page("qi/app/pages/measures.py").run()
    choose(at, BREASTFEEDING, WAKEFIELD, BEST_START)
    [chart] = charts(at)
    assert "2025-01-01T00:00:00" in story_periods(chart)
    on_chart = at.selectbox(key=f"qi.chart.story.{BREASTFEEDING}.{WAKEFIELD}")
    assert "Jan 2025: Peer supporters at the clinic" in on_chart.options
    on_chart.set_value(story_id).run()
    assert not at.exception, at.exception
    assert "It helped a lot." in texts(at)
    assert "Peer supporters at the clinic" in [h.value for h in at.subheader]


def test_a_story_without_consent_is_refused_with_each_problem_beside_its_field(demo_url):
    at = add_story(open_page("stories.py"), "No consent", "Told at the door.", consent={})
    assert "the consent needs the changes shown beside its fields" in at.error[0].value
    assert beside(at, f"{NEW}.given_by")[0].startswith("choose who gave consent")
    assert beside(at, f"{NEW}.basis")[0].startswith("choose the basis of consent")
    assert beside(at, f"{NEW}.scope")[0].startswith("choose the consent scope")
    assert at.text_input(key=f"{NEW}.title").value == "No consent"  # what was typed is kept
    assert at.text_area(key=f"{NEW}.narrative").value == "Told at the door."
    assert stories(demo_url, search="No consent").height == 0


def test_consent_from_the_wrong_person_is_refused_beside_who_gave_it(demo_url):
    wrong = {"given_by": "parent_or_carer", "basis": "adult_with_capacity", "scope": "public"}
    at = add_story(
        open_page("stories.py"),
        "Wrong consent",
        "Told at school.",
        consent=wrong,
        voice="professional",
    )
    [who] = beside(at, f"{NEW}.given_by")
    assert "in the voice of a professional is given by 'An adult, for themselves'" in who
    assert "does not fit consent given by a parent or carer" in beside(at, f"{NEW}.basis")[0]
    assert beside(at, f"{NEW}.scope") == []
    assert at.selectbox(key=f"{NEW}.scope").value == "public"  # the choice is kept
    assert stories(demo_url, search="Wrong consent").height == 0


def test_consent_is_renewed_on_the_page_and_its_history_is_listed(demo_url):
    at = open_page("stories.py")
    at.segmented_control(key="qi.sf.review_due").set_value(True).run()
    listed = table_with(at, "Title")
    assert listed.height == 1 and listed["Consent"][0] == "consent review due"
    chosen = at.selectbox(key="qi.story.pick").value
    assert "; review by " in texts(at) and "(consent review due)" in texts(at)
    prefix = f"qi.story.consent.{chosen}.0"
    for name, value in CONSENT.items():
        at.selectbox(key=f"{prefix}.{name}").set_value(value)
    at.button(key=f"qi.story.consent.{chosen}").click().run()
    assert not at.exception, at.exception
    assert "Consent recorded: renewed." in [s.value for s in at.success]
    at.segmented_control(key="qi.sf.review_due").set_value(None).run()
    assert at.selectbox(key="qi.story.pick").value == chosen
    history = table_with(at, "Change")
    assert history["Change"].to_list() == ["Given", "Renewed"]
    assert not stories(demo_url, ids=[chosen])["consent_review_due"][0]


def test_a_free_text_answer_is_made_into_a_story_with_its_consent(demo_url):
    at = open_page("stories.py")
    assert table_with(at, "Answer").height == 5
    answer = at.selectbox(key="qi.story.answer").value
    at.button(key="qi.story.make").click().run()
    prefix = f"qi.story.answer.{answer}.0"
    narrative = at.text_area(key=f"{prefix}.narrative").value
    assert narrative.endswith("(illustrative, written for the qi demo)")
    assert at.text_input(key=f"{prefix}.title").value
    for name, value in CONSENT.items():
        at.selectbox(key=f"{prefix}.{name}").set_value(value)
    at.button(key=f"qi.story.add.{answer}").click().run()
    assert not at.exception, at.exception
    assert "Story added." in [s.value for s in at.success]
    [made] = stories(demo_url, search=narrative[:30]).rows(named=True)
    assert made["narrative"] == narrative and made["consent_scope"] == "partnership"
    assert table_with(at, "Answer").height == 4


def test_script_and_bold_tags_in_a_narrative_are_shown_as_the_characters_typed(demo_url):
    at = add_story(open_page("stories.py"), "<b>Tags</b> in the title", SCRIPT_NARRATIVE)
    shown = [m for m in at.markdown if "alert" in m.value]
    assert shown, "the narrative is not on the page"
    for element in shown:
        assert not element.proto.allow_html
        assert element.value == plain(SCRIPT_NARRATIVE)  # every < and > escaped
    assert SCRIPT_NARRATIVE in texts(at)  # read as shown: the tags, literally
    assert plain("<b>Tags</b> in the title") in [h.value for h in at.subheader]


def test_stories_are_filtered_by_voice_and_by_outcome_domain(demo_url):
    at = open_page("stories.py")
    everyone = pl.from_pandas(at.dataframe[0].value).height
    at.multiselect(key="qi.sf.voices").set_value(["professional"]).run()
    voices = pl.from_pandas(at.dataframe[0].value).get_column("Whose voice")
    assert 0 < voices.len() < everyone and set(voices) == {"Professional"}
    at.multiselect(key="qi.sf.voices").set_value([]).run()
    at.multiselect(key="qi.sf.domains").set_value(["safe"]).run()
    outcomes = pl.from_pandas(at.dataframe[0].value).get_column("Outcomes")
    assert 0 < outcomes.len() < everyone and all("Safe" in o for o in outcomes)


def test_an_edited_story_keeps_its_id_and_shows_the_change(demo_url):
    at = open_page("stories.py")
    chosen = at.selectbox(key="qi.story.pick").value
    at.text_input(key=f"qi.story.edit.{chosen}.0.title").input("A new title for this story")
    at.button(key=f"qi.story.save.{chosen}").click().run()
    assert "Story changed." in [s.value for s in at.success]
    assert "A new title for this story" in [h.value for h in at.subheader]
    [stored] = stories(demo_url, ids=[chosen]).rows(named=True)
    assert stored["title"] == "A new title for this story"


def test_the_meeting_page_shows_the_matrix_with_icons_and_their_words_signals_first(demo_url):
    at = open_page("meeting.py")
    assert at.selectbox(key="qi.meeting.initiative").value == BEST_START
    [matrix] = [h.proto.body for h in at.get("html") if "qi-matrix" in h.proto.body]
    rows = re.findall(r'<th scope="row">([^<]+)</th>', matrix)
    assert rows[0] == "Emergency asthma admissions, children and young people (admissions)"
    assert len(rows) == 3  # Best Start's own three measures, and no other
    assert 'aria-label="Emergency asthma admissions, children and young people at Bradford: ' in (
        matrix
    )
    assert "Special cause improvement (low)" in matrix  # Bradford's asthma admissions
    assert matrix.count("Special cause") == 1 * 2  # its accessible name and its tooltip
    at.selectbox(key=f"qi.meeting.detail.{BEST_START}").set_value("cyp_asthma_admissions").run()
    shown = texts(at)
    assert "Special cause improvement (low)" in shown and "Common cause variation" in shown
    icons = [m.value for m in at.markdown if m.value.startswith("![")]
    assert any(i.startswith("![Special cause improvement (low)](data:image/svg+xml") for i in icons)
    assert "Latest (Mar 2025): 10 admissions" in shown
    # What is new since the demo's February 2025 meeting, from that day by default.
    assert at.date_input(key=f"qi.meeting.since.{BEST_START}|None").value == date(2025, 2, 12)
    # Four signals, all at one chart (Bradford's asthma admissions): said, as the list has one line.
    assert "Since 12 February 2025: 4 new signals on 1 chart," in shown
    assert "**Open actions carried forward** (3)" in shown


def test_a_cell_links_to_its_chart_and_the_link_opens_exactly_that_series(demo_url):
    at = open_page("meeting.py")
    at.selectbox(key="qi.meeting.initiative").set_value(EARLY_SUPPORT).run()
    [matrix] = [h for h in at.get("html") if "qi-matrix" in h.proto.body]
    href = chart_href(REFERRALS, KIRKLEES, EARLY_SUPPORT)
    assert f'href="{escape(href)}"' in matrix.proto.body
    assert f'href="{escape(chart_href(BREASTFEEDING, WAKEFIELD, BEST_START))}"' not in (
        matrix.proto.body
    )
    # Following the link: the Measures page with that initiative, measure and place chosen,
    # though Best Start (another initiative) was the one chosen there before.
    at.switch_page("qi/app/pages/measures.py").run()
    assert at.selectbox(key="qi.pick.initiative").value == BEST_START
    at.query_params.update(chart_query(REFERRALS, KIRKLEES, EARLY_SUPPORT))
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Measures"
    assert at.selectbox(key="qi.pick.initiative").value == EARLY_SUPPORT
    assert at.selectbox(key="qi.pick.measure").value == REFERRALS
    assert at.selectbox(key="qi.pick.place").value == KIRKLEES


def test_a_link_to_a_place_outside_any_initiative_opens_it_under_every_place(demo_url):
    at = open_page("measures.py")
    at.query_params.update(chart_query(BREASTFEEDING, WAKEFIELD))
    at.run()
    assert at.selectbox(key="qi.pick.initiative").value is None  # "Every place"
    assert at.selectbox(key="qi.pick.place").value == WAKEFIELD


def test_an_action_recorded_at_a_meeting_is_listed_and_can_be_marked_done(demo_url):
    at = open_page("meeting.py")
    at.button(key="qi.meeting.record").click().run()
    assert "Meeting recorded." in texts(at)
    at.text_area(key="qi.meeting.action.text").input("Ask Wakefield's feeding group what helps")
    at.text_input(key="qi.meeting.action.owner").input("Family hubs manager")
    at.selectbox(key="qi.meeting.action.against").set_value(BREASTFEEDING)
    at.selectbox(key="qi.meeting.action.place").set_value(WAKEFIELD)
    at.button(key="qi.meeting.action.add").click().run()
    assert not at.exception, at.exception

    [action] = read_actions(
        open_store(demo_url), local_admin("tester"), measures=BREASTFEEDING, status="open"
    ).rows(named=True)
    assert action["owner"] == "Family hubs manager" and action["place"] == WAKEFIELD
    shown = texts(at)
    assert "Ask Wakefield's feeding group what helps" in shown
    assert "**Recorded at this meeting** (1)" in shown
    assert "**Open actions carried forward** (4)" in shown

    at.button(key=f"qi.meeting.done.{action['id']}").click().run()
    assert "Action marked done." in texts(at)
    assert (
        read_actions(
            open_store(demo_url), local_admin("tester"), measures=BREASTFEEDING, status="open"
        ).height
        == 0
    )


def test_the_board_pack_is_a_pdf_with_a_png_per_chart(demo_url):
    at = open_page("meeting.py")
    at.button(key="qi.meeting.pack.prepare").click().run()
    assert not at.exception, at.exception
    _, _, pack = at.session_state["qi.meeting.pack"]
    from qi.services.meeting import meeting_review

    review = meeting_review(open_store(demo_url), local_admin("tester"), initiative=BEST_START)
    effects = len(review.effects) + (1 if review.cycles.height else 0)
    # Best Start: cover, matrix, 3 measures, a page per effect estimate, cycles ended, actions.
    assert pack.pdf.startswith(b"%PDF") and pack.pages == 1 + 1 + 3 + effects + 1
    labels = [button.proto.label for button in at.get("download_button")]
    assert any(label.startswith("Board pack, PDF") for label in labels)
    assert "Breastfeeding at 6-8 weeks (%)" in labels  # a PNG per chart
    assert all(png.startswith(b"\x89PNG") for png in pack.charts.values())


def test_home_the_meeting_view_and_the_pack_show_an_initiatives_own_measures(demo_url):
    from qi.render.pack import board_pack
    from qi.services.meeting import meeting_review

    own = [
        "Breastfeeding at 6-8 weeks (%)",
        "Emergency asthma admissions, children and young people",
        "A&E attendances of under-5s per 1,000",
    ]
    home = open_page("home.py")
    [listed] = [m.value for m in home.markdown if m.value.startswith("**Measures:**")][:1]
    assert all(plain(name) in listed for name in own)
    assert "Referrals" not in listed  # measured at Bradford and Leeds, but not Best Start's
    review = meeting_review(open_store(demo_url), local_admin("tester"), initiative=BEST_START)
    assert sorted(review.matrix["measure_name"].unique()) == sorted(own)
    effects = len(review.effects) + (1 if review.cycles.height else 0)
    assert board_pack(review).pages == 1 + 1 + len(own) + effects + 1


def test_the_board_pack_gains_the_compare_places_pages_chosen(demo_url):
    at = open_page("meeting.py")
    chooser = at.multiselect(key="qi.meeting.pack.compare")
    # Best Start's proportions and rates (not its count of asthma admissions).
    assert chooser.options == [
        "A&E attendances of under-5s per 1,000",
        "Breastfeeding at 6-8 weeks (%)",
    ]
    at.button(key="qi.meeting.pack.prepare").click().run()
    _, _, plain = at.session_state["qi.meeting.pack"]
    at.multiselect(key="qi.meeting.pack.compare").set_value(["ae_under5_rate"]).run()
    at.button(key="qi.meeting.pack.prepare").click().run()
    assert not at.exception, at.exception
    (_, compared, _), _, pack = at.session_state["qi.meeting.pack"]
    assert compared == ("ae_under5_rate",)
    assert pack.pages == plain.pages + 1
    assert f"Board pack, PDF ({pack.pages} pages)" in [
        b.proto.label for b in at.get("download_button")
    ]


def test_an_open_action_past_its_due_day_reads_overdue_as_in_the_pack(demo_url):
    at = open_page("meeting.py")
    shown = texts(at)
    # The demo's open actions were due in spring 2025; the ones done are not overdue.
    assert "owner: Best Start programme lead · due 31 Mar 2025 · overdue ·" in shown
    assert "due 12 Mar 2025 · done ·" in shown


def test_the_series_a_link_opened_is_the_one_annotated_on_the_next_page(demo_url):
    # Asthma admissions at Bradford is not Best Start's first measure (A&E attendances is).
    at = open_page("measures.py")
    at.query_params.update(chart_query(ASTHMA, BRADFORD, BEST_START))
    at.run()
    assert at.selectbox(key="qi.pick.measure").value == ASTHMA
    # "Annotate this chart": the same series, not the initiative's first measure.
    at.switch_page("qi/app/pages/annotate.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="qi.pick.measure").value == ASTHMA
    assert at.selectbox(key="qi.pick.place").value == BRADFORD
    # A measure then chosen by hand is kept on the way back.
    at.selectbox(key="qi.pick.measure").set_value(BREASTFEEDING).run()
    at.switch_page("qi/app/pages/measures.py").run()
    assert at.selectbox(key="qi.pick.measure").value == BREASTFEEDING
    assert at.selectbox(key="qi.pick.place").value == BRADFORD
