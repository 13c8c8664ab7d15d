"""What logs, alerts and reports show instead of the message."""

from bot.moderation.redact import Redaction, Span, redact


def test_personal_data_is_replaced_by_its_label() -> None:
    text = "NHS 485 777 3456 for Mrs Evans please"
    spans = [Span("patient.nhs_number", 4, 16), Span("patient.name", 21, 30)]
    assert redact(text, spans) == "NHS [NHS number] for [name] please"


def test_offensive_words_keep_only_their_first_letter() -> None:
    assert redact("what the fuck", [Span("conduct.offensive_language", 9, 13)]) == "what the f***"


def test_other_conduct_spans_stay_readable() -> None:
    text = "vote Labour on Thursday"
    assert redact(text, [Span("conduct.political", 5, 11)]) == text


def test_overlapping_spans_are_merged_and_personal_data_wins() -> None:
    text = "Mrs Evans 485 777 3456"
    spans = [
        Span("conduct.abuse", 0, 9),
        Span("patient.name", 0, 9),
        Span("patient.nhs_number", 10, 22),
    ]
    assert redact(text, spans) == "[name] [NHS number]"


def test_evidence_is_a_window_of_the_redacted_text() -> None:
    text = "x" * 50 + " DOB 12/02/1958 " + "y" * 50
    redaction = Redaction(text, [Span("patient.dob", 55, 65)])
    evidence = redaction.evidence(55, 65)
    assert "[date of birth]" in evidence
    assert "1958" not in evidence
    assert evidence.startswith("…")
    assert evidence.endswith("…")
