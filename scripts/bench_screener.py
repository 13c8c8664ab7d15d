"""Screener speed on one core: throughput and latency on corpus-like text, worst hostile case.

Run with `make bench`. Prints a table; asserts nothing (tests hold correctness,
this reports numbers).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bot.moderation import Screener

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "dev.jsonl"
ROUNDS = 30
NEW_NUMBER_ROUNDS = 10
HOSTILE_SIZE = 4096


def corpus_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as stream:
        return [json.loads(line)["text"] for line in stream if line.strip()]


def hostile_inputs() -> dict[str, str]:
    rng = random.Random(7)
    mixed_scripts = "".join(
        rng.choice("aЖ字ع१٣ßﬁ𝟘𝐀") + rng.choice(["", "\u0301", "\u0336", "\u200b", "\u202e"])
        for _ in range(HOSTILE_SIZE // 2)
    )
    return {
        "4,096 digits": "7" * HOSTILE_SIZE,
        "digits and spaces": "4 " * (HOSTILE_SIZE // 2),
        "digit groups 3-3-4": ("485 777 3456 " * (HOSTILE_SIZE // 13)),
        "look-alikes O/l/|": "O1l|" * (HOSTILE_SIZE // 4),
        "mixed scripts + marks": mixed_scripts[:HOSTILE_SIZE],
        "number words": "four " * (HOSTILE_SIZE // 5),
        "one long word": "a" * HOSTILE_SIZE,
        "punctuation": "-./" * (HOSTILE_SIZE // 3),
        "capitalised words": "Mrs Smith " * (HOSTILE_SIZE // 10),
        "emoji": "😂" * (HOSTILE_SIZE // 2),
        "rude obfuscation": "f.u.c.k " * (HOSTILE_SIZE // 8),
        "newlines": "\n" * HOSTILE_SIZE,
    }


def with_new_numbers(texts: list[str], rng: random.Random) -> list[str]:
    """The corpus with its digits swapped around: numbers the screener has not seen yet."""
    digits = list("0123456789")
    rng.shuffle(digits)
    table = str.maketrans("0123456789", "".join(digits))
    return [text.translate(table) for text in texts]


def new_numbers_rate(screener: Screener, texts: list[str]) -> float:
    """Messages per CPU-second when every round brings new numbers, as a real group does."""
    rng = random.Random(11)
    screened = 0
    cpu = 0.0
    for _ in range(NEW_NUMBER_ROUNDS):
        batch = with_new_numbers(texts, rng)
        started = time.thread_time()
        for text in batch:
            screener.screen(text)
        cpu += time.thread_time() - started
        screened += len(batch)
    return screened / cpu


def time_call(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def main() -> None:
    pin_to_one_core()
    screener = Screener()
    texts = corpus_texts()
    for text in texts:  # warm up caches and lazy imports
        screener.screen(text)

    latencies: list[float] = []
    rounds: list[float] = []
    started = time.perf_counter()
    cpu_started = time.thread_time()
    for _ in range(ROUNDS):
        round_started = time.perf_counter()
        for text in texts:
            latencies.append(time_call(lambda text=text: screener.screen(text)))
        rounds.append(time.perf_counter() - round_started)
    elapsed = time.perf_counter() - started
    cpu_elapsed = time.thread_time() - cpu_started
    latencies.sort()

    print(f"screener benchmark: {len(screener.detectors)} detectors, one core")
    print(f"{'measure':34} {'value':>12}")
    print(f"{'messages screened':34} {len(latencies):>12,}")
    print(f"{'messages per second':34} {len(latencies) / elapsed:>12,.0f}")
    # CPU time is what one core spends; wall time also counts other programs' turns.
    print(f"{'messages per CPU-second':34} {len(latencies) / cpu_elapsed:>12,.0f}")
    # The fastest pass over the corpus: what the core does when nothing else
    # (another VM, say) takes its turns; the mean above includes those.
    print(f"{'messages per second, best round':34} {len(texts) / min(rounds):>12,.0f}")
    # The corpus repeats every round; real messages bring numbers never seen before.
    print(f"{'msg per CPU-second, new numbers':34} {new_numbers_rate(screener, texts):>12,.0f}")
    print(f"{'p50 per message (ms)':34} {statistics.median(latencies) * 1000:>12.3f}")
    print(f"{'p99 per message (ms)':34} {latencies[int(len(latencies) * 0.99)] * 1000:>12.3f}")
    print(f"{'max per message (ms)':34} {latencies[-1] * 1000:>12.3f}")
    print()
    print(f"{'hostile input (4,096 chars)':34} {'worst of 3 (ms)':>16}")
    worst = 0.0
    for name, text in hostile_inputs().items():
        seconds = max(time_call(lambda text=text: screener.screen(text)) for _ in range(3))
        worst = max(worst, seconds)
        print(f"{name:34} {seconds * 1000:>16.2f}")
    print(f"{'worst hostile case':34} {worst * 1000:>16.2f}")


if __name__ == "__main__":
    main()
