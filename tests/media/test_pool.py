"""The worker pool: files are screened in other processes, and a stuck one is replaced."""

import asyncio
import dataclasses
import time

import numpy as np
import pytest
from PIL import Image

from bot.media import FacesSetting, MediaScreener
from bot.media.limits import DEFAULT_LIMITS
from bot.moderation import DEFAULT_POLICY, Action, Screener
from bot.moderation.policy import ScreeningPolicy
from tests.media import samples


def noise_png(side: int = 1600) -> bytes:
    """Texture with no text: OCR works hard on it for a second or more."""
    pixels = np.random.default_rng(1).integers(0, 256, (side, side), dtype=np.uint8)
    return samples.encoded(Image.fromarray(pixels), "PNG")


async def test_a_photo_is_screened_in_a_worker_under_the_groups_policy(tmp_path) -> None:
    photo = samples.encoded(samples.handover_sheet(), "JPEG", quality=85)
    path = tmp_path / "board.jpg"
    path.write_bytes(photo)
    no_dob = dataclasses.replace(DEFAULT_POLICY, enabled=DEFAULT_POLICY.enabled - {"patient.dob"})
    async with MediaScreener(workers=1) as media:
        assert media.problems == []
        from_bytes = await media.screen_file(photo, "board.jpg", DEFAULT_POLICY, "flag")
        from_path = await media.screen_file(path, None, no_dob)
    assert from_bytes.action is Action.REMOVE
    assert "patient.dob" in from_bytes.categories
    assert from_path.action is Action.REMOVE
    assert "patient.dob" not in from_path.categories


async def test_the_event_loop_keeps_screening_text_while_a_worker_reads_a_file() -> None:
    screener = Screener()
    gaps: list[float] = []

    async def screen_messages_meanwhile(done: asyncio.Event) -> int:
        screened = 0
        last = time.perf_counter()
        while not done.is_set():
            screener.screen("Bed 4 NHS 943 476 5919")
            screened += 1
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        return screened

    async with MediaScreener(workers=1) as media:
        done = asyncio.Event()
        ticker = asyncio.create_task(screen_messages_meanwhile(done))
        started = time.perf_counter()
        verdict = await media.screen_file(noise_png(1200), "noise.png", DEFAULT_POLICY)
        busy = time.perf_counter() - started
        done.set()
        screened = await ticker
    assert verdict.action is Action.ALLOW
    assert busy > 0.3  # the file really kept the worker busy...
    assert screened > busy / 0.05  # ...while the loop went on screening messages
    assert max(gaps) < 0.25


async def test_a_file_that_overruns_is_unscreened_and_its_worker_replaced() -> None:
    limits = dataclasses.replace(DEFAULT_LIMITS, seconds_per_file=0.3, kill_grace_seconds=0.3)
    async with MediaScreener(workers=1, limits=limits) as media:
        started = time.perf_counter()
        slow = await media.screen_file(noise_png(), "noise.png", DEFAULT_POLICY)
        elapsed = time.perf_counter() - started
        after = await media.screen_file(
            samples.patient_csv(), "list.csv", DEFAULT_POLICY, FacesSetting.OFF
        )
    assert slow.action is Action.FLAG
    assert slow.unscreened_reason == "timed out after 0.3 s"
    assert slow.kind == "image"
    assert elapsed < 2.0
    assert after.action is Action.REMOVE  # the fresh worker carries on


async def test_a_file_over_the_size_limit_is_not_read_or_sent(tmp_path) -> None:
    path = tmp_path / "huge.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"0" * 5000)
    limits = dataclasses.replace(DEFAULT_LIMITS, max_file_bytes=1000)
    async with MediaScreener(workers=1, limits=limits) as media:
        verdict = await media.screen_file(path, "huge.pdf", DEFAULT_POLICY)
        with pytest.raises(FileNotFoundError):
            await media.screen_file(tmp_path / "missing.pdf", None, DEFAULT_POLICY)
    assert verdict.action is Action.FLAG
    assert verdict.unscreened_reason.startswith("file too large")


async def test_a_policy_with_a_trusts_own_settings_reaches_the_worker() -> None:
    from bot.moderation.policy import HospitalNumberFormat

    policy = dataclasses.replace(
        DEFAULT_POLICY,
        hospital_number_formats=(HospitalNumberFormat("unit number", r"[A-Z]\d{7}"),),
    )
    assert isinstance(policy, ScreeningPolicy)
    async with MediaScreener(workers=1) as media:
        verdict = await media.screen_file(b"Unit no Q7654321 for the ward", "a.txt", policy)
    assert "patient.hospital_number" in verdict.categories


async def test_a_cancelled_screening_does_not_leave_a_busy_worker_behind() -> None:
    async with MediaScreener(workers=1) as media:
        slow = asyncio.create_task(media.screen_file(noise_png(), "noise.png", DEFAULT_POLICY))
        await asyncio.sleep(0.3)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        started = time.perf_counter()
        verdict = await media.screen_file(samples.patient_csv(), "list.csv", DEFAULT_POLICY)
        elapsed = time.perf_counter() - started
    # Served by a fresh worker, not after the old one had finished reading the noise.
    assert verdict.action is Action.REMOVE
    assert elapsed < 5
