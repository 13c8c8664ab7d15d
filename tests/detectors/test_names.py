"""Patients named in staff messages, and the colleagues who are not patients."""

from __future__ import annotations

import random

import pytest

from bot.moderation.detectors.names import PatientNameDetector
from bot.moderation.lexicon import (
    ambiguous_first_names,
    clinical_context_words,
    first_names,
    staff_context_words,
    surnames,
)
from bot.moderation.normalise import normalise
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Match
from tests.detectors.hostile import assert_screens

CATEGORY = "patient.name"
DETECTOR = PatientNameDetector()


def find(text: str) -> list[Match]:
    return list(DETECTOR.find(normalise(text)))


def found_names(text: str) -> list[str]:
    normalised = normalise(text)
    return [normalised.text[m.start : m.end] for m in DETECTOR.find(normalised)]


def screen(text: str):
    return Screener(detectors=[PatientNameDetector()]).screen(text)


# (message, the names it must report) from wards, theatres, maternity, paediatrics,
# pharmacy, care homes, GP and community teams.
PATIENTS_NAMED = [
    ("Bed 12 Mrs Okafor is NBM from midnight for theatre tomorrow", ["Mrs Okafor"]),
    (
        "the lady in bed 4, Mrs Hargreaves, has pulled her cannula out again",
        ["Mrs Hargreaves"],
    ),
    ("Can someone chase Arthur Bellamy's bloods, K+ was 6.1 this morning", ["Arthur Bellamy"]),
    ("Mr Dimitrov in bay 3 needs his IV abx at 14:00", ["Mr Dimitrov"]),
    ("Baby Olivia on SCBU is jaundiced, bili rechecked at 6", ["Baby Olivia"]),
    ("Twins in cot 4 and 5 (Baby Hassan 1 and 2) need their bilis repeated", ["Baby Hassan"]),
    ("Emma Watts 34F, G2P1, 39/40, SROM at 04:00", ["Emma Watts"]),
    ("Ahmed in bed 3 has had no urine output since 6am, catheter flushed", ["Ahmed"]),
    ("Can theatre call ahead for Mr Obi, he's diabetic and NBM", ["Mr Obi"]),
    ("The resident in room 12, Vera, has a grade 2 on her sacrum", ["Vera"]),
    ("Kwame is doing well on the new meds", ["Kwame"]),
    ("Florence Adams in bed 3 has norovirus", ["Florence Adams"]),
    ("Grace refused her insulin again at lunch", ["Grace"]),
    ("Harriet's mum says she's been vomiting since Tuesday, can the GP ring her", ["Harriet"]),
    ("Tariq Mahmood (47M) chest pain, ECG done, trop pending", ["Tariq Mahmood"]),
    ("Jan Kowalski missed his methadone pick up today", ["Jan Kowalski"]),
    ("Aisha's sats dropped to 88% overnight, on 2L now", ["Aisha"]),
    (
        "pharmacy: Mr Wojcik's warfarin dose changed to 4mg, please update the MAR chart",
        ["Mr Wojcik"],
    ),
    (
        "Theatre list: 1. Eleanor Pryce – lap chole, 2. Dev Sharma – hernia repair",
        ["Eleanor Pryce", "Dev Sharma"],
    ),
    ("Care home: Doris has had another fall, no injury, obs stable", ["Doris"]),
    ("Callum (12) in paeds with a head injury, mum is staying with him", ["Callum"]),
    ("Can you review Mrs Ng's pressure sore, it's now grade 3", ["Mrs Ng"]),
    ("May Thompson fell in the lounge, hip pain, ambulance called", ["May Thompson"]),
    ("ward 7: Kofi Mensah self-discharged against advice at 3am", ["Kofi Mensah"]),
    ("Winston's INR was 5.2, warfarin held", ["Winston"]),
    ("Please can someone visit Zofia Nowak today, her catheter is blocked", ["Zofia Nowak"]),
    ("Ms Achterberg wants to know if her scan results are back", ["Ms Achterberg"]),
    ("Mr Patel's daughter rang about his discharge date", ["Mr Patel"]),
    ("Siân Pritchard 02/03/1951 for the memory clinic on Thursday", ["Siân Pritchard"]),
    ("labour ward: Chiamaka in room 3 is 7cm, waters broke at 02:00", ["Chiamaka"]),
    ("1. Gwilym Rees – 3 Heol y Nant – catheter change\n2. Mr Ahmed – insulin", None),
    ("mrs begum's daughter says the dosette box is empty", ["mrs begum"]),
    # oncology, virology, school health, prisons, dental
    ("Joanna Wisniewski's platelets are 18, transfusion booked on the day unit", None),
    ("Callum Fraser's chemo is deferred a week, neuts too low", ["Callum Fraser"]),
    ("Chipo Moyo's CD4 count came back low, can the HIV team review", ["Chipo Moyo"]),
    ("Halima in Year 2 needs her inhaler before PE, she's been wheezy", ["Halima"]),
    ("Ruby-Mae in reception had a seizure at lunch, buccal given", ["Ruby-Mae"]),
    ("Lily-Mae in nursery had anaphylaxis at lunch, epipen given", ["Lily-Mae"]),
    ("Dariusz in cell 14 refused his methadone again this morning", ["Dariusz"]),
    ("Mrs Oyelaran's dental abscess needs draining, she's on the emergency list", None),
    # a full name attached to an address, record number or phone number
    ("Gareth Pugh, 3 Heol Fach, Bridgend – district nurse visit for dressings", ["Gareth Pugh"]),
    ("Jamal Ofori, hosp no T2287710, for OGD tomorrow", ["Jamal Ofori"]),
    ("can someone phone Marek Dudek on 07700 900441, his clinic's been moved", ["Marek Dudek"]),
    # look like staff cues, but are not: a passing mention of a GP, a patient gone missing
    ("Mr Jones, GP is aware, needs bloods before discharge", ["Mr Jones"]),
    ("Mrs Khan (GP aware) needs her bloods repeating", ["Mrs Khan"]),
    ("can we start the list with Mrs Khan, she's diabetic", ["Mrs Khan"]),
    ("has anyone seen Mrs Jones from bed 4? she's wandered off the ward", ["Mrs Jones"]),
]

INITIALS = [
    ("PK 67F ?sepsis in resus", "PK"),
    ("SL 91F fall, long lie, on floor 4 hours", "SL"),
    ("J.T. 84 M found on the floor by the carers", "J.T."),
    ("RB (29 F) 38/40 reduced fetal movements", "RB"),
    ("AO 15yo M overdose, paeds aware", "AO"),
    ("handover: bed 6 - DW, post-op day 2", "DW"),
]

NOT_PATIENTS = [
    "Huge thanks to Bethan and Sam for covering the late shift",
    "Leaving do for Gwen on Friday at the Red Lion, all welcome",
    "Dr Ahmed is doing the ward round today",
    "Nurse Patel is on the late",
    "Sister O'Neill says the drug round starts at 10",
    "Happy birthday Olu! 🎂 cake in the staff room",
    "Welcome to the team Aoife, our new band 5 on Ward 7",
    "Can Chidi swap his long day on Sat for my early Monday?",
    "Congrats to Mehmet on passing his OSCE 🎉",
    "Sandringham Way is closed for roadworks, use the bypass",
    "Will you be at the training on Thursday?",
    "Grace period for the mandatory training ends in May",
    "Training on 12 May, book via ESR",
    "Mrs Jenkins from pharmacy says the fridge is fixed",
    "Mr Osei has moved his Tuesday clinic to Wednesday, letters are going out",
    "Reminder: Hope ward is closed to admissions due to norovirus",
    "Rose ward need a HCA for the late, any takers?",
    "Thanks Kerry, you're a star",
    "Tom you left the keys in the ambulance again",
    "@Priya can you check the rota",
    "Hi all, I'm Siobhan, the new ward clerk on Ash ward",
    "Ivy ward have run out of syringes, can anyone lend some?",
    "Gemma's 40th is on Saturday, collection in the office",
    "Mark the fridge temps on the sheet please",
    "Bill the agency for the extra hours",
    "Jack is on annual leave till Monday, ask Fatima about the audit",
    "Please welcome Dr Kwame Asante to the team",
    "Precious moments at the summer fair 😊",
    "Sunny day for the BBQ!",
    "Can someone from IT help Joy, her smartcard isn't working",
    "St Gemma's hospice raffle on Friday",
    "Shout out to Kemi for her amazing work with the flu jab clinic this week",
    "Rota: Mon Sarah early, Tue Tom late, Wed Chloe nights",
    "Kerry's on the late so ask her about the bloods",
    "Amy will do the obs round at 2",
    "CPN Marcus is covering the depot clinic while Jo is on AL",
    "Joanne 12/05/2025 induction day 1",
    "Thanks for covering my lates this week, owe you one. Tomasz",
    "Mr Lindqvist's list is cancelled tomorrow, theatre 4 is closed for maintenance",
    "son Paul on the phone wants a call from the DN about his dad's catheter",
    "Fern Road surgery has moved its flu clinic to Saturday",
    "Lucy's doing the discharge for bed 4",
    "Can Emma cover the insulin visits tomorrow?",
    "Nadia (HCA) will help with personal care in bay 1",
    "Jess has passed her IV competencies 🎉",
    "Mohammed will be the scrub nurse for the hip list",
    "Beth is in theatre 2 all day scrubbing for the ortho list",
    "Is Emma on the late? the insulin in bay 6 needs checking",
    "The new phlebotomist, Marcus, will do the morning bloods from Monday",
    "Welcome back Maureen, hope the knee op went well!",
    "Congratulations to our midwife Rose on her baby girl, both doing well 💗",
    "Sue from bank is covering bay 4 tonight",
    "Jenny, can you give bed 7 their meds please",
    "Georgia's husband has been really unwell so she's off for a bit",
    "Will can you cover my late on Friday?",
    "Holly is on bleep 4455 tonight",
    "Mr Shah is operating in theatre 3 today",
    "Mr Lindqvist (consultant) has moved his Weds memory clinic",
    "patients on Florence Nightingale ward have norovirus",
    "admitted to the Princess Royal with chest pain",
    "transferred to Mary Seacole House for rehab, bloods on Monday",
    # a job title in brackets or apposition
    "Dr Nkosi (paeds reg) is covering the ward tonight",
    "Mr Fitzgerald, the vascular consultant, is doing the list on Friday",
    "Mr Nolan, the orthogeriatrician, will see the new hip fractures on Monday",
    "Mrs Hegarty (ward manager) wants the audit done by Friday",
    "Kasia (our new HCA) starts Monday on the late",
    "Tomasz, the agency porter, will help with transfers this afternoon",
    # working alongside, asking after, workplace business and gossip
    "Aoife is doing fracture clinic with Mr Quinn tomorrow",
    "has anyone heard from Ravi? he didn't come back from theatre",
    "has anyone seen Callum? the theatre list is about to start",
    "Rory is on bleep 2214 tonight for the surgical wards",
    "Marek thinks he's God's gift to recovery, nobody can stand working with him",
    "saw Funmi's DBS came back, she can start in theatres now",
    "Bethan's husband has walked out, go easy on her this week",
    "Jo left theatre in tears after the list, is she ok?",
    # a place named after a person
    "the girl from the primary school in Kirkby Stephen with meningitis is on PICU",
    "Baby girl born on delivery suite at 03:10, NICU aware",
]


@pytest.mark.parametrize(("text", "names"), PATIENTS_NAMED)
def test_patients_named_with_clinical_context_are_found(text: str, names: list[str] | None) -> None:
    matches = find(text)
    assert matches, text
    assert all(match.category == CATEGORY and match.confidence >= 0.8 for match in matches)
    if names is not None:
        assert found_names(text) == names


def test_a_title_alone_is_not_a_name() -> None:
    assert find("Baby boy in cot 3 has had his vitamin K") == []
    assert find("Mrs in bed 4 needs her insulin") == []


def test_a_double_barrelled_first_name_needs_both_halves_to_be_names() -> None:
    assert found_names("Amelia-Rose has a new adrenaline pen for her nut allergy") == [
        "Amelia-Rose"
    ]
    assert find("Anti-Xa levels are back, enoxaparin dose stays the same") == []


def test_a_job_title_in_brackets_does_not_hide_a_patient() -> None:
    text = "Mrs Jones (Dr Ali's patient) is NBM for theatre"
    assert found_names(text) == ["Mrs Jones"]


def test_every_patient_in_a_handover_list_is_found() -> None:
    text = "1. Gwilym Rees – 3 Heol y Nant – catheter change\n2. Mr Ahmed – insulin"
    assert found_names(text) == ["Gwilym Rees", "Mr Ahmed"]


@pytest.mark.parametrize(("text", "initials"), INITIALS)
def test_initials_with_age_sex_or_bed_are_a_patient(text: str, initials: str) -> None:
    assert found_names(text) == [initials]
    assert find(text)[0].confidence >= 0.8


@pytest.mark.parametrize("text", NOT_PATIENTS)
def test_colleagues_places_and_ordinary_words_are_not_patients(text: str) -> None:
    assert find(text) == [], found_names(text)


@pytest.mark.parametrize(
    "text",
    [
        "ED 84M fall",  # a department, not initials
        "GP 45F said no",
        "RTC 34M on the M62",
        "the s136 from the station at 2am, 34M, took 40 sertraline",
    ],
)
def test_abbreviations_before_an_age_are_not_initials(text: str) -> None:
    assert find(text) == []


def test_a_surname_with_only_grumbling_is_flagged_not_removed() -> None:
    text = "Mrs Cooper's not happy with us again 🙄 third time this week"
    (match,) = find(text)
    assert match.confidence < 0.5
    verdict = screen(text)
    assert verdict.action is Action.FLAG
    assert "Cooper" not in verdict.redacted_text


def test_a_title_and_surname_with_no_context_either_way_is_left_alone() -> None:
    assert find("Mrs Cooper says hello") == []


def test_the_span_is_the_name_without_its_possessive() -> None:
    text = "Reception: Mrs Evans' husband keeps ringing, can the GP call him back?"
    assert found_names(text) == ["Mrs Evans"]


def test_a_removed_message_shows_the_name_redacted() -> None:
    verdict = screen(
        "Precious didnt turn up for her clozapine bloods again, pharmacy won't dispense"
    )
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (CATEGORY,)
    assert "Precious" not in verdict.redacted_text
    assert verdict.redacted_text.startswith("[name] didnt turn up")


def test_a_staff_message_is_allowed_through_the_screener() -> None:
    verdict = screen("Leaving drinks for Bronwen Friday from 5, all welcome")
    assert verdict.action is Action.ALLOW
    assert verdict.findings == ()


def test_names_after_zero_width_characters_are_still_found() -> None:
    text = "Ro\u200bsie's epilepsy meds were missed, 2 seizures overnight"
    verdict = screen(text)
    assert verdict.action is Action.REMOVE
    assert "Ro\u200bsie" not in verdict.redacted_text


def test_name_lists_are_broad_and_diverse() -> None:
    first = first_names()
    last = surnames()
    assert len(first) >= 1500
    assert len(last) >= 1500
    for name in ("sian", "siobhan", "gurpreet", "kwame", "agnieszka", "chidi", "wei", "fatima"):
        assert name in first, name
    for name in ("jones", "macdonald", "o'brien", "begum", "nowak", "okafor", "nguyen", "haddad"):
        assert name in last, name
    assert {"grace", "will", "may", "precious", "ivy"} <= ambiguous_first_names() <= first


def test_context_vocabularies_load_as_frozensets() -> None:
    clinical = clinical_context_words()
    assert isinstance(clinical, frozenset)
    assert {"clozapine", "bloods", "pt", "service user", "catheter", "seizure"} <= clinical
    assert {"rota", "thanks", "leaving do"} <= staff_context_words()
    assert clinical.isdisjoint({"thanks", "rota"})


@pytest.mark.parametrize(
    "text",
    [
        "Mrs Evans Kwame Grace May Will " * 140,
        "A" * 4096,
        "Aa " * 1365,
        "JT 84M " * 580,
        "Mrs " * 1024,
        "O'O'O'O'" * 512,
        "\u0301a" * 2048,
    ],
)
def test_hostile_messages_are_screened(text: str) -> None:
    assert_screens(find, text[:4096])


def test_random_text_never_breaks_the_detector() -> None:
    pieces = [
        "Mrs ",
        "Mr. ",
        "Kwame",
        "'s ",
        "’s ",
        "Grace ",
        "JT ",
        "84M",
        "bed 4",
        "bloods",
        "\n1. ",
    ]
    rng = random.Random(5)
    for _ in range(500):
        text = "".join(rng.choice(pieces + list("aZ .,'-(")) for _ in range(rng.randint(0, 30)))
        normalised = normalise(text)
        for match in DETECTOR.find(normalised):
            assert 0 <= match.start < match.end <= len(normalised.text)
