"""Quality floors on the labelled dev corpus (the figures themselves: `make eval`)."""

from pathlib import Path

import pytest

from bot.evaluation import Evaluation, evaluate, read_corpus
from bot.moderation import Screener

DEV_CORPUS = Path(__file__).parent / "data" / "dev.jsonl"


@pytest.fixture(scope="module")
def dev() -> Evaluation:
    return evaluate(read_corpus(DEV_CORPUS), Screener())


def test_patient_data_lines_are_removed(dev: Evaluation) -> None:
    assert dev.patient_data_remove_recall >= 0.97


def test_removals_are_precise(dev: Evaluation) -> None:
    assert dev.remove.precision >= 0.95


def test_clean_messages_are_left_alone(dev: Evaluation) -> None:
    assert dev.clean_false_removal_rate <= 0.02


def test_conduct_categories_are_found(dev: Evaluation) -> None:
    assert dev.macro_f1("conduct.") >= 0.85
