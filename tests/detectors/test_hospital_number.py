"""Local patient identifiers: labelled record numbers, CAD references, trust formats."""

from __future__ import annotations

import pytest

from bot.moderation.detectors.hospital_number import HospitalNumberDetector
from bot.moderation.detectors.nhs_number import NhsNumberDetector
from bot.moderation.normalise import normalise
from bot.moderation.policy import HospitalNumberFormat
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Match
from tests.detectors.hostile import assert_screens

CATEGORY = "patient.hospital_number"


def find(text: str, detector: HospitalNumberDetector | None = None) -> list[Match]:
    return list((detector or HospitalNumberDetector()).find(normalise(text)))


def found_text(text: str, detector: HospitalNumberDetector | None = None) -> list[str]:
    return [text[match.start : match.end] for match in find(text, detector)]


def screen(text: str, detector: HospitalNumberDetector | None = None):
    return Screener(detectors=[detector or HospitalNumberDetector()]).screen(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("MRN 00392817 – his notes are in the post room", "00392817"),
        ("M.R.N: 12345678 for theatre 3 this afternoon", "12345678"),
        ("hosp no J334518 — DN to remove clips day 10", "J334518"),
        ("Hospital number RX1234567, bed 12 on AMU", "RX1234567"),
        ("Hosp # 7654321 for the scan", "7654321"),
        ("unit no 0012345 - pt for CT at 2", "0012345"),
        ("K number K123456, TTO ready for the porter", "K123456"),
        ("Patient ID 50293318 on SystmOne is the diabetic foot", "50293318"),
        ("client ID 00731945 needs the easy-read letter", "00731945"),
        ("pt no. 44512301 NBM from midnight", "44512301"),
        ("RiO 1048832 – please don't discharge", "1048832"),
        ("EMIS no 1100482 – home visit is today", "1100482"),
        ("S1 ID 12345678 has the wrong GP", "12345678"),
        ("Carenotes CN-448120 on the crisis list", "CN-448120"),
        ("Lorenzo 2345678 - this lady needs a side room", "2345678"),
        ("PAS no: 000123456 for the maternity booking", "000123456"),
        ("ePCR ref 20250611-0087: obs were stable", "20250611-0087"),
        ("LD reg no. LD-0417 – health check letter bounced", "LD-0417"),
        ("case ref 556677 for the safeguarding strategy meeting", "556677"),
        ("casenote no 123456 requested by the coroner's office", "123456"),
        ("can you check it, MRN 1234567 has the wrong GP", "1234567"),
    ],
)
def test_labelled_record_numbers_are_removed(text: str, code: str) -> None:
    assert found_text(text) == [code]
    verdict = screen(text)
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (CATEGORY,)
    assert code not in verdict.redacted_text
    assert "[hospital number]" in verdict.redacted_text


@pytest.mark.parametrize(
    "text",
    [
        "CAD 2406-0187, 9 Holly Bank — crew were 2h",
        "inc 1407-0233 at the caravan park, cat 2",
        "incident no 12345678 — who's doing the ePCR?",
        "CAD ref 20250611/0412 needs the safeguarding referral",
    ],
)
def test_full_cad_or_incident_references_are_removed(text: str) -> None:
    assert screen(text).action is Action.REMOVE


def test_a_bare_short_cad_number_is_only_flagged() -> None:
    verdict = screen("CAD 1183 from last night — who's finishing the ePCR?")
    assert verdict.action is Action.FLAG
    (finding,) = verdict.findings
    assert finding.rule == "hospital_number.cad_short"
    assert finding.confidence < 0.5


def test_a_second_code_of_the_same_shape_is_found_too() -> None:
    text = "Patient ID 50293318 is the diabetic foot, not 50293381 – wrong referral"
    assert found_text(text) == ["50293318", "50293381"]
    redacted = screen(text).redacted_text
    assert "50293318" not in redacted
    assert "50293381" not in redacted


def test_a_same_shape_payroll_number_is_not_swept_up() -> None:
    assert found_text("MRN 12345678 is on the wristband, my ESR 30281945 is wrong") == ["12345678"]


@pytest.mark.parametrize(
    "text",
    [
        "K0837721 needs transport booking to the clinic Tues, wheelchair",
        "J334518 bloods due before the consultant review",
        "CN-448120 discharged from HTT this morning",
    ],
)
def test_bare_hospital_number_shapes_need_patient_words(text: str) -> None:
    assert len(find(text)) == 1
    assert screen(text).action is Action.REMOVE


@pytest.mark.parametrize(
    "text",
    [
        "K0837721 is the new locker code",
        "the order K1234567 arrived at stores",
        "ESR E1234567 for payroll",
        "New practice code for the merged practice is B87654",
    ],
)
def test_bare_shapes_without_patient_words_are_not_findings(text: str) -> None:
    assert find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "HART on standby at Wakefield, Delta 31 covering Pontefract till 0200",
        "4512 off road at the station, 4518 is the spare, keys in the safe",
        "callsign RRV-4512, vehicle 4518",
        "On-call DN bleep is 2231 tonight, ring ext 45672 if it dies",
        "Ward 32 is closed to admissions, use Room 2 for visitors",
        "ESR 30281945 — that's the new position number",
        "Estates job no 33862069 logged for the radiator",
        "Order no 8095838464 for continence stock is delayed",
        "Asset tag 0061895847 on the broken hoist",
        "Datix 118734 is closed now, thanks all",
        "Datix incident 118734 is closed",
        "2nd floor printer jammed again, ticket INC000338620 raised",
        "IT incident 12345678 resolved",
        "HR case no 123456 — outcome letter sent",
        "Heads up: NHS 111 are passing loads of cat 3s our way tonight",
        "Our 999 answer times were 4 secs median this week",
        "New CAD build goes live 02:00 on 18/11, expect 20 mins downtime",
        "CAD's showing 14 jobs waiting in HU5",
        "unit no 4512 is off road",
        "EMIS web 2024 upgrade on Saturday",
        "MRN 12/03/2024",
        "£45 inc VAT 2024 prices",
        "S1 2HE is the postcode for the venue",
    ],
)
def test_hard_negatives_are_not_findings(text: str) -> None:
    assert find(text) == []
    assert screen(text).action is Action.ALLOW


@pytest.mark.parametrize(
    "text",
    ["Patient ID 943 476 5870 for bloods", "pt no 9434765870 on the list", "NHS 943 476 5870"],
)
def test_nhs_numbers_are_left_to_the_nhs_detector(text: str) -> None:
    assert find(text) == []
    verdict = Screener(detectors=[HospitalNumberDetector(), NhsNumberDetector()]).screen(text)
    assert verdict.categories == ("patient.nhs_number",)


def test_trust_format_with_context_words() -> None:
    detector = HospitalNumberDetector(
        (HospitalNumberFormat("leeds_rr8", r"RR8\d{6}", ("pt", "patient", "bed")),)
    )
    assert found_text("pt RR8123456 to theatre at 2", detector) == ["RR8123456"]
    assert find("RR8123456 is the parcel number", detector) == []
    (match,) = find("bed 4: RR8123456", detector)
    assert match.rule == "hospital_number.local.leeds_rr8"


def test_trust_format_without_context_words_stands_alone() -> None:
    detector = HospitalNumberDetector((HospitalNumberFormat("alpha", r"Q[A-Z]\d{7}"),))
    verdict = screen("QZ1234567 has been moved to the discharge lounge", detector)
    assert verdict.action is Action.REMOVE
    assert "QZ1234567" not in verdict.redacted_text


def test_trust_format_only_matches_whole_tokens() -> None:
    detector = HospitalNumberDetector((HospitalNumberFormat("alpha", r"Q[A-Z]\d{7}"),))
    assert find("XQZ12345678", detector) == []


def test_a_bad_trust_pattern_fails_when_the_policy_is_loaded() -> None:
    with pytest.raises(ValueError, match="broken"):
        HospitalNumberDetector((HospitalNumberFormat("broken", r"K(\d{7}"),))


def test_a_backtracking_trust_pattern_does_not_stall_or_raise() -> None:
    detector = HospitalNumberDetector((HospitalNumberFormat("slow", r"(a|aa)+c"),))
    verdict = screen("a" * 4000 + "b", detector)
    assert verdict.failed_detectors == ()


HOSTILE = {
    "labels": "MRN 12345 " * 409,
    "bare shapes": "K1234567 pt " * 341,
    "cad dashes": "CAD 1234-5678-9012-3456 " * 170,
    "all digits": "5" * 4096,
    "spaced digits": " ".join("1234567890" * 205)[:4096],
    "mixed scripts": ("ж٣４O l|1 \u0301\u200b" * 512)[:4096],
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_does_not_raise_and_returns(text: str) -> None:
    assert isinstance(find(text), list)
    assert screen(text).failed_detectors == ()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("PACS accession no AX4471902 has the wrong patient's images attached", "AX4471902"),
        ("specimen no 24-118830 arrived unlabelled, lab have binned it", "24-118830"),
        ("A&E no 20251014-0093 left before being seen, can someone ring her", "20251014-0093"),
        ("sexual health no SH-30417 needs recalling for treatment", "SH-30417"),
        ("theatre episode number 77120455 has the wrong consent scanned", "77120455"),
        ("Rx no 5583021 was dispensed twice, pharmacy to check", "5583021"),
        ("dental ref DN-40917 – extraction done on the wrong side", "DN-40917"),
        ("school health ref 48812 – care plan needs updating before the trip", "48812"),
        ("histology no H25-08812 came back as someone else's sample", "H25-08812"),
        ("prison no B7730KD needs his diabetic review booking", "B7730KD"),
    ],
)
def test_a_departments_record_number_is_a_patients(text: str, code: str) -> None:
    assert found_text(text) == [code]
    verdict = screen(text)
    assert verdict.action is Action.REMOVE
    assert code not in verdict.redacted_text


@pytest.mark.parametrize(
    "text",
    [
        "pharmacy no 0113 496 0521 for stock queries",
        "clinic room no 4 has the new couch",
        "PO no 45099821 for the theatre trolleys",
        "ESR staff no 20114573 is wrong on my payslip",
        "staff referral no 44812 for occ health",
        "job no 778201 logged with estates for the clinic door",
        "asset no AX4471902 is the broken ECG machine",
        "Datix ref 223190 for the fall, done",
        "room booking ref 443321 for the clinic away day",
        "theatre 3 is closed for a deep clean until 14:00",
    ],
)
def test_business_staff_and_room_numbers_near_a_department_are_not_findings(text: str) -> None:
    assert find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "prisoner C6612LP has missed 3 doses of his epilepsy meds",
        "D2205KR on the landing needs his insulin before lock up",
        "F4410TS dressing change due, pt on the healthcare wing",
    ],
)
def test_a_prison_number_with_prison_or_patient_words_is_found(text: str) -> None:
    (match,) = find(text)
    assert match.rule == "hospital_number.prison_number"
    assert screen(text).action is Action.REMOVE


@pytest.mark.parametrize(
    "text",
    ["part no A1234BC is out of stock", "the new locker code is K5521XY", "A1234bc"],
)
def test_a_prison_number_shape_alone_is_not_a_finding(text: str) -> None:
    assert find(text) == []


def test_many_department_labels_are_screened() -> None:
    assert_screens(find, ("RIS no 12345 " * 400)[:4096])
