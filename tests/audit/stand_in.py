"""Small real detectors standing in for the engine's while those are not registered yet.

`install_if_needed()` adds them to the registry only if the engine does not
already find an NHS number in "NHS no 943 476 5919", so the end-to-end tests
exercise the real detectors as soon as they land.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex

from bot.moderation import Match, Screener, ScreeningPolicy
from bot.moderation.detectors import Detector
from bot.moderation.normalise import NormalisedText

NHS_NUMBER_TEXT = "NHS no 943 476 5919"
NINO_TEXT = "NI no JT 48 61 93 B"

_NHS = regex.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
_NINO = regex.compile(r"(?<![A-Z])[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z])")


def _passes_modulus_11(digits: str) -> bool:
    total = sum(
        int(digit) * weight for digit, weight in zip(digits, range(10, 1, -1), strict=False)
    )
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


class StandInNhsNumber:
    name = "stand_in_nhs_number"
    categories = ("patient.nhs_number",)

    def find(self, text: NormalisedText) -> Iterator[Match]:
        for match in _NHS.finditer(text.text):
            if _passes_modulus_11("".join(match.groups())):
                yield Match(self.categories[0], "nhs-mod11", match.start(), match.end(), 0.95)


class StandInNino:
    name = "stand_in_nino"
    categories = ("personal.nino",)

    def find(self, text: NormalisedText) -> Iterator[Match]:
        for match in _NINO.finditer(text.text):
            yield Match(self.categories[0], "nino-format", match.start(), match.end(), 0.9)


def stand_in_screener() -> Screener:
    """A screener with only the stand-ins (module level, so worker processes can build it)."""
    return Screener(detectors=[StandInNhsNumber(), StandInNino()])


def engine_finds_patient_data() -> bool:
    verdict = Screener().screen(NHS_NUMBER_TEXT)
    return "patient.nhs_number" in verdict.categories


def install_if_needed() -> None:
    """Make the default registry find NHS and NI numbers, if the real detectors do not yet."""
    if engine_finds_patient_data():
        return
    from bot.moderation import registry

    real_detectors = registry.default_detectors

    def with_stand_ins(policy: ScreeningPolicy) -> list[Detector]:
        return [*real_detectors(policy), StandInNhsNumber(), StandInNino()]

    registry.default_detectors = with_stand_ins
