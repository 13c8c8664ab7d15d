"""Exit codes and the one error type the CLI turns into a clear message."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    BREACHES_FOUND = 1  # for commands asked to fail when they find breaches
    USAGE = 2  # argparse's own code for bad arguments
    BAD_INPUT = 3  # input that could not be read or parsed
    BAD_CONFIG = 4  # settings or policy file invalid
    UNAVAILABLE = 5  # a service (database, Telegram) could not be reached
    INTERRUPTED = 130


class CliError(Exception):
    def __init__(self, message: str, exit_code: ExitCode = ExitCode.BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code
