"""`staffguard` command line: one module per sub-command, each with `register()`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import audit, check, evaluate, keys, policy, run
from bot.cli.errors import CliError, ExitCode

_COMMANDS = (audit, check, evaluate, keys, policy, run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="staffguard",
        description="Keeps patient data and abuse out of NHS staff messaging groups.",
    )
    parser.add_argument("--version", action="version", version=f"staffguard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except CliError as error:
        print(f"staffguard: {error}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head): not an error
        return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
