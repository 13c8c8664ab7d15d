"""What the bot says: contacts filled in, redacted evidence only, and never a crash."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import pytest
import regex

from bot.codeofconduct.policy_file import PolicyFileError, parse_policy
from bot.codeofconduct.texts import (
    CATEGORY_SIGNPOSTS,
    MAX_EVIDENCE_LINES,
    Evidence,
    Texts,
    categories_with_texts,
    default_texts,
    evidence_from_verdict,
    fill,
    template_problem,
    text_keys,
)
from bot.moderation import Action, Match, Screener
from bot.moderation.normalise import NormalisedText
from bot.moderation.taxonomy import CATEGORIES

ORIGINAL = "Mrs Patel in bay 4, NHS 943 476 5919, needs her bloods repeating"

TRUST_FILE = """\
trust_name: Example Hospitals NHS Trust
contacts:
  pals: {name: PALS, email: pals@example.nhs.uk, phone: 01234 567890}
  hr_payroll: {email: payroll@example.nhs.uk}
  freedom_to_speak_up: {name: "Sam, the FTSU guardian", url: https://example.nhs.uk/ftsu}
  information_governance: {email: ig@example.nhs.uk}
  line_manager: {name: the ward manager}
"""


class _NhsNumberDetector:
    name = "test-nhs"
    categories = ("patient.nhs_number",)

    def find(self, text: NormalisedText) -> Iterable[Match]:
        for found in regex.finditer(r"\d{3} \d{3} \d{4}", text.text):
            yield Match("patient.nhs_number", "nhs.test", found.start(), found.end(), 0.99)


def _trust_texts() -> Texts:
    return parse_policy(TRUST_FILE, "policy.yaml").texts_for()


def _verdict():
    return Screener(detectors=[_NhsNumberDetector()]).screen(ORIGINAL)


def test_every_default_text_uses_only_placeholders_it_is_given() -> None:
    for key, template in default_texts().items():
        assert template_problem(key, template) is None, key


def test_every_category_but_patient_data_has_its_own_text() -> None:
    expected = {name for name in CATEGORIES if not name.startswith("patient.")}
    assert set(categories_with_texts()) == expected
    assert all(name in CATEGORIES for name in CATEGORY_SIGNPOSTS)
    for keys in CATEGORY_SIGNPOSTS.values():
        assert all(key in default_texts() for key in keys)


@pytest.mark.parametrize("category", [name for name in CATEGORIES if name.startswith("conduct.")])
def test_each_conduct_category_explains_itself(category: str) -> None:
    notice = Texts().category_notice(category, Action.REMOVE, "Ward 7 team")
    assert notice.startswith("Your message in Ward 7 team has been removed.")
    assert default_texts()[f"category.{category}"].split("{")[0][:30] in notice
    assert "{" not in notice


def test_patient_data_guidance_has_the_contacts_and_only_redacted_evidence() -> None:
    verdict = _verdict()
    guidance = _trust_texts().patient_data_guidance("Ward 7 team", evidence_from_verdict(verdict))
    assert "943" not in guidance
    assert "5919" not in guidance
    assert "needs her bloods" in guidance  # the evidence window, redacted
    assert "NHS number (rule nhs.test): " in guidance
    assert "[NHS number]" in guidance
    assert "ig@example.nhs.uk" in guidance
    assert "Human Rights Act 1998" in guidance
    assert "permission" in guidance
    assert "nhs.net" in guidance
    assert "clinical record" in guidance
    assert "rota" in guidance
    assert "{" not in guidance


def test_patient_data_guidance_lists_a_bounded_number_of_findings() -> None:
    evidence = [Evidence("name", f"rule{index}", "[name] in bay 3") for index in range(20)]
    guidance = Texts().patient_data_guidance("Theatres", evidence)
    assert guidance.count("(rule") == MAX_EVIDENCE_LINES
    assert f"and {20 - MAX_EVIDENCE_LINES} more" in guidance


def test_a_patient_category_notice_is_the_patient_data_guidance() -> None:
    evidence = evidence_from_verdict(_verdict())
    notice = Texts().category_notice("patient.nhs_number", Action.REMOVE, "Maternity", evidence)
    assert notice == Texts().patient_data_guidance("Maternity", evidence)


def test_code_of_conduct_names_the_trust_and_where_to_go() -> None:
    rules = _trust_texts().code_of_conduct("Pharmacy team")
    assert rules.startswith("Rules for Pharmacy team")
    assert "Example Hospitals NHS Trust" in rules
    assert "PALS (pals@example.nhs.uk, 01234 567890)" in rules
    assert "payroll@example.nhs.uk" in rules
    assert "Sam, the FTSU guardian (https://example.nhs.uk/ftsu)" in rules
    assert "{" not in rules


def test_signposts_follow_the_category_text_with_the_trusts_contacts() -> None:
    texts = _trust_texts()
    hr = texts.category_notice("conduct.hr_pay", Action.SIGNPOST, "Ward 7 team")
    assert hr.startswith("A quick pointer about your message in Ward 7 team:")
    assert "the HR and payroll team (payroll@example.nhs.uk)" in hr
    assert "the ward manager" in hr
    complaint = texts.category_notice("conduct.complaint", Action.SIGNPOST, "Ward 7 team")
    assert "pals@example.nhs.uk" in complaint
    allegation = texts.category_notice(
        "conduct.misconduct_allegation", Action.REMOVE, "Ward 7 team"
    )
    assert "the ward manager" in allegation
    assert "Sam, the FTSU guardian" in allegation
    private = texts.category_notice("conduct.private_message", Action.SIGNPOST, "Ward 7 team")
    assert "work email" in private


def test_a_held_message_says_an_admin_will_check_it() -> None:
    notice = Texts().category_notice("conduct.charity", Action.HOLD, "Staff noticeboard")
    assert "waiting for an admin" in notice
    assert "removed" not in notice


def test_without_contact_details_the_texts_use_general_names() -> None:
    notice = Texts().category_notice("conduct.complaint", Action.SIGNPOST, "Ward 7 team")
    assert "the Patient Advice and Liaison Service (PALS)" in notice
    assert "()" not in notice


def test_admin_alert_has_the_redacted_text_and_not_the_original() -> None:
    verdict = _verdict()
    alert = Texts().admin_alert(
        group_title="Ward 7 team",
        poster_name="Alex B",
        categories=verdict.categories,
        rules=[finding.rule for finding in verdict.findings],
        redacted_text=verdict.redacted_text,
        incident_id="INC-0042",
        action=verdict.action,
    )
    assert verdict.redacted_text in alert
    assert "943 476 5919" not in alert
    assert ORIGINAL not in alert
    for expected in ("Ward 7 team", "Alex B", "NHS number (patient.nhs_number)", "nhs.test"):
        assert expected in alert
    assert "INC-0042" in alert
    assert "removed" in alert


def test_senior_manager_escalation_says_how_often_and_shows_only_redacted_text() -> None:
    verdict = _verdict()
    escalation = _trust_texts().senior_manager_escalation(
        group_title="ED nurses",
        poster_name="Jo",
        categories=verdict.categories,
        rules=["nhs.test", "nhs.test"],
        redacted_text=verdict.redacted_text,
        incident_id=17,
        action=Action.REMOVE,
        strike_count=3,
        window_days=60,
    )
    assert "3 messages" in escalation
    assert "60 days" in escalation
    assert "Rules: nhs.test\n" in escalation  # each rule once
    assert "5919" not in escalation


def test_a_trust_override_replaces_that_text_only() -> None:
    policy = parse_policy(
        textwrap.dedent(
            """\
            contacts:
              pals: {email: pals@example.nhs.uk}
            texts:
              notice.hold: "Thanks! An admin will look at your post in {group_title}."
              signpost.pals: "- Ring PALS: {pals_email} / {pals_phone}"
            """
        )
    )
    texts = policy.texts_for()
    notice = texts.category_notice("conduct.complaint", Action.SIGNPOST, "Ward 7 team")
    assert "- Ring PALS: pals@example.nhs.uk / " in notice  # no phone given: left empty
    held = texts.category_notice("conduct.charity", Action.HOLD, "Noticeboard")
    assert held.startswith("Thanks! An admin will look at your post in Noticeboard.")
    assert texts.template("notice.remove") == default_texts()["notice.remove"]


def test_an_unknown_override_key_or_placeholder_is_a_policy_file_mistake() -> None:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy("texts:\n  notice.removed: Gone\n  admin.alert: '{findings}'\n")
    messages = [problem.message for problem in caught.value.problems]
    assert messages == [
        "unknown text key (did you mean notice.remove?)",
        "unknown placeholder {findings}",
    ]


@pytest.mark.parametrize(
    "template",
    ["{missing} here", "{0} {1}", "{a.b} {c[0]}", "{unbalanced", "}{", "{pals!r:>9}", ""],
)
def test_filling_a_bad_template_never_raises(template: str) -> None:
    assert isinstance(fill(template, {"pals": "PALS"}), str)
    texts = Texts(overrides={"notice.remove": template})
    assert isinstance(texts.render("notice.remove", group_title="G"), str)


def test_a_missing_value_is_left_out_and_values_are_not_re_read_as_templates() -> None:
    assert fill("Hello {name}, see {where}", {"name": "{where}"}) == "Hello {where}, see "


def test_template_problems_are_specific() -> None:
    assert template_problem("notice.remove", "Gone from {group_title}") is None
    assert "unknown placeholder {findings}" in str(template_problem("notice.remove", "{findings}"))
    assert "literal brace" in str(template_problem("notice.remove", "{oops"))
    assert "no format options" in str(template_problem("notice.remove", "{group_title!r}"))
    assert "under" in str(template_problem("notice.remove", "x" * 5000))


def test_text_keys_cover_the_messages_the_bot_sends() -> None:
    keys = set(text_keys())
    assert {
        "guidance.patient_data",
        "code_of_conduct",
        "admin.alert",
        "admin.escalation",
        "signpost.hr_payroll",
        "signpost.pals",
        "signpost.line_manager",
        "signpost.freedom_to_speak_up",
        "signpost.work_email",
    } <= keys
