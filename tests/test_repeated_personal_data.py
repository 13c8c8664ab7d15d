"""Copies of found personal data: the same places a compiled `regex` pattern finds."""

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.moderation.screener import ASCII_LETTER_LOOKALIKES, Copies

DIGITS_AND_SEPARATORS = [*"0123456789٣٤٥", *" \t\n\x1c\x1f\xa0\u2009.-/_,"]
LETTERS = [*"aAbBkKsSiIlLoO", *"ſİıéÉßẞσςΣǅ", "\u212a", "😂"]
ALPHABET = st.sampled_from(DIGITS_AND_SEPARATORS + LETTERS)


def copies_by_pattern(original: str, found: str) -> list[tuple[int, int]]:
    """What the screener did before: compile a pattern for each piece of data found."""
    spans = []
    if len(found.strip()) >= 5:
        literal = regex.compile(regex.escape(found), regex.IGNORECASE)
        spans += [match.span() for match in literal.finditer(original)]
    digits = [char for char in found if char.isdecimal()]
    if len(digits) >= 6:
        spaced = regex.compile(r"[\s.\-/]?".join(digits))
        spans += [match.span() for match in spaced.finditer(original)]
    return spans


@settings(max_examples=2000, deadline=None)
@given(st.text(ALPHABET, min_size=1, max_size=40), st.data())
def test_copies_are_found_where_a_pattern_finds_them(original: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(original) - 1))
    end = data.draw(st.integers(start, len(original)))
    found = data.draw(st.one_of(st.just(original[start:end]), st.text(ALPHABET, min_size=5)))
    assert list(Copies(original).of(found)) == copies_by_pattern(original, found)


def test_the_only_non_ascii_matches_for_an_ascii_letter_are_the_known_lookalikes() -> None:
    every_character = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    matched = set(regex.findall(r"(?i)[a-z]", every_character))
    assert {char for char in matched if not char.isascii()} == ASCII_LETTER_LOOKALIKES


def test_lower_case_keeps_positions_and_makes_no_ascii_but_for_the_look_alikes() -> None:
    for code in range(0x80, 0x110000):
        char = chr(code)
        if char in ASCII_LETTER_LOOKALIKES or 0xD800 <= code < 0xE000:
            continue
        lowered = char.lower()
        assert len(lowered) == 1, hex(code)
        assert not lowered.isascii(), hex(code)
