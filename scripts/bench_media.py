"""Photo and document screening: recall on rendered patient data, and time per image and page.

Run with `.venv/bin/python scripts/bench_media.py` (about 20 s). Renders
handover sheets with made-up patients (names, NHS numbers, dates of birth) in
several sizes, distorts them as phone photos are (turned, blurred, JPEG,
shrunk), screens each one in this process, and prints:

- per distortion: the share of sheets removed, and the share of NHS numbers,
  dates of birth and names found (each counted on its own line);
- clean pictures (a rota, a cake) that were wrongly acted on;
- milliseconds per image, per text PDF page and per scanned PDF page.

It asserts nothing: the tests hold correctness, this reports numbers.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.media.screening import Engines, load_engines, screen_file_data
from bot.media.verdict import FacesSetting, FileVerdict
from bot.moderation import DEFAULT_POLICY, Action
from tests.media import samples

FIRST_NAMES = ["Alice", "Brian", "Chloe", "Daniel", "Emma", "Farah", "George", "Helen", "Imran"]
SURNAMES = ["Walker", "Hughes", "Patel", "O'Brien", "Clarke", "Nowak", "Evans", "Begum", "Wright"]
PLANS = ["obs 4 hourly", "CT head today", "home with OT", "NBM from midnight", "IV abx day 3"]
SHEETS = 6
FONT_SIZES = (18, 22, 28)
Screen = Callable[[bytes, str], FileVerdict]
CATEGORIES = {"NHS number": "patient.nhs_number", "DOB": "patient.dob", "name": "patient.name"}


def made_up_patients(rng: random.Random) -> list[samples.Patient]:
    return [
        samples.Patient(
            bed=rng.randint(1, 30),
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            nhs_number=samples.nhs_number(rng),
            dob=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1930, 2005)}",
            plan=rng.choice(PLANS),
        )
        for _ in range(3)
    ]


def found_lines(verdict: FileVerdict, category: str) -> set[str]:
    return {item.part for item in verdict.findings if item.finding.category == category}


def main() -> None:
    engines = load_engines()
    if engines.problems:
        print("engines:", "; ".join(engines.problems))
    screen = _screener(engines)
    rng = random.Random(2024)
    sheets = [
        (made_up_patients(rng), FONT_SIZES[index % len(FONT_SIZES)]) for index in range(SHEETS)
    ]
    print(f"{SHEETS} handover sheets x 3 patients, fonts {FONT_SIZES} px\n")
    print(
        f"{'distortion':<18}{'removed':>9}{'NHS no.':>9}{'DOB':>9}{'name':>9}"
        f"{'ms/image':>11}{'px':>11}"
    )
    all_times: list[float] = []
    for label, distort in samples.DISTORTIONS.items():
        removed, found, times, size = 0, Counter[str](), [], ""
        for patients, font_size in sheets:
            image = distort(samples.handover_sheet(patients, size=font_size))
            size = f"{image.width}x{image.height}"
            data = samples.encoded(image, "JPEG", quality=90)
            started = time.perf_counter()
            verdict = screen(data, "photo.jpg")
            times.append((time.perf_counter() - started) * 1000)
            removed += verdict.action is Action.REMOVE
            for name, category in CATEGORIES.items():
                found[name] += min(len(found_lines(verdict, category)), len(patients))
        all_times += times
        planted = SHEETS * 3
        print(
            f"{label:<18}{removed / SHEETS:>9.0%}{found['NHS number'] / planted:>9.0%}"
            f"{found['DOB'] / planted:>9.0%}{found['name'] / planted:>9.0%}"
            f"{statistics.median(times):>11.0f}{size:>11}"
        )
    print(
        f"\nms per image over all: median {statistics.median(all_times):.0f}, "
        f"max {max(all_times):.0f}"
    )
    _clean_pictures(screen)
    _pdf_pages(screen)


def _screener(engines: Engines) -> Screen:
    def screen(data: bytes, name: str) -> FileVerdict:
        return screen_file_data(data, name, DEFAULT_POLICY, FacesSetting.FLAG, engines)

    return screen


def _clean_pictures(screen: Screen) -> None:
    clean = {
        "rota sheet": samples.draw_lines(samples.rota_lines()),
        "cake photo": samples.cake_photo(),
    }
    print("\nclean pictures (should be allow):")
    for label, image in clean.items():
        started = time.perf_counter()
        verdict = screen(samples.encoded(image, "JPEG", quality=85), "photo.jpg")
        elapsed = (time.perf_counter() - started) * 1000
        faces = len(verdict.faces)
        print(f"  {label:<12} {verdict.action.value:<6} faces {faces}  {elapsed:.0f} ms")


def _pdf_pages(screen: Screen) -> None:
    rng = random.Random(5)
    text_pages = [
        [
            f"Bed {row}: {rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} "
            f"NHS {samples.nhs_number(rng)}"
            for row in range(30)
        ]
        for _ in range(20)
    ]
    started = time.perf_counter()
    verdict = screen(samples.text_pdf(text_pages), "list.pdf")
    per_page = (time.perf_counter() - started) * 1000 / len(text_pages)
    print(
        f"\ntext PDF, {len(text_pages)} pages x 30 lines: {per_page:.1f} ms/page "
        f"({verdict.action.value}, {verdict.parts_screened} parts)"
    )
    scans = [samples.handover_sheet(made_up_patients(rng)) for _ in range(3)]
    started = time.perf_counter()
    verdict = screen(samples.scanned_pdf(scans), "scan.pdf")
    per_page = (time.perf_counter() - started) * 1000 / len(scans)
    print(f"scanned PDF, {len(scans)} pages (OCR): {per_page:.0f} ms/page ({verdict.action.value})")


if __name__ == "__main__":
    main()
