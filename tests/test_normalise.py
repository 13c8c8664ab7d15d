"""The normalised copy detectors read, and the way back to what the poster typed."""

import pytest

from bot.moderation.normalise import normalise


def digit_runs(text: str) -> list[tuple[str, tuple[int, ...]]]:
    return [(run.digits, run.groups) for run in normalise(text).digit_runs]


def test_plain_ascii_text_is_left_as_it_is() -> None:
    text = normalise("Rota for August is up")
    assert text.text == "Rota for August is up"
    assert text.to_original(0, 4) == (0, 4)


def test_full_width_digits_become_ascii_and_map_back() -> None:
    original = "ref ４８５ ７７７ ３４５６ ok"
    text = normalise(original)
    assert "485 777 3456" in text.text
    run = text.digit_runs[0]
    start, end = text.to_original(run.start, run.end)
    assert original[start:end] == "４８５ ７７７ ３４５６"


def test_zero_width_and_bidi_characters_are_removed() -> None:
    original = "4\u200b8\u200d5 \u202e777\u202c 3456"
    text = normalise(original)
    assert text.text == "485 777 3456"
    run = text.digit_runs[0]
    assert run.digits == "4857773456"
    assert text.to_original(run.start, run.end) == (0, len(original))


def test_combining_marks_are_stripped() -> None:
    assert normalise("s\u0336h\u0336i\u0336t\u0336").text == "shit"


@pytest.mark.parametrize(
    ("written", "digits", "groups"),
    [
        ("462 249 6l78", "4622496178", (3, 3, 4)),
        ("485-777-3456", "4857773456", (3, 3, 4)),
        ("485.777.3456", "4857773456", (3, 3, 4)),
        ("485/777/3456", "4857773456", (3, 3, 4)),
        ("485\n777\n3456", "4857773456", (3, 3, 4)),
        ("4857773456", "4857773456", (10,)),
        ("O7700 9OO291", "07700900291", (5, 6)),
        ("4 8 5 7 7 7 3 4 5 6", "4857773456", (1,) * 10),
        ("four eight five seven seven seven three four five six", "4857773456", (1,) * 10),
        ("462 249 6|78", "4622496178", (3, 3, 4)),
    ],
)
def test_numbers_are_found_however_they_are_spelled(
    written: str, digits: str, groups: tuple[int, ...]
) -> None:
    assert digit_runs(f"see {written} pls") == [(digits, groups)]


@pytest.mark.parametrize(
    "text",
    ["Hello there", "lol I'm off", "Pool 0l", "S1 and K0837721", "all is well"],
)
def test_letters_are_not_read_as_digits_outside_numbers(text: str) -> None:
    for run in normalise(text).digit_runs:
        assert not run.has_lookalikes or run.digits.isdigit()
    assert "K0837721" not in "".join(run.digits for run in normalise(text).digit_runs)


def test_numbers_separated_by_words_or_commas_stay_apart() -> None:
    assert digit_runs("call 4433 and 1234, then 99") == [
        ("4433", (4,)),
        ("1234", (4,)),
        ("99", (2,)),
    ]


def test_windows_are_made_of_whole_groups() -> None:
    (run,) = normalise("NHS 485 777 3456 07700 900291").digit_runs
    assert run.windows(10) == [(0, 10)]
    start, end = run.span(0, 10)
    assert normalise("NHS 485 777 3456 07700 900291").text[start:end] == "485 777 3456"


@pytest.mark.parametrize(
    "hostile",
    [
        "1" * 4096,
        "1 " * 2048,
        "|" * 4096,
        "o1" * 2048,
        "a\u0301\u0302" * 1365,
        "\u200b1" * 2048,
        "٣" * 4096,
    ],
)
def test_hostile_text_normalises_without_error(hostile: str) -> None:
    text = normalise(hostile)
    for run in text.digit_runs:
        start, end = text.to_original(run.start, run.end)
        assert 0 <= start <= end <= len(hostile)
