"""What the bot says: the default texts, trust overrides, and the contacts filled in.

Texts are plain-text templates with `{name}` placeholders. Filling one never
raises: a placeholder with no value becomes empty (and is logged by name),
and a template that cannot be parsed is sent as written. Templates in a policy
file are checked when the file is loaded (`template_problem`), so in practice
neither happens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

from bot.moderation.taxonomy import CATEGORIES, Action, is_known_category, redaction_label
from bot.moderation.types import Verdict

log = logging.getLogger(__name__)

_DEFAULT_TEXTS_FILE = Path(__file__).parent / "data" / "texts.yaml"

# Contact -> how the texts name it when the policy file gives no name.
CONTACT_DEFAULT_NAMES: dict[str, str] = {
    "communications": "the communications team",
    "pals": "the Patient Advice and Liaison Service (PALS)",
    "hr_payroll": "the HR and payroll team",
    "freedom_to_speak_up": "the Freedom to Speak Up guardian",
    "information_governance": "the information governance team",
    "line_manager": "your line manager",
}
CONTACT_DETAILS = ("name", "email", "phone", "url")

# Which "where to go instead" lines follow each category's text.
CATEGORY_SIGNPOSTS: dict[str, tuple[str, ...]] = {
    "personal.nino": ("signpost.information_governance",),
    "personal.colleague_data": ("signpost.information_governance",),
    "clinical.advice": ("signpost.clinical_record",),
    "conduct.misconduct_allegation": ("signpost.line_manager", "signpost.freedom_to_speak_up"),
    "conduct.hr_pay": ("signpost.hr_payroll", "signpost.line_manager"),
    "conduct.complaint": ("signpost.pals",),
    "conduct.individual_request": ("signpost.work_email",),
    "conduct.private_message": ("signpost.work_email",),
}

_ALERT_PARAMS = frozenset(
    {"poster_name", "action_taken", "categories", "rules", "redacted_text", "incident_id"}
)
# Placeholders a text takes beyond the ones every text has.
_EXTRA_PARAMS: dict[str, frozenset[str]] = {
    "guidance.patient_data": frozenset({"findings"}),
    "admin.alert": _ALERT_PARAMS,
    "admin.escalation": _ALERT_PARAMS | {"strike_count", "window_days"},
    "strike.reminder": frozenset({"strike_count", "window_days"}),
    "strike.muted": frozenset({"mute_hours"}),
    "notice.group": frozenset({"poster_name", "action_taken"}),
    "admin.approval": frozenset({"poster_name", "categories", "redacted_text", "incident_id"}),
    "admin.delete_by_hand": frozenset({"categories", "reason", "incident_id"}),
    "admin.released": frozenset({"poster_name", "admin_name"}),
    "admin.decided": frozenset({"admin_name", "decision", "incident_id"}),
    "notice.declined": frozenset({"categories"}),
    "membership.ask": frozenset({"member_name"}),
    "membership.ask_again": frozenset({"member_name"}),
    "membership.consent": frozenset({"member_name", "adder_name", "time_left"}),
    "membership.ask_in_group": frozenset({"member_name"}),
    "membership.ask_again_in_group": frozenset({"member_name"}),
    "membership.consent_in_group": frozenset({"member_name", "adder_name", "time_left"}),
    "membership.reminder": frozenset({"member_name"}),
    "membership.removal_warning": frozenset({"time_left"}),
    "membership.agreed": frozenset({"member_name"}),
    "membership.removed": frozenset({"member_name"}),
    "membership.declined": frozenset({"member_name"}),
    "membership.adder_told": frozenset({"member_name"}),
    "verification.ask": frozenset({"member_name", "email_domains"}),
    "verification.code_sent": frozenset({"email", "time_left"}),
    "verification.email_refused": frozenset({"email", "email_domains"}),
    "verification.code_wrong": frozenset({"attempts_left"}),
    "verification.hint": frozenset({"email_domains"}),
    "verification.approved": frozenset({"member_name"}),
    "verification.timed_out": frozenset({"time_left"}),
    "verification.expired": frozenset({"member_name"}),
    "verification.renewed": frozenset({"member_name"}),
    "verification.email_body": frozenset({"code", "time_left"}),
}

# How an admin alert words what happened to the message.
_ACTION_TAKEN: dict[Action, str] = {
    Action.REMOVE: "removed",
    Action.HOLD: "held for approval",
    Action.SIGNPOST: "kept, and the poster signposted",
    Action.FLAG: "kept, and flagged for a look",
    Action.ALLOW: "allowed",
}
_NOTICE_KEYS: dict[Action, str] = {
    Action.REMOVE: "notice.remove",
    Action.HOLD: "notice.hold",
    Action.SIGNPOST: "notice.signpost",
}
# Enough evidence lines to explain; a long list would bury the guidance.
MAX_EVIDENCE_LINES = 8
MAX_TEXT_LENGTH = 3000  # Telegram's limit is 4096; leave room for what is filled in

_FORMATTER = Formatter()


@dataclass(frozen=True, slots=True)
class Evidence:
    """One finding as the poster is told about it: never the original text."""

    label: str
    rule: str
    evidence: str


def evidence_from_verdict(verdict: Verdict) -> list[Evidence]:
    """The findings of a verdict as guidance lines (their evidence is already redacted)."""
    return [
        Evidence(redaction_label(finding.category), finding.rule, finding.evidence)
        for finding in verdict.findings
    ]


@cache
def default_texts() -> Mapping[str, str]:
    with _DEFAULT_TEXTS_FILE.open(encoding="utf-8") as stream:
        texts = yaml.safe_load(stream)
    return {str(key): str(value) for key, value in texts.items()}


def text_keys() -> tuple[str, ...]:
    return tuple(default_texts())


def contact_fields() -> frozenset[str]:
    names = set(CONTACT_DEFAULT_NAMES)
    for contact in CONTACT_DEFAULT_NAMES:
        names.update(f"{contact}_{detail}" for detail in CONTACT_DETAILS)
    return frozenset(names)


def allowed_placeholders(key: str) -> frozenset[str]:
    return contact_fields() | {"trust_name", "group_title"} | _EXTRA_PARAMS.get(key, frozenset())


def template_problem(key: str, template: str) -> str | None:
    """Why `template` cannot be used as text `key`, or None when it can."""
    if not template.strip():
        return "text is empty"
    if len(template) > MAX_TEXT_LENGTH:
        return f"text is {len(template)} characters long; keep it under {MAX_TEXT_LENGTH}"
    try:
        pieces = list(_FORMATTER.parse(template))
    except ValueError as error:
        return f"{error} (write {{{{ and }}}} for a literal brace)"
    allowed = allowed_placeholders(key)
    for _, field, spec, conversion in pieces:
        if field is None:
            continue
        if spec or conversion:
            return f"placeholder {{{field}}} takes no format options"
        if field not in allowed:
            return f"unknown placeholder {{{field}}}" + _suggest(field, allowed)
    return None


def fill(template: str, values: Mapping[str, object], key: str = "") -> str:
    """The template with its placeholders filled; never raises."""
    try:
        pieces = list(_FORMATTER.parse(template))
    except ValueError:
        log.warning("text %s has unbalanced braces; sent as written", key or "?")
        return template
    out: list[str] = []
    for literal, field, _, _ in pieces:
        out.append(literal)
        if field is None:
            continue
        value = values.get(field)
        if value is None:
            log.warning("text %s: no value for placeholder %s", key or "?", field)
            continue
        out.append(str(value))
    return "".join(out)


def contact_values(
    contacts: Mapping[str, Mapping[str, Any] | None], trust_name: str
) -> dict[str, str]:
    """Placeholder values for the trust's contacts: `{pals}`, `{pals_email}`, ..."""
    values = {"trust_name": trust_name}
    for contact, default_name in CONTACT_DEFAULT_NAMES.items():
        details = contacts.get(contact) or {}
        for detail in CONTACT_DETAILS:
            value = details.get(detail)
            if value:
                values[f"{contact}_{detail}"] = str(value)
        values.setdefault(f"{contact}_name", default_name)
        values[contact] = _contact_phrase(values[f"{contact}_name"], details)
    return values


def _contact_phrase(name: str, details: Mapping[str, Any]) -> str:
    ways = [str(details[detail]) for detail in ("email", "phone", "url") if details.get(detail)]
    return f"{name} ({', '.join(ways)})" if ways else name


class Texts:
    """The texts for one group: defaults, the trust's overrides, its contacts."""

    def __init__(
        self,
        overrides: Mapping[str, str] | None = None,
        contacts: Mapping[str, Mapping[str, Any] | None] | None = None,
        trust_name: str = "the trust",
    ) -> None:
        self._texts = {**default_texts(), **(overrides or {})}
        self._values = contact_values(contacts or {}, trust_name)

    def template(self, key: str) -> str:
        return self._texts[key]

    def render(self, key: str, **params: object) -> str:
        return fill(self._texts[key], {**self._values, **params}, key)

    def patient_data_guidance(self, group_title: str, evidence: Iterable[Evidence]) -> str:
        return self.render(
            "guidance.patient_data",
            group_title=group_title,
            findings=_evidence_lines(list(evidence)),
        )

    def code_of_conduct(self, group_title: str) -> str:
        return self.render("code_of_conduct", group_title=group_title)

    def category_notice(
        self,
        category: str,
        action: Action,
        group_title: str,
        evidence: Iterable[Evidence] = (),
    ) -> str:
        """What the poster is told: what happened, why, and where to go instead."""
        if category.startswith("patient."):
            return self.patient_data_guidance(group_title, evidence)
        parts: list[str] = []
        if action in _NOTICE_KEYS:
            parts.append(self.render(_NOTICE_KEYS[action], group_title=group_title))
        parts.append(self.render(f"category.{category}", group_title=group_title))
        body = "\n\n".join(parts)
        signposts = self.signposts(category, group_title)
        return f"{body}\n{signposts}" if signposts else body

    def signposts(self, category: str, group_title: str = "") -> str:
        keys = CATEGORY_SIGNPOSTS.get(category, ())
        return "\n".join(self.render(key, group_title=group_title) for key in keys)

    def admin_alert(
        self,
        *,
        group_title: str,
        poster_name: str,
        categories: Sequence[str],
        rules: Sequence[str],
        redacted_text: str,
        incident_id: object,
        action: Action,
    ) -> str:
        """The alert to group admins; give it the verdict's redacted text, never the message."""
        return self.render(
            "admin.alert",
            **_alert_params(
                group_title, poster_name, categories, rules, redacted_text, incident_id, action
            ),
        )

    def senior_manager_escalation(
        self,
        *,
        group_title: str,
        poster_name: str,
        categories: Sequence[str],
        rules: Sequence[str],
        redacted_text: str,
        incident_id: object,
        action: Action,
        strike_count: int,
        window_days: int,
    ) -> str:
        return self.render(
            "admin.escalation",
            strike_count=strike_count,
            window_days=window_days,
            **_alert_params(
                group_title, poster_name, categories, rules, redacted_text, incident_id, action
            ),
        )


def _alert_params(
    group_title: str,
    poster_name: str,
    categories: Sequence[str],
    rules: Sequence[str],
    redacted_text: str,
    incident_id: object,
    action: Action,
) -> dict[str, object]:
    return {
        "group_title": group_title,
        "poster_name": poster_name,
        "categories": ", ".join(_category_names(categories)) or "none",
        "rules": ", ".join(dict.fromkeys(rules)) or "none",
        "redacted_text": redacted_text,
        "incident_id": incident_id,
        "action_taken": _ACTION_TAKEN.get(action, str(action)),
    }


def _category_names(categories: Sequence[str]) -> list[str]:
    return [
        f"{redaction_label(category)} ({category})" if is_known_category(category) else category
        for category in categories
    ]


def _evidence_lines(evidence: Sequence[Evidence]) -> str:
    lines = [
        f"- {item.label} (rule {item.rule}): {item.evidence}"
        for item in evidence[:MAX_EVIDENCE_LINES]
    ]
    if len(evidence) > MAX_EVIDENCE_LINES:
        lines.append(f"- and {len(evidence) - MAX_EVIDENCE_LINES} more")
    return "\n".join(lines)


def _suggest(word: str, candidates: Iterable[str]) -> str:
    close = get_close_matches(word, sorted(candidates), n=1)
    return f" (did you mean {{{close[0]}}}?)" if close else ""


def categories_with_texts() -> tuple[str, ...]:
    return tuple(category for category in CATEGORIES if f"category.{category}" in default_texts())
