"""`staffguard policy`: check a trust's policy file, or show the policy a group runs under."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from bot.cli.errors import CliError, ExitCode
from bot.codeofconduct.policy_file import (
    DEFAULT_POLICY_FILE,
    PolicyFile,
    PolicyFileError,
    default_policy_file,
    load_policy_file,
)
from bot.config import SettingsError, load_settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "policy",
        help="check the trust's policy file, or show a group's effective policy",
        description="Check a policy file, or show the policy StaffGuard applies in a group.",
    )
    actions = parser.add_subparsers(dest="policy_action", required=True, metavar="ACTION")
    validate = actions.add_parser(
        "validate",
        help="list every problem in a policy file",
        description="Check FILE and list every problem as FILE:LINE KEY: PROBLEM (exit 4 if any).",
    )
    validate.add_argument("file", type=Path, help="the policy file (YAML)")
    show = actions.add_parser(
        "show",
        help="print the effective policy for a group as YAML",
        description=(
            "Print the policy StaffGuard applies in a group: the trust's settings, then the "
            "group's kind and its own settings. Without --file: STAFFGUARD_POLICY_FILE if set, "
            "else the defaults."
        ),
    )
    show.add_argument("--file", type=Path, help="the policy file (YAML)")
    show.add_argument("--chat", type=int, help="the group's Telegram chat id")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.policy_action == "validate":
        return _validate(args.file)
    return _show(args.file, args.chat)


def _validate(path: Path) -> int:
    try:
        load_policy_file(path)
    except PolicyFileError as error:
        for problem in error.problems:
            print(problem)
        count = len(error.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}")
        return int(ExitCode.BAD_CONFIG)
    print(f"{path}: valid")
    return int(ExitCode.OK)


def _show(path: Path | None, chat_id: int | None) -> int:
    policy, source = _policy_to_show(path)
    group = policy.group(chat_id)
    if chat_id is None:
        heading = "the trust's settings, for any group not listed"
    elif group.chat_id is None:
        heading = f"chat {chat_id}, not listed, so the trust's settings"
    else:
        heading = f"chat {chat_id}"
    print(f"# Effective policy: {heading} (from {source})")
    print(yaml.safe_dump(group.to_document(), sort_keys=False, allow_unicode=True), end="")
    return int(ExitCode.OK)


def _policy_to_show(path: Path | None) -> tuple[PolicyFile, str]:
    if path is None:
        try:
            path = load_settings().policy_file
        except SettingsError as error:
            raise CliError(str(error), ExitCode.BAD_CONFIG) from None
    if path is None:
        return default_policy_file(), f"the defaults ({DEFAULT_POLICY_FILE.name})"
    return load_policy_or_fail(path), str(path)


def load_policy_or_fail(path: Path) -> PolicyFile:
    """The policy file, or a `CliError` (exit 4) listing every problem in it."""
    try:
        return load_policy_file(path)
    except PolicyFileError as error:
        raise CliError(f"the policy file has problems:\n{error}", ExitCode.BAD_CONFIG) from None
