"""`staffguard` command line: one module per sub-command, each with `register()`.

Only the module of the command being run is imported, so `staffguard check`
does not pay for the database, Telegram and media libraries (nor does each
worker process of `staffguard audit --jobs`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib import import_module

from bot import __version__
from bot.cli.errors import CliError, ExitCode

# command -> its module under bot.cli
COMMANDS = {
    "audit": "audit",
    "check": "check",
    "demo": "demo",
    "eval": "evaluate",
    "incidents": "incidents",
    "keys": "keys",
    "members": "members",
    "policy": "policy",
    "report": "report",
    "roster": "roster",
    "run": "run",
    "staff": "staff",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser for every command, or just for `only` (the one being run)."""
    parser = argparse.ArgumentParser(
        prog="staffguard",
        description="Keeps patient data and abuse out of NHS staff messaging groups.",
    )
    parser.add_argument("--version", action="version", version=f"staffguard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is None or name == only:
            import_module(f"bot.cli.{module}").register(commands)
    return parser


def _requested_command(argv: Sequence[str]) -> str | None:
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_requested_command(arguments)).parse_args(arguments)
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
