"""A patient's address: street lines, flats and full postcodes, but not venues or areas."""

from __future__ import annotations

import pytest

from bot.moderation.detectors.address import AddressDetector
from bot.moderation.detectors.contact import ContactDetector
from bot.moderation.normalise import normalise
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Match

CATEGORY = "patient.address"


def find(text: str) -> list[Match]:
    return list(AddressDetector().find(normalise(text)))


def found_text(text: str) -> list[str]:
    return [text[match.start : match.end] for match in find(text)]


def screen(text: str):
    return Screener(detectors=[AddressDetector()]).screen(text)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # community, ambulance and crisis settings
        (
            "Visit 10:30 at 27 Peel Street, BD3 9QJ. Daughter rings if no answer",
            "27 Peel Street, BD3 9QJ",
        ),
        (
            "Please don't send a female worker alone to 19 Sandringham Way, S65 2RR",
            "19 Sandringham Way, S65 2RR",
        ),
        (
            "keysafe 1984 at 3 Fern Road, Thorne, DN8 5AB, he won't hear the door",
            "3 Fern Road, Thorne, DN8 5AB",
        ),
        (
            "ePCR: address was Flat 6, Kestrel Court, Sheffield S2 1QS",
            "Flat 6, Kestrel Court, Sheffield S2 1QS",
        ),
        (
            "Flat 3 Alder House, Gorse Rd — new pt for DNs, insulin BD",
            "Flat 3 Alder House, Gorse Rd",
        ),
        (
            "inc at 22 Ravenscar Avenue, YO12 5LP, cat 2 query stroke",
            "22 Ravenscar Avenue, YO12 5LP",
        ),
        # acute discharge, maternity, paediatrics, prisons, rural GP
        (
            "Discharge to 4 Rowan Close, HU8 9AB tomorrow, POC QDS starts Weds",
            "4 Rowan Close, HU8 9AB",
        ),
        (
            "home birth booked at 17 Quarry Hill, LS10 3PQ, 2 MWs on call",
            "17 Quarry Hill, LS10 3PQ",
        ),
        (
            "Safeguarding: child lives at Flat 12, Linden Court, BD5 0AB",
            "Flat 12, Linden Court, BD5 0AB",
        ),
        ("released to the AP at 45 Albert Road, his depot is due Friday", "45 Albert Road"),
        (
            "home visit to Rose Cottage, Low Lane, YO62 4XY, farm track",
            "Rose Cottage, Low Lane, YO62 4XY",
        ),
        ("crew to 12a Victoria Terrace for a fall", "12a Victoria Terrace"),
        ("Visit at 27 Peel St after clinic, insulin due", "27 Peel St"),
        ("new referral: 33 Greenwood Avenue, lives alone, insulin BD", "33 Greenwood Avenue"),
        ("HV for the baby at 2 The Green, W1A 0AX", "2 The Green, W1A 0AX"),
        ("pt moved to 14 Westgate, EC1A 1BB, needs the bed moving", "14 Westgate, EC1A 1BB"),
        ("pt lives at 8 st helens road, keysafe 1234", "8 st helens road"),
        ("postcode for the pt is DN85AB, no answer on the phone", "DN85AB"),
        ("bs7 8ab for the pt in the van, no answer at the door", "bs7 8ab"),
    ],
)
def test_finds_patient_addresses(text: str, address: str) -> None:
    assert address in found_text(text)


@pytest.mark.parametrize(
    "postcode",
    [
        "S65 2RR",
        "DN8 5AB",
        "LS9 7TF",
        "NE6 2QR",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "SW1A 1AA",
        "EC1A 1BB",
    ],
)
def test_every_outward_code_shape_is_a_postcode_with_patient_context(postcode: str) -> None:
    matches = find(f"new referral at {postcode}, lone worker alert is on")
    assert [(m.rule, m.confidence >= 0.5) for m in matches] == [("address.postcode", True)]


@pytest.mark.parametrize(
    "not_a_postcode",
    [
        "QA1 1AA",  # Q never starts a postcode
        "AZ1 1AA",  # Z is never the second letter
        "A1 1CA",  # C is never in the inward code
        "A1 1AM",  # nor M
        "DN4",  # outward code alone
        "HU5",
        "YK68 RFO",  # a vehicle registration
        "DN01",  # a call sign
    ],
)
def test_malformed_postcodes_and_outward_codes_are_not_found(not_a_postcode: str) -> None:
    assert find(f"new referral near {not_a_postcode}, lone worker alert is on") == []


@pytest.mark.parametrize(
    "text",
    [
        "Leaving drinks for Bronwen Friday from 5 at The Fleece on Market St, all welcome",
        "Leaving drinks at 12 High St Friday from 5, all welcome",
        "£25 deposit for the Christmas meal at The Crown, 14 Westgate, Wakefield WF1 1JY",
        "Summer BBQ at the sports club on Ferry Lane, postcode for the satnav is HU13 0XX",
        "Address for the new starters: Hull West Ambulance Station, Anlaby Rd, HU3 6XX",
        "new base address is Unit 4, 22 Station Road, WF1 1AA, park round the back",
        "PMVA refresher 12/08 at the Training Centre, 3 Gorse Lane (park at the back)",
        "Kemi's home address is 12 Beech Rd, LS12 4DN if anyone wants to send flowers",
        "Catheter care training 03/07 09:30, Room 2 Cedar House. 4 spaces left",
        "Bed 12 on Ward 5 is free now, Bay 3 and Room 4 closed for a deep clean",
        "anyone covering DN4 and HU5 patch tomorrow? I'll swap you for DN2",
        "CAD's showing 14 jobs waiting in HU5, any crews clear?",
        "Callsign change from Monday: Doncaster RRVs become DN01–DN04",
        "Fleet: YK68 RFO has a slow puncture, 4512 off road at Scunthorpe station",
        "3 lates in a row and 2 nights, I'm done",
        "A1 2nd time this week it's been shut at Penistone",
        "Delta 31 at 14 mins out, Sussex and Essex teams joining",
        "Quiz night Friday 7pm at the social club, teams of 4",
        "2 dispatchers short till 22:00, bank shift offered",
        "Dr Shah has 3 St Johns Ambulance volunteers with her today",
        "Pharmacy: 2 Hospital Lane entrance closed, use the Main St door",
        "CQC visit to our base at 12 High St on Tuesday",
        "Outpatients has moved to 4 Station Road from Monday",
        "team night out at The Crown, 12 Market Street, from 7",
        # a colleague's home address (the contact detector reports it as colleague data)
        "Charge Nurse Baird lives at 9 Thornfield Rise, LS8 2QP if anyone's dropping a present",
        "the agency nurse on Ward 9 wants her payslip posted, her address is 3 Fern Close, "
        "YO31 8TD",
    ],
)
def test_venues_bases_colleagues_and_areas_are_not_patient_addresses(text: str) -> None:
    assert find(text) == []


def test_a_street_named_without_a_house_number_is_not_an_address() -> None:
    assert find("the new leg ulcer off Thorne Rd, details on S1") == []


def test_doctor_after_a_number_is_not_a_drive() -> None:
    assert find("pt seen at 3 by Hall Dr Patel, bloods sent") == []


def test_house_number_alone_needs_a_preposition_and_patient_context() -> None:
    assert found_text("the lady at no. 14 has fallen again, carers found her") == ["no. 14"]
    assert find("the lady at no. 14") == []
    assert find("NHS no. 4.8.8.6.0 for the lady who needs the hoist") == []


def test_floor_flat_alone_is_only_flagged_but_joins_a_postcode() -> None:
    alone = find("new pt, 2nd floor flat, lift's broken again")
    assert [match.confidence < 0.5 for match in alone] == [True]
    joined = found_text("new referral at LS9 7TF, 2nd floor flat, dog on site")
    assert joined == ["LS9 7TF, 2nd floor flat"]


def test_a_bare_address_with_no_context_is_only_flagged() -> None:
    matches = find("27 Peel Street")
    assert [match.confidence < 0.5 for match in matches] == [True]
    assert [m.confidence for m in find("27 Peel Street, BD3 9QJ")] == [0.8]


def test_lower_case_postcodes_need_patient_context() -> None:
    assert find("meet at ls9 7tf") == []
    assert found_text("visit at ls9 7tf, no answer") == ["ls9 7tf"]


def test_several_addresses_in_one_message_are_found_separately() -> None:
    text = "HV requests today:\n1. Ivy, 2 Chapel Row – breathless\n2. Ray, 11 Mill Lane – ?UTI"
    assert found_text(text) == ["2 Chapel Row", "11 Mill Lane"]


def test_the_same_address_written_again_is_found_again() -> None:
    text = "visit LS9 7TF today, the keysafe note says xLS9 7TF"
    spans = found_text(text)
    assert spans.count("LS9 7TF") == 2


def test_screener_removes_and_redacts_a_patient_address() -> None:
    text = "Visit 10:30 at 27 Peel Street, BD3 9QJ. Daughter's number if no answer"
    verdict = screen(text)
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (CATEGORY,)
    assert "Peel" not in verdict.redacted_text
    assert "BD3" not in verdict.redacted_text
    assert verdict.redacted_text == "Visit 10:30 at [address]. Daughter's number if no answer"
    assert all("BD3" not in finding.evidence for finding in verdict.findings)


def test_screener_flags_a_bare_postcode() -> None:
    verdict = screen("anyone know NE6 2QR?")
    assert verdict.action is Action.FLAG
    assert "NE6 2QR" not in verdict.redacted_text


def test_screener_allows_a_staff_event_venue() -> None:
    verdict = screen("Xmas do: The Crown & Anchor, 14 Westgate, Wakefield WF1 1JY, £25 deposit")
    assert verdict.action is Action.ALLOW
    assert verdict.findings == ()


@pytest.mark.parametrize(
    "hostile",
    [
        "7" * 4096,
        " ".join(["123"] * 1024)[:4096],
        "Flat 1 " * 585,
        "LS9 7TF " * 512,
        "xLS9 7TF" * 512,
        "12 Oak Road, " * 315,
        ("a\u0301Ж中1 \u200b" * 700)[:4096],
    ],
)
def test_hostile_input_is_screened_without_error(hostile: str) -> None:
    for match in find(hostile):
        assert 0 <= match.start < match.end <= len(hostile)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "appointment letter went to 7 Kestrel Way instead of 17, she never got it",
            "7 Kestrel Way",
        ),
        ("results letter sent to the wrong address: 52 Holme Lane, he's moved", "52 Holme Lane"),
        (
            "release address for Monday is 14 Grange Road, DN4 6RT – probation aware",
            "14 Grange Road, DN4 6RT",
        ),
    ],
)
def test_letters_and_releases_make_an_address_a_patients(text: str, address: str) -> None:
    assert found_text(text) == [address]
    assert find(text)[0].confidence >= 0.5


def test_a_colleagues_address_is_colleague_data_not_a_patients() -> None:
    text = "Sister Ahmed's home address is 40 Larch Grove, S10 3PT if anyone's sending a card"
    verdict = Screener(detectors=[AddressDetector(), ContactDetector()]).screen(text)
    assert verdict.categories == ("personal.colleague_data",)
    assert "Larch Grove" not in verdict.redacted_text
