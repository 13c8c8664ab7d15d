"""One verdict for a message: its text's, and those of the photos and files it carries."""

from __future__ import annotations

from collections.abc import Sequence

from bot.media.verdict import FileVerdict
from bot.moderation.taxonomy import Action, strongest
from bot.moderation.types import Finding, Verdict


def merge_verdicts(
    text: Verdict, files: Sequence[FileVerdict], names: Sequence[str] | None = None
) -> Verdict:
    """The strongest action of all; file findings name the part they were found in.

    File findings have no span in the message text (start = end = 0): their
    evidence, already redacted, says what was found where. Faces and files
    that could not be read have no category; they are explained in a note
    after the redacted text, which is what admins and the log see. With
    `names` (one per file, already safe to show), rules and notes name the
    file instead of its kind: "nhs_number.checked (ward.jpg: image, line 2)".
    """
    if not files:
        return text
    labels = list(names) if names is not None else [file.kind for file in files]
    if len(labels) != len(files):
        raise ValueError("one name per file")
    actions = [text.action]
    findings = list(text.findings)
    categories = dict.fromkeys(text.categories)
    notes: list[str] = []
    for file, label in zip(files, labels, strict=True):
        actions += [file.action, file.faces_action]
        for part_finding in file.findings:
            finding = part_finding.finding
            findings.append(
                Finding(
                    category=finding.category,
                    rule=f"{finding.rule} ({label}: {part_finding.part})",
                    start=0,
                    end=0,
                    confidence=finding.confidence,
                    evidence=finding.evidence,
                    reason=finding.reason,
                )
            )
        categories.update(dict.fromkeys(file.categories))
        notes += _notes(file, label)
    redacted = "\n".join([text.redacted_text, *notes]).strip()
    return Verdict(
        action=strongest(actions),
        findings=tuple(findings),
        redacted_text=redacted,
        categories=tuple(categories),
        failed_detectors=text.failed_detectors,
    )


def _notes(file: FileVerdict, label: str) -> list[str]:
    notes: list[str] = []
    if file.findings or file.more_findings:
        count = len(file.findings) + file.more_findings
        notes.append(f"[{label}: {count} finding(s)] {file.redacted_excerpt}".strip())
    if file.faces and file.faces_action is not Action.ALLOW:
        where = ", ".join(face.part for face in file.faces)
        notes.append(f"[{label}: {len(file.faces)} face(s) in {where}]")
    if file.unscreened_reason:
        notes.append(f"[{label}: not fully screened: {file.unscreened_reason}]")
    return notes
