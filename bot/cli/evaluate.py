"""`staffguard eval FILE.jsonl`: precision, recall and mistakes on a labelled corpus."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.errors import CliError
from bot.evaluation import (
    ACTIONS_STRONGEST_FIRST,
    CorpusError,
    Evaluation,
    evaluate,
    read_corpus,
)
from bot.moderation import Screener


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "eval",
        help="print quality figures for a labelled JSON-lines corpus",
        description=(
            "Screen every line of a labelled corpus (id, text, action, categories) and print "
            "precision, recall and F1 per category, the action confusion matrix, the clean-line "
            "false-removal rate and the lines it got wrong (redacted)."
        ),
    )
    parser.add_argument("corpus", type=Path, help="labelled .jsonl file")
    parser.add_argument(
        "--mistakes", type=int, default=50, help="how many wrong lines to list (default 50)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if not args.corpus.is_file():
        raise CliError(f"no such file: {args.corpus}")
    try:
        result = evaluate(read_corpus(args.corpus), Screener())
    except CorpusError as error:
        raise CliError(f"{args.corpus}: {error}") from None
    except UnicodeDecodeError:
        raise CliError(f"{args.corpus}: not UTF-8 text") from None
    print(format_evaluation(result, args.mistakes))
    return 0


def format_evaluation(result: Evaluation, mistakes: int = 50) -> str:
    out: list[str] = [f"lines: {result.lines}", ""]
    out.append(f"{'category':34} {'support':>7} {'prec':>6} {'recall':>6} {'F1':>6}")
    for name, score in result.categories.items():
        if score.support or score.false_positives:
            out.append(
                f"{name:34} {score.support:7} {score.precision:6.3f} "
                f"{score.recall:6.3f} {score.f1:6.3f}"
            )
    out += [
        "",
        f"macro-F1 patient.*:  {result.macro_f1('patient.'):.3f}",
        f"macro-F1 conduct.*:  {result.macro_f1('conduct.'):.3f}",
        f"remove: precision {result.remove.precision:.3f}  recall {result.remove.recall:.3f}",
        f"remove recall on patient/personal-data lines: {result.patient_data_remove_recall:.3f}"
        f" ({result.patient_data_removed}/{result.patient_data_lines})",
        f"clean lines removed or held: {result.clean_false_removal_rate:.1%}"
        f" ({result.clean_removed}/{result.clean_lines})",
        "",
        "action confusion (rows: expected, columns: predicted)",
        " " * 10 + "".join(f"{action.value:>9}" for action in ACTIONS_STRONGEST_FIRST),
    ]
    for expected in ACTIONS_STRONGEST_FIRST:
        cells = "".join(
            f"{result.confusion[(expected, predicted)]:9}" for predicted in ACTIONS_STRONGEST_FIRST
        )
        out.append(f"{expected.value:10}{cells}")
    out += ["", f"wrong lines: {len(result.mistakes)} (showing up to {mistakes})"]
    for mistake in result.mistakes[:mistakes]:
        expected = ",".join(sorted(mistake.expected)) or "-"
        predicted = ",".join(sorted(mistake.predicted)) or "-"
        out.append(
            f"{mistake.id}: expected {mistake.expected_action.value} [{expected}] got "
            f"{mistake.predicted_action.value} [{predicted}]"
        )
        out.append("    " + " ".join(mistake.redacted.split())[:160])
    return "\n".join(out)
