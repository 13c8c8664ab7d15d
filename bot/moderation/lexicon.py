"""Word lists the detectors share, read once from `bot/moderation/detectors/data`.

Every list is a plain text file written for StaffGuard: one entry a line, `#`
starts a comment. Lists are loaded lazily and cached, so importing this module
costs nothing and every caller shares one frozenset.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "detectors" / "data"


def read_word_list(file_name: str) -> tuple[str, ...]:
    """The entries of one data file, in file order, without comments or blank lines."""
    lines = (DATA_DIR / file_name).read_text(encoding="utf-8").splitlines()
    return tuple(
        entry for entry in (line.strip() for line in lines) if entry and not entry.startswith("#")
    )


def fold_name(word: str) -> str:
    """A name as it is looked up: case-folded, accents and apostrophe styles ignored."""
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@cache
def clinical_context_words() -> frozenset[str]:
    """Lower-case words and short phrases that put a person in a patient/clinical context."""
    return frozenset(entry.lower() for entry in read_word_list("clinical_context.txt"))


@cache
def staff_context_words() -> frozenset[str]:
    """Lower-case words and short phrases of staff and social business (thanks, rota, leave)."""
    return frozenset(entry.lower() for entry in read_word_list("staff_context.txt"))


@cache
def first_names() -> frozenset[str]:
    """Folded first names (see `fold_name`)."""
    return frozenset(fold_name(entry) for entry in read_word_list("first_names.txt"))


@cache
def ambiguous_first_names() -> frozenset[str]:
    """Folded first names that are also common words, months or places (Grace, May, Will)."""
    return frozenset(fold_name(entry) for entry in read_word_list("ambiguous_first_names.txt"))


@cache
def surnames() -> frozenset[str]:
    """Folded surnames (see `fold_name`)."""
    return frozenset(fold_name(entry) for entry in read_word_list("surnames.txt"))
