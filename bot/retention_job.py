"""The retention job: quarantined originals and old incidents are purged on schedule."""

from __future__ import annotations

import asyncio
import logging

from bot.storage.database import Database
from bot.storage.errors import StorageError
from bot.storage.retention import PurgeReport, RetentionPolicy, purge_expired

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 6 * 3600


async def purge_once(database: Database, policy: RetentionPolicy) -> PurgeReport | None:
    try:
        async with database.transaction() as session:
            report = await purge_expired(session, policy, actor="retention job")
    except StorageError as error:
        log.error("retention purge failed: %s", error)
        return None
    if report.originals or report.incidents:
        log.info(
            "retention: purged %d original(s) and %d incident(s)",
            report.originals,
            report.incidents,
        )
    return report


async def purge_periodically(
    database: Database, policy: RetentionPolicy, interval: float = PURGE_INTERVAL_SECONDS
) -> None:
    """Purge now, then every `interval` seconds, for as long as the bot runs."""
    while True:
        await purge_once(database, policy)
        await asyncio.sleep(interval)
