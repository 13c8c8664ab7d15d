"""Lengths of time as a policy file writes them: 30s, 15m, 24h, 7d, 2w."""

from __future__ import annotations

from datetime import timedelta

import regex

_DURATION = regex.compile(r"(\d{1,6}(?:\.\d{1,3})?)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_NAMES = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}
_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
HINT = "give a length of time such as 30m, 24h or 7d (s, m, h, d or w)"


def parse_duration(value: object) -> timedelta:
    """A duration from '24h' and the like; `ValueError` saying how to write one otherwise."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(HINT)
    found = _DURATION.fullmatch(value.strip().lower())
    if found is None:
        raise ValueError(f"{HINT}, not {value!r}")
    return timedelta(**{_UNITS[found[2]]: float(found[1])})


def format_duration(duration: timedelta) -> str:
    """The shortest exact way to write it back: 7d, 36h, 90s."""
    count, unit = _in_largest_unit(duration)
    return f"{count:g}{unit}"


def describe_duration(duration: timedelta) -> str:
    """In words, for people: '7 days', '24 hours', '1 minute'."""
    count, unit = _in_largest_unit(duration)
    return f"{count:g} {_NAMES[unit]}" + ("" if count == 1 else "s")


def _in_largest_unit(duration: timedelta) -> tuple[float, str]:
    seconds = duration.total_seconds()
    for unit, size in _SECONDS.items():
        if seconds >= size and seconds % size == 0:
            return seconds / size, unit
    return seconds, "s"


def describe_roughly(duration: timedelta) -> str:
    """Time left, in words and rounded up: '7 days', '3 hours', '45 seconds'."""
    seconds = max(duration.total_seconds(), 1)
    for unit in ("d", "h", "m"):
        if seconds >= 2 * _SECONDS[unit]:
            return describe_duration(
                timedelta(seconds=-(-seconds // _SECONDS[unit]) * _SECONDS[unit])
            )
    return describe_duration(timedelta(seconds=-(-seconds // 1)))
