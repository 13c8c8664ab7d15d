"""The verification sweeper: overdue join requests, run-out verifications and leavers.

Everything it works from is in the database, so a restart (or a revocation made
with `staffguard staff revoke` while the bot runs) is picked up on the next look.
"""

from __future__ import annotations

import asyncio
import logging

from bot.membership.verification import Verifier
from bot.storage.errors import StorageError

log = logging.getLogger(__name__)


async def sweep_periodically(verifier: Verifier, interval_seconds: float) -> None:
    """For as long as the bot runs."""
    while True:
        try:
            await verifier.sweep()
        except StorageError as error:
            log.error("staff verification: %s", error)
        except Exception as error:  # keep sweeping; the type only (no member's details)
            log.error("staff verification failed: %s", type(error).__name__)
        await asyncio.sleep(interval_seconds)
