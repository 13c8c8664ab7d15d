"""Quality figures for a labelled corpus (the `shared/corpus/dev.jsonl` line format)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import regex

from bot.moderation import Screener
from bot.moderation.taxonomy import ACTION_STRENGTH, CATEGORIES, Action, is_personal_data

# Actions that take the message out of the group.
REMOVING_ACTIONS = frozenset({Action.REMOVE, Action.HOLD})
_DIGIT = regex.compile(r"\p{Nd}")


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    id: str
    text: str
    action: Action
    categories: frozenset[str]


@dataclass(frozen=True, slots=True)
class Mistake:
    id: str
    expected_action: Action
    expected: frozenset[str]
    predicted_action: Action
    predicted: frozenset[str]
    redacted: str


@dataclass(frozen=True, slots=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass
class Evaluation:
    lines: int = 0
    categories: dict[str, Score] = field(default_factory=dict)
    confusion: Counter[tuple[Action, Action]] = field(default_factory=Counter)
    clean_lines: int = 0
    clean_removed: int = 0
    remove: Score = field(default_factory=lambda: Score(0, 0, 0))
    patient_data_lines: int = 0
    patient_data_removed: int = 0
    mistakes: list[Mistake] = field(default_factory=list)

    @property
    def clean_false_removal_rate(self) -> float:
        return self.clean_removed / self.clean_lines if self.clean_lines else 0.0

    @property
    def patient_data_remove_recall(self) -> float:
        if not self.patient_data_lines:
            return 1.0
        return self.patient_data_removed / self.patient_data_lines

    def macro_f1(self, prefix: str) -> float:
        scores = [
            score
            for name, score in self.categories.items()
            if name.startswith(prefix) and score.support
        ]
        return sum(score.f1 for score in scores) / len(scores) if scores else 0.0


class CorpusError(ValueError):
    """A labelled file line that cannot be used; the message names the line."""


def read_corpus(path: Path) -> Iterator[LabelledMessage]:
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield _parse_line(line, number)


def _parse_line(line: str, number: int) -> LabelledMessage:
    try:
        document = json.loads(line)
        return LabelledMessage(
            id=str(document.get("id", number)),
            text=document["text"],
            action=Action(document["action"]),
            categories=frozenset(document.get("categories", ())),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        raise CorpusError(
            f"line {number}: expected an object with 'text', 'action' and 'categories'"
        ) from None


def evaluate(messages: Iterable[LabelledMessage], screener: Screener) -> Evaluation:
    counts: dict[str, list[int]] = {name: [0, 0, 0] for name in CATEGORIES}
    remove = [0, 0, 0]
    result = Evaluation()
    for message in messages:
        verdict = screener.screen(message.text)
        predicted = frozenset(verdict.categories)
        result.lines += 1
        result.confusion[(message.action, verdict.action)] += 1
        _count_categories(counts, message.categories, predicted)
        _count_remove(remove, message.action, verdict.action)
        if message.action is Action.ALLOW:
            result.clean_lines += 1
            result.clean_removed += verdict.action in REMOVING_ACTIONS
        if message.action is Action.REMOVE and any(map(is_personal_data, message.categories)):
            result.patient_data_lines += 1
            result.patient_data_removed += verdict.action is Action.REMOVE
        if verdict.action is not message.action or predicted != message.categories:
            result.mistakes.append(
                Mistake(
                    id=message.id,
                    expected_action=message.action,
                    expected=message.categories,
                    predicted_action=verdict.action,
                    predicted=predicted,
                    # Digits masked too: a missed number is not in the verdict's redaction.
                    redacted=_DIGIT.sub("#", verdict.redacted_text),
                )
            )
    result.categories = {name: Score(*values) for name, values in counts.items()}
    result.remove = Score(*remove)
    return result


def _count_categories(
    counts: dict[str, list[int]], expected: frozenset[str], predicted: frozenset[str]
) -> None:
    for name in expected | predicted:
        if name not in counts:
            counts[name] = [0, 0, 0]
        if name in expected and name in predicted:
            counts[name][0] += 1
        elif name in predicted:
            counts[name][1] += 1
        else:
            counts[name][2] += 1


def _count_remove(remove: list[int], expected: Action, predicted: Action) -> None:
    if expected is Action.REMOVE and predicted is Action.REMOVE:
        remove[0] += 1
    elif predicted is Action.REMOVE:
        remove[1] += 1
    elif expected is Action.REMOVE:
        remove[2] += 1


ACTIONS_STRONGEST_FIRST: tuple[Action, ...] = tuple(
    sorted(Action, key=ACTION_STRENGTH.__getitem__, reverse=True)
)
