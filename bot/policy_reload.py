"""The policy file, read again when it changes while the bot runs.

A changed file is used only once it checks out; one with problems is logged
(the problems name lines and keys, never message text) and the policy in force
is kept, so a slip while editing never leaves a group half-configured.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.codeofconduct.policy_file import PolicyFileError, load_policy_file
from bot.enforcement.services import Services

log = logging.getLogger(__name__)


def _fingerprint(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


async def reload_when_changed(
    services: Services,
    path: Path,
    interval: float,
    on_change: Callable[[], Awaitable[Any]],
) -> None:
    """Look at `path` every `interval` seconds; use a changed file, then call `on_change`."""
    seen = _fingerprint(path)
    while True:
        await asyncio.sleep(interval)
        current = _fingerprint(path)
        if current is None or current == seen:
            continue
        seen = current
        try:
            policy = load_policy_file(path)
        except PolicyFileError as error:
            log.error(
                "policy file changed but has %d problem(s); the policy in force is kept:\n%s",
                len(error.problems),
                error,
            )
            continue
        services.replace_policy(policy)
        services.screener(None)  # compile the new rules now, not on the next message
        log.info("policy file %s changed: now in force", path)
        try:
            await on_change()
        except Exception as error:  # keep watching; the type only
            log.error("after the policy change: %s", type(error).__name__)
