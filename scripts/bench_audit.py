"""`staffguard audit` speed and memory on large synthetic exports of each kind.

Writes a Telegram Desktop result.json and WhatsApp Android and iOS chats of
N messages (default 200,000; text from the dev corpus, with multi-line posts,
system lines and media lines) to a temporary folder, audits each in a fresh
process (so every peak RSS is that run's own) with the JSON-lines, CSV and
HTML outputs on, and prints a table. Asserts nothing: tests hold correctness.

Each export is audited with a no-op engine (what reading, counting and
writing cost on their own) and with the real engine in 1 and in N processes.
CPU seconds cover every process, so the figures mean something on a busy
machine too: messages per CPU-second is what one free core would do.

    python scripts/bench_audit.py [--messages N] [--jobs 1 2 ...] [--engines real none]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from bot.moderation import Action, Post, Verdict

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "dev.jsonl"
AUTHORS = ["Jane Smith", "Bob Jones", "Dr A. Khan", "Sister Okafor", "Tom", "Priya Patel"]
FALLBACK_TEXTS = [
    "Handover at 2 in the seminar room",
    "Can someone cover the late on Friday?",
    "Bed 4 NHS no 943 476 5919 needs bloods",
    "Payroll asked for my NI no JT 48 61 93 B, is that right?",
]


def corpus_texts() -> list[str]:
    if not CORPUS.is_file():
        return FALLBACK_TEXTS
    with CORPUS.open(encoding="utf-8") as stream:
        return [json.loads(line)["text"] for line in stream if line.strip()]


def synthetic_posts(count: int, seed: int = 11) -> Iterator[tuple[datetime, str, str, str]]:
    """(date, author, kind, text) with kind 'post', 'service' or 'media'."""
    rng = random.Random(seed)
    texts = corpus_texts()
    date = datetime(2022, 1, 3, 7, 0)
    for index in range(count):
        date += timedelta(seconds=rng.randint(20, 600))
        author = rng.choice(AUTHORS)
        if index % 50 == 0:
            yield date, author, "service", ""
        elif index % 40 == 0:
            yield date, author, "media", ""
        else:
            text = rng.choice(texts)
            if index % 9 == 0:
                text += "\n" + rng.choice(texts)
            yield date, author, "post", text


def write_telegram(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"name": "Ward 7 nurses", "type": "private_supergroup", "id": 1, "messages": [')
        for index, (date, author, kind, text) in enumerate(synthetic_posts(count)):
            message: dict[str, object] = {"id": index + 1, "date": date.isoformat()}
            if kind == "service":
                message |= {"type": "service", "actor": author, "action": "invite_members"}
            else:
                message |= {"type": "message", "from": author, "from_id": "user42"}
                if kind == "media":
                    message["photo"] = f"photos/photo_{index}.jpg"
                message["text"] = (
                    [text[:5], {"type": "bold", "text": text[5:]}] if index % 7 == 0 else text
                )
            out.write(("," if index else "") + "\n" + json.dumps(message, ensure_ascii=False))
        out.write("\n]}\n")


def write_whatsapp(path: Path, count: int, header: Callable[[datetime], str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for date, author, kind, text in synthetic_posts(count):
            if kind == "service":
                out.write(f"{header(date)}{author} added Tom\n")
            elif kind == "media":
                out.write(f"{header(date)}{author}: <Media omitted>\n")
            else:
                out.write(f"{header(date)}{author}: {text}\n")


def android_header(date: datetime) -> str:
    return f"{date:%d/%m/%Y, %H:%M} - "


def ios_header(date: datetime) -> str:
    hour = date.hour % 12 or 12
    return f"\u200e[{date.month}/{date.day}/{date:%y}, {hour}:{date:%M:%S}\u202f{date:%p}] "


class NoOpScreener:
    """Allows everything at no cost: leaves only the audit's own work to measure."""

    def screen(self, post: Post) -> Verdict:
        return Verdict(Action.ALLOW, redacted_text=post.text)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def run_one(path: Path, jobs: int, engine: str) -> dict[str, float]:
    """In this (fresh) process: audit `path` with every output on; report figures."""
    from bot.audit.detect import open_export
    from bot.audit.outputs import CsvWriter, HtmlReport, JsonLinesWriter
    from bot.audit.runner import run_audit
    from bot.moderation import Screener

    factory = NoOpScreener if engine == "none" else Screener

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        with (
            (folder / "r.jsonl").open("w", encoding="utf-8") as jsonl,
            (folder / "r.csv").open("w", encoding="utf-8", newline="") as csv_file,
            (folder / "r.html").open("w", encoding="utf-8") as html,
        ):
            sinks = [JsonLinesWriter(jsonl), CsvWriter(csv_file), HtmlReport(html)]
            started, cpu_started = time.perf_counter(), cpu_seconds()
            summary = run_audit(
                open_export(path),
                screener_factory=factory,  # type: ignore[arg-type]
                sinks=sinks,
                jobs=jobs,
            )
            seconds = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_started
    return {
        "messages": summary.messages_read,
        "screened": summary.messages_screened,
        "breaches": summary.breaches,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure(path: Path, jobs: int, engine: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--run", str(path), "--jobs", str(jobs), "--engines", engine],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=os.environ | {"PYTHONPATH": str(REPO)},
    )
    return json.loads(result.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=sorted({1, os.cpu_count() or 1}))
    parser.add_argument("--engines", nargs="+", choices=("none", "real"), default=["none", "real"])
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(args.run, args.jobs[0], args.engines[0])))
        return

    from bot.moderation import Screener

    print(
        f"audit benchmark: {args.messages:,} messages per export, "
        f"{len(Screener().detectors)} detectors, {os.cpu_count()} CPU cores"
    )
    exports: list[tuple[str, str, Callable[[Path, int], None]]] = [
        ("Telegram result.json", "result.json", write_telegram),
        ("WhatsApp Android", "android.txt", lambda p, n: write_whatsapp(p, n, android_header)),
        ("WhatsApp iOS", "_chat.txt", lambda p, n: write_whatsapp(p, n, ios_header)),
    ]
    header = (
        f"{'export':22} {'MB':>5} {'engine':>6} {'jobs':>4} {'messages':>9} {'breaches':>8} "
        f"{'seconds':>7} {'msg/s':>7} {'CPU s':>6} {'msg/CPU-s':>9} {'RSS MiB':>7} "
        f"{'worker':>6}"
    )
    print(header)
    print("-" * len(header))
    runs = [("none", 1)] if "none" in args.engines else []
    runs += [("real", jobs) for jobs in args.jobs] if "real" in args.engines else []
    with tempfile.TemporaryDirectory() as scratch:
        for label, name, write in exports:
            path = Path(scratch) / name
            write(path, args.messages)
            size = path.stat().st_size / 1e6
            for engine, jobs in runs:
                print(row(label, size, engine, jobs, measure(path, jobs, engine)))
            path.unlink()


def row(label: str, size: float, engine: str, jobs: int, figures: dict[str, float]) -> str:
    rate = figures["messages"] / figures["seconds"]
    per_cpu = figures["messages"] / figures["cpu_seconds"]
    workers = f"{figures['worker_rss_mib']:6.0f}" if jobs > 1 else f"{'-':>6}"
    return (
        f"{label:22} {size:5.0f} {engine:>6} {jobs:4} {figures['messages']:9,.0f} "
        f"{figures['breaches']:8,.0f} {figures['seconds']:7.1f} {rate:7,.0f} "
        f"{figures['cpu_seconds']:6.1f} {per_cpu:9,.0f} {figures['rss_mib']:7.0f} {workers}"
    )


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    main()
