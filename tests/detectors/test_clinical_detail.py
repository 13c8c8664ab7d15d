"""Jigsaw identification: place, age or role, condition and incident details in combination."""

from __future__ import annotations

import pytest

from bot.moderation.detectors.clinical_detail import ClinicalDetailDetector
from bot.moderation.detectors.term_matcher import read_sections
from bot.moderation.normalise import normalise
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Match

CATEGORY = "patient.clinical_detail"


def find(text: str) -> list[Match]:
    return list(ClinicalDetailDetector().find(normalise(text)))


def found_text(text: str) -> list[str]:
    return [text[match.start : match.end] for match in find(text)]


def confidence(text: str) -> float | None:
    matches = find(text)
    return max(match.confidence for match in matches) if matches else None


def screen(text: str):
    return Screener(detectors=[ClinicalDetailDetector()]).screen(text)


@pytest.mark.parametrize(
    "text",
    [
        # community, mental health and ambulance
        "the s136 from Meadowhall at 2am, 34M, took 40 sertraline, ED have cleared him",
        "92yo lady on Moor Lane in Thorne with the grade 4 sacral, carers haven't turned her",
        "only kid in Hutton-le-Hole with CF, mum's asking if the DNs can do the IVs at home",
        "the vicar in Wetwang who's on our caseload has relapsed, half the village knows",
        "the bloke from the flats fire on Chapel St that was on Look North is one of ours",
        "that RTC on the A64 at 3am – the 17 yr old driver was from Malton, at Leeds with a bleed",
        "the woman from the bus stabbing in Harehills, all over Facebook, is registered with us",
        "cat 1 in the Co-op on Church St, 60s male, ROSC on scene, he's the butcher from next door",
        # acute wards, A&E, theatres
        "Bed 6 on Ash ward, 52F, the one with Huntington's — family want a meeting",
        "Bay 4 bed 2, 86F, delirious overnight, pulling at her cannula",
        "the lady in side room 3 on Ward 9 with C diff is asking for her daughter",
        "78M in resus 2 with a STEMI, wife on her way from Selby",
        "Theatre 2: 34F for emergency section, placental abruption",
        "the 92 year old from the fire on Manor Road last night has died on ITU",
        # maternity and paediatrics
        "16yo in delivery room 3, 38/40, no antenatal care, SW aware",
        "the young mum on Ward 30 who lost her baby at 24 weeks is from the Beck estate",
        "4yo boy in cubicle 6 with a suspected NAI, police informed",
        "the only child in Grassington with cystic fibrosis needs her IVs at home",
        # prisons and schools
        "inmate on B wing, 45, with hep C has refused his bloods again",
        "year 9 girl at St Anne's with type 1 diabetes had a hypo in PE",
        "she's the dinner lady at Hillside Primary, sectioned last night on Elm ward",
        # rural GP
        "the farmer out at Low Row with the mesothelioma is going downhill",
        "the postie from Aysgarth with MND has been admitted",
        "the headteacher at Brigg Primary is on the memory clinic list",
        "our oldest on the Haworth list turned 104 today, the one on home oxygen",
        # acute medicine, ED, theatres: bed + age/sex + a suspected or acute diagnosis
        "Majors 4: 66M, ?ACS, trop pending, on the heparin pathway",
        "SAU bay 2 bed 1, 44M, ?appendicitis, for CT abdo",
        "theatre 2: 34F, ?ectopic, going straight in",
        "bed 12 on the stroke unit, 81F, thrombolysed at 14:20",
        "the lady in cubicle 4 with the ?stroke is 91, family on the way",
        # a named unit written in lower case, an age band, a rescue or a prison incident
        "the 15 year old on the children's ward who took 30 paracetamol is medically fit",
        "the 13 year old in paeds ED who's pregnant, police are aware",
        "resus 2: the farmer from the quad bike crash this morning, 50s, intubated",
        "lad on B wing who cut himself last night needs the wound rechecking",
        "the girl on the adolescent unit who tied a ligature last night is on 1:1 now",
        # a rare condition, named or eponymous
        "the only patient on the renal unit with Alport syndrome is back in",
        "the only child in the school with cystic fibrosis is off again with a chest infection",
        # a public role, or a relative of one, with a condition or treatment
        "the local councillor's husband is on the stroke unit after a bleed",
        "the Rovers striker came in with a dislocated shoulder after Saturday's match",
        "the BBC weatherman is in the eye clinic today for his cataract op",
        "the headteacher from the primary in Sedbergh is on the chemo day unit today",
    ],
)
def test_identifying_combinations_are_removed(text: str) -> None:
    found = confidence(text)
    assert found is not None
    assert found >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        # general clinical questions (clinical.advice, not this category)
        "best dressing for a grade 3 sacral with loads of slough?",
        "what's the buccal midaz dose for a 7 year old again?",
        "if a s136 has taken an OD do we convey to ED or the suite first?",
        "what's the max dose of paracetamol for a 40kg 80 year old?",
        "lithium levels – is it 12 hrs post dose? the surgery keeps saying 8",
        # team updates, bed state and service news
        "Ward 7 is closed to admissions due to norovirus",
        "3 beds free on Ash ward, 2 side rooms on Ward 9",
        "the 2 patients with covid in bay 3 are now in side rooms",
        "Theatre 3 running late, 2 hip replacements and a lap chole to go",
        "Delivery suite is full, 2 women in triage, please divert to Ward 12",
        "Wetwang outreach clinic cancelled tomorrow, room double-booked",
        "Mr Lindqvist has moved his Weds memory clinic to Fri pm from next week",
        "RTC on the M62 J27, both carriageways shut, avoid if heading back to base",
        "ROSC on that last job, well done 2-1, hot debrief at 16:00 at the station",
        "Lockdown on B wing after a fight, healthcare staff stay in the centre",
        # training content
        "Sim session Tues: 45M in resus 2 with chest pain, bring your stethoscopes",
        "Teaching at 2: managing a 70yo lady with delirium on Ash ward",
        "Catheter care & male catheterisation training, Room 2 Cedar House",
        # staff, not patients
        "Reminder: the lady from Pharmacy will be on Ash ward at 2pm about insulin safety",
        "Flu jabs for staff on Ward 9 tomorrow, the lady from OH is coming at 10am",
        "Drugs round on Ash ward is late, the man from pharmacy hasn't sent the insulin",
        "Fire drill at Cedar House Tuesday, the man from estates will be there",
        "The new lad on Ash ward starts Monday, he's done his sepsis training",
        "School nurse drop-in at Hillside Primary on Tuesday for year 9 girls HPV jabs",
        # good news and everyday chat
        "Congrats to Priya on her baby girl born yesterday at Leeds General",
        "Saw one of our regulars in Asda today, looked really well",
        "Thanks to the estates lads at Cedar House for fixing the heating",
        "Penistone base opens Monday, Delta 31 covering Pontefract, Sussex crews on standby",
        # units, roles and queried diagnoses in team business
        "the children's ward is short of a nurse tonight, can anyone help",
        "the day unit is closed on Monday for the bank holiday",
        "stroke unit needs 2 HCAs for the late",
        "The local MP is opening the new dialysis unit next month",
        "the vicar is coming in to bless the new chapel on Friday",
        "our 40s and 50s night out is on the 12th, all welcome",
        "can someone take the ?PE bloods to the lab, the pod is down",
        "reminder: ?sepsis patients need antibiotics within the hour, per the policy",
        "MND awareness day is Friday, stand in the atrium",
        "the BBC are filming in ED on Thursday, consent forms at the desk",
        "new fire doors on the labour ward corridor are being fitted Tuesday",
        "Bay 3 needs a deep clean before the next admission",
        "keeper of the CD keys tonight is the NIC on Ash ward",
    ],
)
def test_questions_updates_training_and_staff_news_are_not_findings(text: str) -> None:
    assert find(text) == []


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("92yo lady on moor lane in thorne with the grade 4 sacral", "moor lane"),
        ("the lad from the crash at the tesco roundabout, didn't make it", "tesco roundabout"),
    ],
)
def test_streets_typed_in_lower_case_are_places(text: str, place: str) -> None:
    assert place in found_text(text)


@pytest.mark.parametrize(
    "text",
    ["the lady on the road with a fall", "rtc on the m62, avoid the road, 2 crews on scene"],
)
def test_a_generic_road_is_not_a_named_place(text: str) -> None:
    assert find(text) == []


def test_a_place_and_repeat_attendance_without_a_condition_is_only_flagged() -> None:
    text = "frequent flyer from the Beck estate is back again, 5th time this week"
    assert confidence(text) == pytest.approx(0.4)
    assert "Beck estate" in found_text(text)


def test_each_identifying_element_gets_its_own_tight_span() -> None:
    text = "Bed 6 on Ash ward, 52F, the one with Huntington's — family want a meeting"
    assert found_text(text) == ["Bed 6", "Ash ward", "52F", "Huntington's"]
    assert {match.rule for match in find(text)} == {"clinical_detail.jigsaw"}


def test_caseload_links_are_combined_but_left_readable() -> None:
    text = "the bloke from the flats fire on Chapel St that was on Look North, one of ours"
    spans = found_text(text)
    assert "on Look North" in spans
    assert "Chapel St" in spans
    assert "one of ours" not in spans


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("34M from Meadowhall on a s136 with an OD", "34M"),
        ("MK (78 M) in bed 4 on Ash ward with pneumonia", "78 M"),
        ("aged 92, lady on Moor Lane with sepsis", "aged 92"),
        ("the lady on Moor Lane in her 80s with dementia", "her 80s"),
        ("60s male collapsed outside the Red Lion in Masham, cardiac arrest", "60s male"),
        ("the 6 weeks old baby on Ward 30 with bronchiolitis", "6 weeks old"),
        ("y9 girl at St Anne's with anorexia", "y9 girl"),
    ],
)
def test_ages_are_read_as_staff_write_them(text: str, age: str) -> None:
    assert age in found_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "14F catheter for the lady on Moor Lane with a UTI",  # a catheter size
        "£4M appeal for the lady on Moor Lane with MND",  # money
    ],
)
def test_sizes_and_money_are_not_ages(text: str) -> None:
    spans = found_text(text)
    assert "lady" in spans  # the message is a finding, but not because of that number
    assert not any(span in ("14F", "4M") for span in spans)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("bay 4 bed 3, 70F, ?PE, for CTPA", "?PE"),
        ("cubicle 2, 58M, ? sepsis, lactate 4", "? sepsis"),
        ("bed 9, 88F, ?#NOF after a fall", "?#NOF"),
    ],
)
def test_a_queried_diagnosis_counts_as_a_condition(text: str, query: str) -> None:
    assert query in found_text(text)
    assert confidence(text) >= 0.5


def test_an_age_band_set_off_by_commas_is_an_age() -> None:
    text = "resus 3 is the cyclist from the crash on the bypass, 60s, GCS 8"
    assert "60s" in found_text(text)
    assert find("the 60s disco for the team is on Friday, resus 3 closed") == []


def test_a_public_role_with_a_treatment_but_nowhere_is_only_flagged() -> None:
    assert confidence("the mayor was in for a colonoscopy") == pytest.approx(0.4)
    assert screen("the mayor was in for a colonoscopy").action is Action.FLAG


def test_a_role_word_that_is_an_everyday_word_needs_a_determiner() -> None:
    assert "keeper" not in found_text("keeper of the CD keys says bay 4 has an ACS, 70M")
    assert "keeper" in found_text("the Town keeper has a fractured wrist, plaster room 2")


def test_a_role_with_a_determiner_identifies_more_than_a_bare_role_word() -> None:
    with_determiner = confidence("the headteacher at Brigg Primary has dementia")
    bare = confidence("headteacher at Brigg Primary has dementia")
    assert with_determiner is not None
    assert bare is not None
    assert with_determiner > bare


def test_the_lexicon_is_a_data_file_of_several_hundred_terms() -> None:
    sections = read_sections("clinical_terms.txt")
    clinical = [
        term for kind, terms in sections.items() if kind != "not_clinical" for term in terms
    ]
    assert len(clinical) >= 500
    assert {"condition", "medicine", "procedure", "mental_health_act", "incident"} <= set(sections)
    assert "s136" in sections["mental_health_act"]


def test_screener_removes_and_keeps_the_sentence_readable() -> None:
    text = "the s136 from Meadowhall at 2am, 34M, took 40 sertraline, ED have cleared him"
    verdict = screen(text)
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (CATEGORY,)
    for detail in ("s136", "Meadowhall", "34M", "sertraline"):
        assert detail not in verdict.redacted_text
    assert verdict.redacted_text.startswith("the [clinical detail] from [clinical detail]")
    assert verdict.redacted_text.endswith("ED have cleared him")


def test_screener_flags_a_borderline_combination() -> None:
    verdict = screen("frequent flyer from the Beck estate is back again, 5th time this week")
    assert verdict.action is Action.FLAG
    assert verdict.categories == (CATEGORY,)


def test_screener_allows_a_general_clinical_question() -> None:
    verdict = screen("best dressing for a grade 3 sacral with loads of slough?")
    assert verdict.action is Action.ALLOW


def test_a_detail_written_twice_is_redacted_twice() -> None:
    text = "92yo lady on Moor Lane with sepsis, ladyship aside the lady is poorly"
    verdict = screen(text)
    assert "lady" not in verdict.redacted_text


@pytest.mark.parametrize(
    "hostile",
    [
        "7" * 4096,
        " ".join(["123"] * 1024)[:4096],
        ("lady stroke Bed 4 ") * 227,
        ("in " + "Abc " * 1023)[:4096],
        ("a\u0301Ж中1 \u200b" * 700)[:4096],
        "the kid in Bed 4 on Ash ward with CF " + "xCF" * 1300,
    ],
)
def test_hostile_input_is_screened_without_error(hostile: str) -> None:
    for match in find(hostile):
        assert 0 <= match.start < match.end <= len(hostile)
