"""Photos and documents in a group are screened like text."""

from pathlib import Path

from tests.bot.harness import ADMIN, GROUP, POSTER, staff_group
from tests.media.samples import PATIENTS, cake_photo, encoded, handover_sheet, patient_workbook


async def test_a_photo_of_a_handover_sheet_is_removed(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        photo = encoded(handover_sheet())
        message_id = bot.world.post(GROUP, POSTER, caption="for the late shift", photo=photo)[
            "message_id"
        ]
        await bot.until(lambda: bot.world.is_deleted(GROUP, message_id), timeout=60)
        alert = (await bot.until(lambda: bot.world.inbox(ADMIN)))[0]
        assert "patient.nhs_number" in alert
        assert "image" in alert
        for patient in PATIENTS:
            assert patient.nhs_number not in alert


async def test_a_patient_list_spreadsheet_is_removed_and_a_cake_is_not(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        cake = bot.world.post(GROUP, POSTER, photo=encoded(cake_photo()))["message_id"]
        sheet = bot.world.post(GROUP, POSTER, document=("caseload.xlsx", patient_workbook()))[
            "message_id"
        ]
        await bot.until(lambda: bot.world.is_deleted(GROUP, sheet), timeout=60)
        assert not bot.world.is_deleted(GROUP, cake)
        (incident,) = await bot.incidents()
        assert "xlsx" in incident.redacted_text


async def test_a_document_named_after_a_patient_is_removed_whatever_it_holds(
    tmp_path: Path,
) -> None:
    async with staff_group(tmp_path) as bot:
        named = bot.world.post(
            GROUP, POSTER, document=("Mrs Thornbury DOB 12.03.1948.txt", b"Discharge summary")
        )["message_id"]
        await bot.until(lambda: bot.world.is_deleted(GROUP, named), timeout=30)
        (incident,) = await bot.incidents()
        assert "patient.dob" in incident.category_names
        assert "Thornbury" not in incident.redacted_text
        assert "12.03.1948" not in incident.redacted_text
