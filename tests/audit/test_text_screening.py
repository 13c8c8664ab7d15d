"""Speed never changes what the audit finds: the verdict cache, and worker processes."""

from __future__ import annotations

import dataclasses
import io
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.audit import text_screening
from bot.audit.detect import open_export
from bot.audit.outputs import CsvWriter, JsonLinesWriter
from bot.audit.runner import AuditSummary, run_audit
from bot.audit.text_screening import VerdictCache
from bot.moderation import Action, Post, Screener, Verdict
from tests.audit.exports import NHS_NUMBER_TEXT, NINO_TEXT, telegram_chat, telegram_service

CORPUS = Path(__file__).resolve().parents[1] / "data" / "dev.jsonl"
CHAT_TEXTS = ["ok", "thanks", "👍", "Thank you 😊", "Morning all", "will do", "Noted"]


def corpus_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as stream:
        return [json.loads(line)["text"] for line in stream if line.strip()]


def test_a_verdict_depends_on_the_text_alone_not_on_who_sent_it_or_when():
    """What the cache relies on: the screener reads nothing of a Post but its text."""
    screener = Screener()
    for index, text in enumerate(corpus_texts()):
        post = Post(
            text=text,
            chat_id=-100123,
            message_id=index,
            author_id=42 + index,
            author_name=f"Author {index}",
            sent_at=datetime(2021, 1, 1) + timedelta(days=index),
            edited=index % 2 == 0,
            revision=index,
            forwarded=index % 3 == 0,
        )
        assert screener.screen(post) == screener.screen(text)


def verdict(text: str, failed: tuple[str, ...] = ()) -> Verdict:
    return Verdict(Action.ALLOW, redacted_text=text, failed_detectors=failed)


def test_the_cache_keeps_short_texts_drops_the_least_used_and_counts_hits():
    cache = VerdictCache(max_entries=2, max_text_chars=10)
    cache.put("ok", verdict("ok"))
    cache.put("thanks", verdict("thanks"))
    assert cache.get("ok") == verdict("ok")  # now "thanks" is the least recently used
    cache.put("👍", verdict("👍"))
    assert cache.get("thanks") is None
    assert (cache.get("ok"), cache.get("👍")) == (verdict("ok"), verdict("👍"))
    assert cache.hits == 3
    cache.put("a longer text", verdict("a longer text"))
    cache.put("failed", verdict("failed", failed=("names",)))
    assert cache.get("a longer text") is None
    assert cache.get("failed") is None
    assert len(cache) == 2


def write_mixed_export(path: Path, count: int) -> Path:
    """Clean chat with many repeats, the whole dev corpus, repeated breaches, joins."""
    rng = random.Random(5)
    texts = corpus_texts()
    repeated_breaches = [f"Bed 4 {NHS_NUMBER_TEXT}", f"Pay query {NINO_TEXT}"]
    date = datetime(2024, 1, 1, 7, 0)
    messages = []
    for index in range(count):
        date += timedelta(minutes=rng.randint(1, 90))
        if index % 25 == 0:
            messages.append(telegram_service(index))
            continue
        roll = rng.random()
        if roll < 0.4:
            text = rng.choice(CHAT_TEXTS)
        elif roll < 0.5:
            text = rng.choice(repeated_breaches)
        else:
            text = rng.choice(texts)
        messages.append(
            {
                "id": index,
                "type": "message",
                "date": date.isoformat(),
                "from": rng.choice(["Jane Smith", "Bob Jones", "Priya Patel"]),
                "text": text,
            }
        )
    path.write_text(telegram_chat(messages), encoding="utf-8")
    return path


def audit_outputs(path: Path, **options: object) -> tuple[AuditSummary, str, str]:
    jsonl, spreadsheet = io.StringIO(), io.StringIO()
    summary = run_audit(
        open_export(path),
        screener_factory=Screener,
        sinks=[JsonLinesWriter(jsonl), CsvWriter(spreadsheet)],
        **options,  # type: ignore[arg-type]
    )
    return summary, jsonl.getvalue(), spreadsheet.getvalue()


def comparable(summary: AuditSummary) -> AuditSummary:
    return dataclasses.replace(summary, seconds=0.0, verdicts_reused=0)


@pytest.fixture(scope="module")
def mixed_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mixed_export(tmp_path_factory.mktemp("mixed") / "result.json", 1_000)


def test_the_cache_and_worker_processes_find_exactly_what_a_plain_single_job_finds(
    mixed_export, monkeypatch
):
    # Small chunks: repeats cross many chunks, several in flight at once.
    monkeypatch.setattr(text_screening, "CHUNK_SIZE", 40)
    # The workers take every message after the first 100, however long they take to start.
    monkeypatch.setattr(text_screening, "SCREEN_WHILE_WORKERS_START", False)
    plain, plain_jsonl, plain_csv = audit_outputs(mixed_export, jobs=1, reuse_verdicts=False)
    assert plain.verdicts_reused == 0
    assert plain.breaches > 300  # the comparison covers many breaches, repeated and not
    # (Worker processes without the cache: test_runner.py.)
    for options in ({"jobs": 1}, {"jobs": 2, "serial_first": 100}):
        summary, jsonl, spreadsheet = audit_outputs(mixed_export, **options)
        assert (jsonl, spreadsheet) == (plain_jsonl, plain_csv), options
        assert comparable(summary) == comparable(plain), options
        assert summary.verdicts_reused > plain.messages_screened // 3, options
