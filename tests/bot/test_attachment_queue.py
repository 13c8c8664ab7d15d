"""Photos and documents are screened from a durable queue, never holding up other messages."""

from pathlib import Path

from bot.moderation.types import Attachment, Post
from bot.storage.migrate import open_database
from bot.storage.pending import count_queued, queue_post
from bot.storage.quarantine import Quarantine
from bot.testserver.app import TestServer
from tests.bot.harness import (
    GROUP,
    GROUP_TITLE,
    POSTER,
    TOKEN,
    Harness,
    bot_settings,
    running_bot,
    staff_group,
    staff_world,
)
from tests.media.samples import handover_sheet, patient_workbook, scanned_pdf

TEXT_BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"


async def test_a_slow_document_does_not_hold_up_the_next_message(tmp_path: Path) -> None:
    # Five scanned pages: seconds of OCR, where a text message takes milliseconds.
    slow = scanned_pdf([handover_sheet()] * 5)
    async with staff_group(tmp_path) as bot:
        document = bot.world.post(GROUP, POSTER, document=("handover.pdf", slow))["message_id"]
        text = bot.post(POSTER, TEXT_BREACH)
        await bot.until(lambda: bot.world.is_deleted(GROUP, text), timeout=30)
        # The text breach is out while the document is still being read...
        assert not bot.world.is_deleted(GROUP, document)
        # ...and the document is removed too once its pages have been read.
        await bot.until(lambda: bot.world.is_deleted(GROUP, document), timeout=120)
        await bot.until(lambda: queue_is_empty(bot))


async def queue_is_empty(bot: Harness) -> bool:
    async with bot.database.transaction() as session:
        return await count_queued(session) == 0


async def test_a_file_queued_before_a_restart_is_screened_after_it(tmp_path: Path) -> None:
    world = staff_world()
    message = world.post(GROUP, POSTER, document=("list.xlsx", patient_workbook()))
    world.drop_pending_updates()  # the stopped bot had confirmed the update
    async with TestServer(world, TOKEN) as server:
        settings = bot_settings(server, tmp_path)
        database = await open_database(settings)
        post = Post(
            text="",
            chat_id=GROUP,
            message_id=message["message_id"],
            author_id=POSTER,
            author_name="Ben",
            attachments=(
                Attachment("document", message["document"]["file_id"], file_name="list.xlsx"),
            ),
        )
        async with database.transaction() as session:
            quarantine = Quarantine.from_settings(settings)
            await queue_post(session, post, GROUP_TITLE, quarantine, redacted_caption="")
        try:
            async with running_bot(world, settings) as started:
                bot = Harness(world, settings, database, started)
                await bot.until(lambda: world.is_deleted(GROUP, message["message_id"]), 60)
                (incident,) = await bot.incidents()
                assert "patient.name" in incident.category_names
                await bot.until(lambda: queue_is_empty(bot))
        finally:
            await database.dispose()


async def test_queued_file_names_and_captions_are_sealed(tmp_path: Path) -> None:
    """A file's name can name a patient: the queue keeps it encrypted, like a caption."""
    async with staff_group(tmp_path) as bot:
        async with bot.database.transaction() as session:
            await queue_post(
                session,
                Post(
                    text="see attached",
                    chat_id=GROUP,
                    message_id=999,
                    attachments=(Attachment("document", "file-1", file_name="Thornbury.pdf"),),
                ),
                GROUP_TITLE,
                Quarantine.from_settings(bot.settings),
                redacted_caption="see attached",
            )
        database_file = Path(bot.settings.database_url.removeprefix("sqlite+aiosqlite:///"))
        files = list(database_file.parent.glob(database_file.name + "*"))  # with its -wal
        raw = b"".join(path.read_bytes() for path in files)
        assert len(files) > 1
        assert b"Thornbury" not in raw
        assert b"see attached" not in raw
