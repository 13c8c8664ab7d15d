"""`staffguard audit` speed and memory on large synthetic exports of each kind and mix.

Writes a Telegram Desktop result.json and WhatsApp Android and iOS chats of
N messages (default 200,000) to a temporary folder, audits each in a fresh
process (so every peak RSS is that run's own) with the JSON-lines, CSV and
HTML outputs on, and prints a table. Asserts nothing: tests hold correctness.

Two message mixes, named in the table's first column:

- `realistic`: what a staff group mostly says. 35 % short acknowledgements
  and reactions ("ok", "thanks", "👍": a few dozen, repeated all day), 40 %
  rota and team talk from templates with names, days, times and places filled
  in at random, 20 % clean messages from the dev corpus, 5 % breaches and
  other non-allow lines from the dev corpus. This is an assumed mix, not a
  measured one; no real chat was used.
- `breach-heavy`: the dev corpus drawn uniformly (two-thirds of its lines are
  breaches); a worst case for the engine. (Last session's benchmark drew the
  same lines, unframed: its figures compare with this mix, cache off.)

Corpus and templated lines get one of 400 openings and closings ("Hi all, …
thanks"), so long texts seldom repeat exactly, as in a real chat; the
corpus's 329 lines would otherwise repeat hundreds of times each and flatter
the cache.

Both have a join every 50 messages, a media line every 40, and some
multi-line posts. Each export is audited with a no-op engine (what reading,
counting and writing cost on their own) and with the real engine in 1 and in
N processes, with the verdict cache on and off (`reused` is the share of
screened texts whose verdict came from the cache). CPU seconds cover every
process, so the figures mean something on a busy machine too: messages per
CPU-second is what one free core would do.

    python scripts/bench_audit.py [--messages N] [--jobs 1 2] [--mixes realistic breach-heavy]
        [--formats telegram android ios] [--cache on off] [--engines real none] [--photos P]

With `--photos P` it then audits a Telegram export folder holding P photos
(media on), to show how photo screening and text screening overlap.
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
FALLBACK_CORPUS = [
    ("Handover at 2 in the seminar room", "allow"),
    ("Can someone cover the late on Friday?", "allow"),
    ("Bed 4 NHS no 943 476 5919 needs bloods", "remove"),
    ("Payroll asked for my NI no JT 48 61 93 B, is that right?", "remove"),
]

ACKNOWLEDGEMENTS = [
    "ok",
    "Ok",
    "OK 👍",
    "thanks",
    "Thanks!",
    "thank you",
    "Thank you 😊",
    "Thanks all",
    "👍",
    "👍🏻",
    "🙏",
    "❤️",
    "😂",
    "👏",
    "yes",
    "Yes please",
    "no",
    "no worries",
    "No problem",
    "will do",
    "Will do 👍",
    "on my way",
    "Morning all",
    "Good morning!",
    "Night all",
    "lol",
    "Congratulations!! 🎉",
    "Well done",
    "Happy birthday!! 🎂",
    "Same",
    "+1",
    "Me too",
    "Sorry, can't",
    "Got it",
    "Noted",
    "Perfect",
    "Great, thanks",
    "Brilliant",
    "See you there",
    "Cheers",
    "Done",
    "Sounds good",
    "Yes I can",
]
STAFF = [
    "Sam",
    "Priya",
    "Tom",
    "Dev",
    "Aisha",
    "Chloe",
    "Marek",
    "Grace",
    "Olu",
    "Fatima",
    "Ben",
    "Lucy",
    "Raj",
    "Hannah",
    "Kofi",
    "Ellie",
]
DAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "tomorrow",
    "next week",
    "the 14th",
    "the 21st",
]
SHIFTS = ["early", "late", "long day", "night", "twilight", "bank shift"]
PLACES = ["seminar room", "education centre", "staff room", "library", "Teams", "main canteen"]
TOPICS = [
    "hand hygiene",
    "mandatory training",
    "appraisal",
    "fire safety",
    "IV competency",
    "sepsis",
    "BLS",
    "manual handling",
]
TEMPLATES = [
    "Can anyone swap my {shift} on {day} for an {shift2}?",
    "{name} is covering the {shift} on {day}",
    "Who's on the {shift} {day}?",
    "Training on {day} at {time} in the {place}",
    "Reminder: {topic} training is due by {day}",
    "Staff meeting moved to {day} at {time}, {place}",
    "Running {minutes} mins late, sorry",
    "{name} has left their lanyard in the {place}",
    "Bank {shift} available {day}, message {name} if interested",
    "Is anyone driving in from town {day}? Car's in the garage",
    "Rota for next month is up on the board",
    "Cake in the {place} for {name}'s birthday 🎂",
    "Can someone bring the {topic} folder back to the office please",
    "{name} and {name2} are doing the {topic} audit {day}",
    "Parking at the {place} is full again",
    "I can do the {shift} {day} if still needed",
    "Anyone know if the {place} is booked at {time}?",
    "Thanks {name} for covering {day} 🙏",
]


# A corpus line or a templated one framed as people write: a chat of 200,000
# messages does not say the same long message 600 times, so neither does the
# benchmark (the verdict cache would flatter it). 20 x 20 frames per line.
OPENERS = [
    "",
    "Hi all, ",
    "Morning, ",
    "Quick one: ",
    "FYI ",
    "Hi team - ",
    "Just to say, ",
    "Evening all. ",
    "Update: ",
    "Sorry to bother you, ",
    "All - ",
    "Hiya, ",
    "PS ",
    "Afternoon! ",
    "Team, ",
    "Hello, ",
    "Heads up: ",
    "Quick q: ",
    "Folks, ",
    "Hi, ",
]
CLOSERS = [
    "",
    " thanks",
    " x",
    " 🙂",
    " cheers",
    " ta",
    " 👍",
    "!",
    " - J",
    " thanks all",
    " 🙏",
    " ty",
    " xx",
    " :)",
    " - S",
    " many thanks",
    " 😊",
    " thank you",
    " cheers all",
    " (sorry)",
]


def framed(rng: random.Random, text: str) -> str:
    return rng.choice(OPENERS) + text + rng.choice(CLOSERS)


def corpus() -> list[tuple[str, str]]:
    """(text, action) of every labelled line of the dev corpus."""
    if not CORPUS.is_file():
        return FALLBACK_CORPUS
    with CORPUS.open(encoding="utf-8") as stream:
        lines = [json.loads(line) for line in stream if line.strip()]
    return [(line["text"], line["action"]) for line in lines]


def templated(rng: random.Random) -> str:
    return rng.choice(TEMPLATES).format(
        name=rng.choice(STAFF),
        name2=rng.choice(STAFF),
        day=rng.choice(DAYS),
        shift=rng.choice(SHIFTS),
        shift2=rng.choice(SHIFTS),
        place=rng.choice(PLACES),
        topic=rng.choice(TOPICS),
        time=f"{rng.randint(8, 17)}:{rng.choice(['00', '15', '30', '45'])}",
        minutes=rng.choice([5, 10, 15, 20]),
    )


def realistic_text(rng: random.Random, clean: list[str], breaches: list[str]) -> str:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(ACKNOWLEDGEMENTS)
    if roll < 0.75:
        text = framed(rng, templated(rng))
        return text + "\n" + templated(rng) if rng.random() < 0.07 else text
    if roll < 0.95:
        return framed(rng, rng.choice(clean))
    return framed(rng, rng.choice(breaches))


def synthetic_posts(
    count: int, mix: str = "breach-heavy", seed: int = 11
) -> Iterator[tuple[datetime, str, str, str]]:
    """(date, author, kind, text) with kind 'post', 'service' or 'media'."""
    rng = random.Random(seed)
    labelled = corpus()
    texts = [text for text, _ in labelled]
    clean = [text for text, action in labelled if action == "allow"]
    breaches = [text for text, action in labelled if action != "allow"]
    date = datetime(2022, 1, 3, 7, 0)
    for index in range(count):
        date += timedelta(seconds=rng.randint(20, 600))
        author = rng.choice(AUTHORS)
        if index % 50 == 0:
            yield date, author, "service", ""
        elif index % 40 == 0:
            yield date, author, "media", ""
        elif mix == "realistic":
            yield date, author, "post", realistic_text(rng, clean, breaches)
        else:
            text = framed(rng, rng.choice(texts))
            if index % 9 == 0:
                text += "\n" + rng.choice(texts)
            yield date, author, "post", text


def write_telegram(path: Path, count: int, mix: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"name": "Ward 7 nurses", "type": "private_supergroup", "id": 1, "messages": [')
        for index, (date, author, kind, text) in enumerate(synthetic_posts(count, mix)):
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


def write_whatsapp(path: Path, count: int, mix: str, header: Callable[[datetime], str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for date, author, kind, text in synthetic_posts(count, mix):
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


def write_photo_export(folder: Path, count: int, photos: int) -> Path:
    """A realistic Telegram export folder with `photos` of its media lines' photos in it.

    Spread evenly through the chat; alternately a handover sheet with made-up
    patients and a cake. The other media lines name photos that are not there
    (listed as not found).
    """
    sys.path.insert(0, str(REPO))
    from tests.media import samples

    (folder / "photos").mkdir(parents=True)
    sheet, cake = folder / "sheet.jpg", folder / "cake.jpg"
    sheet.write_bytes(samples.encoded(samples.handover_sheet(), "JPEG", quality=85))
    cake.write_bytes(samples.encoded(samples.cake_photo(), "JPEG", quality=85))
    export = folder / "result.json"
    write_telegram(export, count, "realistic")
    media = [
        index
        for index, (_, _, kind, _) in enumerate(synthetic_posts(count, "realistic"))
        if kind == "media"
    ]
    step = max(1, len(media) // max(photos, 1))
    for written, index in enumerate(media[::step][:photos]):
        os.link(sheet if written % 2 == 0 else cake, folder / "photos" / f"photo_{index}.jpg")
    return export


def run_one(
    path: Path, jobs: int, engine: str, cache: bool, media: bool = False
) -> dict[str, float]:
    """In this (fresh) process: audit `path` with every output on; report figures."""
    from bot.audit.detect import open_export
    from bot.audit.media import MediaSettings
    from bot.audit.model import AttachmentStatus
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
                reuse_verdicts=cache,
                media=MediaSettings(workers=jobs) if media else None,
            )
            seconds = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_started
    return {
        "messages": summary.messages_read,
        "screened": summary.messages_screened,
        "breaches": summary.breaches,
        "reused": summary.verdicts_reused,
        "photos": summary.attachment_statuses[AttachmentStatus.SCREENED],
        "attachment_breaches": summary.attachment_breaches,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure(
    path: Path, jobs: int, engine: str, cache: bool, media: bool = False
) -> dict[str, float]:
    command = [sys.executable, __file__, "--run", str(path), "--jobs", str(jobs)]
    command += ["--engines", engine, "--cache", "on" if cache else "off"]
    command += ["--media"] if media else []
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=os.environ | {"PYTHONPATH": str(REPO)},
    )
    return json.loads(result.stdout.splitlines()[-1])


FORMATS: dict[str, tuple[str, str, Callable[[Path, int, str], None]]] = {
    "telegram": ("Telegram result.json", "result.json", write_telegram),
    "android": (
        "WhatsApp Android",
        "android.txt",
        lambda path, count, mix: write_whatsapp(path, count, mix, android_header),
    ),
    "ios": (
        "WhatsApp iOS",
        "_chat.txt",
        lambda path, count, mix: write_whatsapp(path, count, mix, ios_header),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000, help="0: no text table")
    parser.add_argument("--jobs", type=int, nargs="+", default=sorted({1, os.cpu_count() or 1}))
    parser.add_argument("--engines", nargs="+", choices=("none", "real"), default=["none", "real"])
    parser.add_argument(
        "--mixes",
        nargs="+",
        choices=("realistic", "breach-heavy"),
        default=["realistic", "breach-heavy"],
    )
    parser.add_argument("--formats", nargs="+", choices=list(FORMATS), default=list(FORMATS))
    parser.add_argument("--cache", nargs="+", choices=("on", "off"), default=["on", "off"])
    parser.add_argument(
        "--photos",
        type=int,
        default=0,
        metavar="P",
        help="then audit a Telegram folder of 20,000 messages with P photos, media on",
    )
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--media", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        cache = args.cache[0] == "on"
        print(json.dumps(run_one(args.run, args.jobs[0], args.engines[0], cache, args.media)))
        return
    if args.messages:
        text_table(args)
    if args.photos:
        photo_table(args.photos, args.jobs)


PHOTO_MESSAGES = 20_000


def photo_table(photos: int, jobs_to_try: list[int]) -> None:
    print(
        f"\nwith photos: a realistic Telegram export folder of {PHOTO_MESSAGES:,} messages, "
        f"{photos:,} photos spread through it (half handover sheets, half cakes; the other "
        "media lines name photos not in the folder); media workers = jobs"
    )
    header = (
        f"{'jobs':>4} {'messages':>8} {'photos':>6} {'in photos':>9} {'breaches':>8} "
        f"{'seconds':>7} {'msg/s':>7} {'photos/s':>8} {'CPU s':>6}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as scratch:
        export = write_photo_export(Path(scratch), PHOTO_MESSAGES, photos)
        for jobs in jobs_to_try:
            figures = measure(export, jobs, "real", cache=True, media=True)
            print(
                f"{jobs:4} {figures['messages']:8,.0f} {figures['photos']:6,.0f} "
                f"{figures['attachment_breaches']:9,.0f} {figures['breaches']:8,.0f} "
                f"{figures['seconds']:7.1f} {figures['messages'] / figures['seconds']:7,.0f} "
                f"{figures['photos'] / figures['seconds']:8.1f} {figures['cpu_seconds']:6.1f}"
            )
    print("in photos: photos with a breach; CPU s covers the media workers too.")


def text_table(args: argparse.Namespace) -> None:
    from bot.moderation import Screener

    print(
        f"audit benchmark: {args.messages:,} messages per export, text only (--no-media), "
        f"{len(Screener().detectors)} detectors, {os.cpu_count()} CPU cores, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    header = (
        f"{'mix':12} {'export':20} {'MB':>4} {'engine':>6} {'jobs':>4} {'cache':>5} "
        f"{'messages':>8} {'breach':>6} {'reused':>6} {'seconds':>7} {'msg/s':>7} "
        f"{'CPU s':>6} {'msg/CPU-s':>9} {'RSS MiB':>7} {'worker':>6}"
    )
    print(header)
    print("-" * len(header))
    runs = [("none", 1, False)] if "none" in args.engines else []
    if "real" in args.engines:
        runs += [("real", jobs, cache == "on") for cache in args.cache for jobs in args.jobs]
    with tempfile.TemporaryDirectory() as scratch:
        for mix in args.mixes:
            for label, name, write in (FORMATS[key] for key in args.formats):
                path = Path(scratch) / name
                write(path, args.messages, mix)
                size = path.stat().st_size / 1e6
                for engine, jobs, cache in runs:
                    figures = measure(path, jobs, engine, cache)
                    print(row(mix, label, size, engine, jobs, cache, figures))
                path.unlink()
    print(
        "breach: share of messages read that the engine would act on; reused: share of "
        "screened texts whose verdict came from the cache; msg/s: wall-clock, every output on."
    )


def row(
    mix: str,
    label: str,
    size: float,
    engine: str,
    jobs: int,
    cache: bool,
    figures: dict[str, float],
) -> str:
    rate = figures["messages"] / figures["seconds"]
    per_cpu = figures["messages"] / figures["cpu_seconds"]
    workers = f"{figures['worker_rss_mib']:6.0f}" if jobs > 1 else f"{'-':>6}"
    breach = figures["breaches"] / max(figures["messages"], 1)
    reused = figures["reused"] / max(figures["screened"], 1)
    cached = ("on" if cache else "off") if engine == "real" else "-"
    return (
        f"{mix:12} {label:20} {size:4.0f} {engine:>6} {jobs:4} {cached:>5} "
        f"{figures['messages']:8,.0f} {breach:6.0%} {reused:6.0%} {figures['seconds']:7.1f} "
        f"{rate:7,.0f} {figures['cpu_seconds']:6.1f} {per_cpu:9,.0f} {figures['rss_mib']:7.0f} "
        f"{workers}"
    )


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    main()
