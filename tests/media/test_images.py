"""Photos: text read by OCR and screened like a message, faces by the group's setting."""

from pathlib import Path

import pytest
from PIL import Image

from bot.media.ocr import OcrWord, estimate_skew, looks_sideways, rows_of_words
from bot.media.verdict import FacesSetting
from bot.moderation import Action
from tests.media import samples

NHS_DIGITS = [patient.nhs_number.replace(" ", "") for patient in samples.PATIENTS]


def digits_only(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


@pytest.mark.parametrize("distortion", list(samples.DISTORTIONS))
def test_ocr_reads_every_nhs_number_on_a_distorted_handover_sheet(engines, distortion) -> None:
    image = samples.DISTORTIONS[distortion](samples.handover_sheet())
    reading = engines.ocr.read(image)
    lines = [digits_only(line) for line in reading.lines]
    for number in NHS_DIGITS:
        assert any(number in line for line in lines), (distortion, reading.lines)


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_sheet_photographed_sideways_or_upside_down_is_turned_before_reading(engines, turn):
    image = samples.handover_sheet().rotate(turn, expand=True)
    reading = engines.ocr.read(image)
    assert reading.turned_degrees == (360 - turn) % 360
    assert "943 476 5919" in reading.text


def test_skew_is_measured_and_a_level_sheet_is_left_alone() -> None:
    sheet = samples.handover_sheet().convert("L")
    assert estimate_skew(sheet) == 0.0
    turned = sheet.rotate(6, expand=True, fillcolor=255)
    assert estimate_skew(turned) == pytest.approx(-6, abs=0.5)
    assert not looks_sideways(sheet)
    assert looks_sideways(sheet.rotate(90, expand=True))


def test_words_are_regrouped_into_rows_across_columns() -> None:
    # Tesseract may read a table column by column; rows put each patient back on one line.
    words = [
        OcrWord("Bed", 90, (10, 10, 40, 30)),
        OcrWord("4", 90, (45, 12, 55, 30)),
        OcrWord("Bed", 90, (10, 50, 40, 70)),
        OcrWord("6", 90, (45, 51, 55, 70)),
        OcrWord("Smith", 90, (200, 11, 260, 31)),
        OcrWord("Jones", 90, (200, 49, 260, 69)),
    ]
    assert rows_of_words(words) == ("Bed 4  Smith", "Bed 6  Jones")


def test_a_photo_of_a_handover_sheet_is_removed_with_each_finding_placed(screen) -> None:
    image = samples.DISTORTIONS["all of them"](samples.handover_sheet())
    verdict = screen(samples.encoded(image, "JPEG", quality=60), "IMG_0042.jpg")
    assert verdict.action is Action.REMOVE
    assert verdict.kind == "image"
    assert {"patient.nhs_number", "patient.dob"} <= set(verdict.categories)
    nhs_parts = {
        item.part for item in verdict.findings if item.finding.category == "patient.nhs_number"
    }
    assert nhs_parts == {"image, line 2", "image, line 4", "image, line 6"}
    shown = " ".join(item.finding.evidence for item in verdict.findings) + verdict.redacted_excerpt
    for number in NHS_DIGITS:
        assert number not in digits_only(shown)
    assert "12/03/1941" not in shown
    assert verdict.fully_screened


def test_a_rota_photo_and_a_cake_are_allowed(screen) -> None:
    rota = screen(samples.encoded(samples.draw_lines(samples.rota_lines()), "PNG"), "rota.png")
    cake = screen(samples.encoded(samples.cake_photo(), "JPEG"), "cake.jpg", FacesSetting.HOLD)
    assert rota.action is Action.ALLOW, rota.findings
    assert rota.parts_screened == 1
    assert cake.action is Action.ALLOW
    assert cake.faces == ()
    assert cake.findings == ()


@pytest.mark.parametrize(
    ("setting", "action"),
    [
        (FacesSetting.FLAG, Action.FLAG),
        (FacesSetting.HOLD, Action.HOLD),
        (FacesSetting.OFF, Action.ALLOW),
    ],
)
def test_a_face_does_what_the_group_setting_says(screen, setting, action) -> None:
    verdict = screen(samples.encoded(samples.face_photo(), "JPEG"), "selfie.jpg", setting)
    assert verdict.action is action
    assert verdict.faces_action is action
    if setting is FacesSetting.OFF:
        assert verdict.faces == ()  # not even looked for
    else:
        (face,) = verdict.faces
        assert face.part == "image"
        x, y, width, height = face.box
        assert width > 200
        assert height > 200
        assert 0 < x < 100
        assert 0 < y < 100


def test_patient_data_in_a_photo_with_a_face_is_still_removed(screen) -> None:
    sheet = samples.handover_sheet()
    canvas = Image.new("RGB", (sheet.width, sheet.height + 380), "white")
    canvas.paste(sheet, (0, 0))
    canvas.paste(samples.face_photo(), (180, sheet.height + 10))
    verdict = screen(samples.encoded(canvas, "JPEG", quality=90), "board.jpg", FacesSetting.FLAG)
    assert verdict.action is Action.REMOVE
    assert len(verdict.faces) == 1
    assert verdict.faces_action is Action.FLAG


def test_an_image_too_large_in_pixels_is_refused_before_decoding(screen) -> None:
    # A 1-bit PNG of 20,000 x 20,000 pixels packs into a few kilobytes.
    bomb = samples.encoded(Image.new("1", (20_000, 20_000)), "PNG", optimize=True)
    assert len(bomb) < 100_000
    verdict = screen(bomb, "bomb.png")
    assert verdict.action is Action.FLAG
    assert "image too large" in verdict.unscreened_reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (samples.encoded(samples.cake_photo(), "JPEG")[:3000], "damaged image"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 200, "HEIC"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "not an image format"),
    ],
)
def test_a_damaged_or_unsupported_image_is_reported_unscreened(screen, data, reason) -> None:
    verdict = screen(data, "photo.jpg")
    assert verdict.action is Action.FLAG
    assert reason in verdict.unscreened_reason
    assert not verdict.fully_screened


def test_an_image_with_no_ocr_is_flagged_not_passed(engines) -> None:
    from bot.media.screening import Engines, screen_file_data
    from bot.moderation import DEFAULT_POLICY

    no_ocr = Engines(ocr=None, faces=engines.faces)
    data = samples.encoded(samples.handover_sheet(), "PNG")
    verdict = screen_file_data(data, "sheet.png", DEFAULT_POLICY, FacesSetting.OFF, no_ocr)
    assert verdict.action is Action.FLAG
    assert "no OCR" in verdict.unscreened_reason


def test_a_missing_ocr_model_is_a_warning_at_start_not_a_crash(monkeypatch, tmp_path) -> None:
    from bot.media import ocr
    from bot.media.screening import engine_problems, load_engines

    monkeypatch.setattr(ocr, "TESSDATA_DIR", tmp_path)
    (problem,) = engine_problems()
    assert problem.startswith("text in photos and scans will not be read")
    assert "eng.traineddata is missing" in problem
    engines = load_engines()
    assert engines.ocr is None
    assert engines.faces is not None


def test_the_ocr_model_ships_inside_the_package() -> None:
    import bot
    from bot.media.ocr import TESSDATA_DIR, ocr_unavailable_reason

    assert ocr_unavailable_reason() is None
    assert (TESSDATA_DIR / "eng.traineddata").stat().st_size > 1_000_000
    assert TESSDATA_DIR.is_relative_to(Path(bot.__file__).parent)  # ours, not a system copy
