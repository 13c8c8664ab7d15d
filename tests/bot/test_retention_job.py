"""Originals expire: the bot's retention job purges them on schedule."""

from datetime import timedelta
from pathlib import Path

from bot.retention_job import purge_once
from bot.storage.columns import utc_now
from bot.storage.models import QuarantinedOriginal
from bot.storage.quarantine import has_original
from bot.storage.retention import RetentionPolicy
from tests.bot.harness import GROUP, POSTER, staff_group

BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"


async def test_the_bot_purges_expired_originals_and_keeps_the_redacted_incident(
    tmp_path: Path,
) -> None:
    async with staff_group(tmp_path) as bot:
        message_id = bot.post(POSTER, BREACH)
        await bot.until(lambda: bot.world.is_deleted(GROUP, message_id))
        (incident,) = await bot.until(bot.incidents)
        async with bot.database.transaction() as session:
            assert await has_original(session, incident.id)
            original = await session.get(QuarantinedOriginal, incident.id)
            original.stored_at = utc_now() - timedelta(days=31)
        report = await purge_once(bot.database, RetentionPolicy(original_days=30))
        assert report is not None
        assert report.originals == 1
        async with bot.database.transaction() as session:
            assert not await has_original(session, incident.id)
        assert [row.id for row in await bot.incidents()] == [incident.id]
