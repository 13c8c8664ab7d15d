"""The trust's policy file: defaults, per-group settings, and every mistake reported at its line."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest
import regex
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.codeofconduct.policy_file import (
    DEFAULT_POLICY_FILE,
    PolicyFile,
    PolicyFileError,
    Problem,
    check_policy,
    default_policy_file,
    load_policy,
    load_policy_file,
    parse_policy,
)
from bot.moderation import Action, Match, Screener
from bot.moderation.normalise import NormalisedText
from bot.moderation.taxonomy import CATEGORIES, DEFAULT_ACTIONS

WARD_GROUP = -1001111
SOCIAL_GROUP = -1002222
UNLISTED_GROUP = -1009999


class _PatternDetector:
    """A stand-in detector: each regex finds one category, at full confidence."""

    name = "test-patterns"

    def __init__(self, patterns: dict[str, str]) -> None:
        self._patterns = {category: regex.compile(p) for category, p in patterns.items()}
        self.categories = tuple(patterns)

    def find(self, text: NormalisedText) -> Iterable[Match]:
        for category, pattern in self._patterns.items():
            for found in pattern.finditer(text.text):
                yield Match(category, f"test.{category}", found.start(), found.end(), 1.0)


def _detector() -> _PatternDetector:
    return _PatternDetector(
        {
            "patient.nhs_number": r"\d{3} \d{3} \d{4}",
            "conduct.political": r"(?i)\bvote for\b",
            "conduct.charity": r"(?i)\bsponsor me\b",
        }
    )


def _policy(text: str) -> PolicyFile:
    return parse_policy(textwrap.dedent(text), "policy.yaml")


def _problems(text: str) -> list[Problem]:
    with pytest.raises(PolicyFileError) as caught:
        _policy(text)
    return list(caught.value.problems)


GROUPS_FILE = """\
trust_name: Example NHS Trust
contacts:
  pals: {name: PALS, email: pals@example.nhs.uk}
  line_manager: {name: your line manager}
categories:
  conduct.political: false
allowed_terms: [Seacole Ward]
conduct_terms:
  conduct.commercial: [lettings]
kinds:
  social:
    categories:
      clinical.advice: remove
groups:
  -1001111:
    name: Ward 7 team
    categories:
      conduct.charity: signpost
      conduct.political: true
    contacts:
      line_manager: {name: the ward manager}
  "-1002222":
    name: Staff noticeboard
    kind: social
    allowed_terms: [Nightingale Ward]
    conduct_terms:
      conduct.commercial: [taxis]
    strikes: {mute_hours: 72}
"""


# --- defaults -----------------------------------------------------------------------------------


def test_default_policy_applies_the_taxonomy_actions_to_every_category() -> None:
    policy = default_policy_file().screening_policy()
    assert dict(policy.actions) == DEFAULT_ACTIONS
    assert policy.enabled == frozenset(CATEGORIES)
    assert policy.flag_below == 0.5
    assert policy.allowed_terms == ()
    assert policy.hospital_number_formats == ()


def test_shipped_example_lists_every_category_with_its_taxonomy_action() -> None:
    written = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    assert written["categories"] == {name: action.value for name, action in DEFAULT_ACTIONS.items()}


def test_an_empty_file_and_no_file_give_the_same_policy_as_the_shipped_example() -> None:
    shipped = default_policy_file().group().to_document()
    assert load_policy(None).group().to_document() == shipped
    assert _policy("").group().to_document() == shipped
    assert PolicyFile().group().to_document() == shipped


def test_a_file_that_sets_one_thing_keeps_the_defaults_for_the_rest() -> None:
    policy = _policy("categories:\n  conduct.charity: remove\n").screening_policy()
    assert policy.action_for("conduct.charity") is Action.REMOVE
    assert policy.action_for("conduct.hr_pay") is Action.SIGNPOST
    assert policy.enabled == frozenset(CATEGORIES)


# --- groups -------------------------------------------------------------------------------------


def test_group_settings_change_only_that_group() -> None:
    policy = _policy(GROUPS_FILE)
    trust = policy.screening_policy(None)
    ward = policy.screening_policy(WARD_GROUP)
    unlisted = policy.screening_policy(UNLISTED_GROUP)

    assert "conduct.political" not in trust.enabled
    assert "conduct.political" in ward.enabled
    assert ward.action_for("conduct.political") is Action.REMOVE  # `true`: the taxonomy action
    assert ward.action_for("conduct.charity") is Action.SIGNPOST
    assert trust.action_for("conduct.charity") is Action.HOLD
    assert unlisted == trust


def test_a_group_gets_its_kind_then_its_own_settings() -> None:
    policy = _policy(GROUPS_FILE)
    social = policy.group(SOCIAL_GROUP)
    assert social.kind == "social"
    assert social.screening_policy.action_for("clinical.advice") is Action.REMOVE
    assert policy.screening_policy(WARD_GROUP).action_for("clinical.advice") is Action.SIGNPOST
    assert social.settings.strikes.mute_hours == 72
    assert social.settings.strikes.mute == 3  # the rest of the strikes stay the trust's


def test_mappings_merge_key_by_key_and_lists_replace() -> None:
    policy = _policy(GROUPS_FILE)
    ward = policy.group(WARD_GROUP)
    assert ward.contacts["line_manager"]["name"] == "the ward manager"
    assert ward.contacts["pals"] == {"name": "PALS", "email": "pals@example.nhs.uk"}
    assert policy.screening_policy(WARD_GROUP).allowed_terms == ("Seacole Ward",)
    assert policy.screening_policy(SOCIAL_GROUP).allowed_terms == ("Nightingale Ward",)
    assert policy.group(SOCIAL_GROUP).settings.conduct_terms == {"conduct.commercial": ("taxis",)}
    assert policy.group().settings.conduct_terms == {"conduct.commercial": ("lettings",)}


def test_group_texts_use_the_groups_contacts() -> None:
    policy = _policy(GROUPS_FILE)
    ward_notice = policy.texts_for(WARD_GROUP).category_notice(
        "conduct.abuse", Action.REMOVE, "Ward 7 team"
    )
    trust_notice = policy.texts_for(None).category_notice(
        "conduct.abuse", Action.REMOVE, "Ward 7 team"
    )
    assert "the ward manager" in ward_notice
    assert "your line manager" in trust_notice


def test_the_screener_follows_each_groups_policy() -> None:
    policy = _policy(GROUPS_FILE)
    message = "Please vote for my brother on Thursday, and sponsor me for the 10k"

    def screen(chat_id: int | None) -> tuple[Action, tuple[str, ...]]:
        screener = Screener(policy=policy.screening_policy(chat_id), detectors=[_detector()])
        verdict = screener.screen(message)
        return verdict.action, verdict.categories

    assert screen(None) == (Action.HOLD, ("conduct.charity",))
    assert screen(WARD_GROUP) == (Action.REMOVE, ("conduct.political", "conduct.charity"))
    assert screen(UNLISTED_GROUP) == screen(None)


def test_turning_a_patient_category_off_lets_the_message_through() -> None:
    policy = _policy("categories:\n  patient.nhs_number: false\n")
    text = "NHS 943 476 5919 in bay 2"
    default = Screener(detectors=[_detector()]).screen(text)
    relaxed = Screener(policy=policy.screening_policy(), detectors=[_detector()]).screen(text)
    assert default.action is Action.REMOVE
    assert relaxed.action is Action.ALLOW
    assert relaxed.findings == ()


def test_the_effective_policy_for_a_group_is_built_once() -> None:
    policy = _policy(GROUPS_FILE)
    assert policy.screening_policy(WARD_GROUP) is policy.screening_policy(WARD_GROUP)
    assert policy.screening_policy(UNLISTED_GROUP) is policy.screening_policy(None)


def test_local_hospital_number_formats_reach_the_engine() -> None:
    policy = _policy(
        r"""
        hospital_numbers:
          - name: unit number
            pattern: '\b[A-Z]\d{7}\b'
            context_words: [MRN, unit no]
            examples: [K1234567]
          - name: RX number
            pattern: '\bRX\d{6}\b'
        """
    ).screening_policy()
    first, second = policy.hospital_number_formats
    assert (first.name, first.pattern, first.context_words) == (
        "unit number",
        r"\b[A-Z]\d{7}\b",
        ("MRN", "unit no"),
    )
    assert second.context_words == ()


def test_numbers_written_bare_in_yaml_are_read_as_text() -> None:
    policy = _policy(
        r"""
        contacts:
          pals: {phone: 4421}
        hospital_numbers:
          - {name: ward code, pattern: '\b\d{6}\b', context_words: [MRN], examples: [123456]}
        """
    )
    assert policy.group().contacts["pals"]["phone"] == "4421"


def test_strikes_steps_can_be_turned_off() -> None:
    strikes = _policy("strikes:\n  remove: null\n  mute: null\n").group().settings.strikes
    assert strikes.remove is None
    assert strikes.mute is None
    assert strikes.reminder == 2


# --- mistakes -----------------------------------------------------------------------------------

BROKEN_FILE = """\
version: 1
trust_name: Example NHS Trust
contacts:
  pals:
    emial: pals@example.nhs.uk
  hr_payroll:
    email: not-an-address
categories:
  conduct.politcal: remove
  conduct.charity: hodl
hospital_numbers:
  - name: unit number
    pattern: '[A-Z\\d{7}'
  - name: anything
    pattern: '\\d*'
texts:
  guidance.patient_dat: Hello
  notice.remove: Removed from {group_titel}
strikes:
  reminder: 3
  mute: 2
colour: blue
groups:
  -1001111:
    kind: socal
    categoris: {}
  "12345":
    name: a private chat
"""


def test_every_mistake_is_reported_with_its_line_and_key() -> None:
    problems = _problems(BROKEN_FILE)
    assert [(problem.line, problem.path) for problem in problems] == [
        (5, "contacts.pals.emial"),
        (7, "contacts.hr_payroll.email"),
        (9, "categories.conduct.politcal"),
        (10, "categories.conduct.charity"),
        (13, "hospital_numbers[0].pattern"),
        (15, "hospital_numbers[1].pattern"),
        (17, "texts.guidance.patient_dat"),
        (18, "texts.notice.remove"),
        (21, "strikes.mute"),
        (22, "colour"),
        (25, "groups.-1001111.kind"),
        (26, "groups.-1001111.categoris"),
        (27, "groups.12345"),
    ]


def test_problems_read_as_file_line_key_message_with_a_hint() -> None:
    messages = [str(problem) for problem in _problems(BROKEN_FILE)]
    assert messages[2] == (
        "policy.yaml:9 categories.conduct.politcal: unknown category "
        "(did you mean conduct.political?)"
    )
    expected_fragments = [
        "unknown key (did you mean email?)",
        "not an email address",
        "unknown category (did you mean conduct.political?)",
        "unknown action 'hodl' (did you mean hold?)",
        "not a valid regular expression",
        "matches empty text",
        "unknown text key (did you mean guidance.patient_data?)",
        "unknown placeholder {group_titel} (did you mean {group_title}?)",
        "must be more than reminder (3)",
        "unknown key",
        "kind 'socal' is not defined under kinds",
        "unknown key (did you mean categories?)",
        "chat id is negative",
    ]
    for message, fragment in zip(messages, expected_fragments, strict=True):
        assert fragment in message


def test_a_group_setting_that_conflicts_with_the_trusts_is_reported_at_the_group() -> None:
    problems = _problems(
        """\
        strikes:
          reminder: 2
        groups:
          -1001111:
            strikes:
              mute: 1
        """
    )
    assert [str(problem) for problem in problems] == [
        "policy.yaml:6 groups.-1001111.strikes.mute: must be more than reminder (2)"
    ]


def test_a_mistake_in_a_kind_is_reported_once_at_the_kind() -> None:
    problems = _problems(
        """\
        kinds:
          social:
            categories:
              clinical.advice: delete
        groups:
          -1002222:
            kind: social
        """
    )
    assert [(problem.line, problem.path) for problem in problems] == [
        (4, "kinds.social.categories.clinical.advice")
    ]


def test_yaml_syntax_errors_give_the_line() -> None:
    problems = _problems(
        """\
        version: 1
        categories:
          conduct.political: remove
            conduct.charity: hold
        """
    )
    assert len(problems) == 1
    assert problems[0].line == 4
    assert problems[0].message.startswith("not valid YAML")


def test_unclosed_brackets_name_the_line_they_were_opened_on() -> None:
    problems = _problems("allowed_terms: [Seacole Ward\ncategories:\n  conduct.charity: hold\n")
    assert "on line 1" in problems[0].message


def test_a_duplicate_key_is_a_mistake() -> None:
    problems = _problems("trust_name: A\nflag_below: 0.4\ntrust_name: B\n")
    assert [str(problem) for problem in problems] == [
        "policy.yaml:3 trust_name: duplicate key (first on line 1)"
    ]


@pytest.mark.parametrize("text", ["- a list\n- of things\n", "just words\n", "42\n"])
def test_a_file_that_is_not_a_mapping_is_a_mistake(text: str) -> None:
    problems = _problems(text)
    assert problems[0].line == 1
    assert "mapping" in problems[0].message


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        (r"'(\d'", "not a valid regular expression"),
        (r"'[0-9]?'", "matches empty text"),
        (r"'(?:\d|\d\d)+$'", "too slow"),
        (r"'(?:1|11)+K'", "too slow"),
    ],
)
def test_unsafe_hospital_number_patterns_are_rejected(pattern: str, fragment: str) -> None:
    problems = _problems(f"hospital_numbers:\n  - name: x\n    pattern: {pattern}\n")
    assert [(problem.line, problem.path) for problem in problems] == [
        (3, "hospital_numbers[0].pattern")
    ]
    assert fragment in problems[0].message


def test_a_pattern_must_match_its_examples() -> None:
    problems = _problems(
        "hospital_numbers:\n  - name: x\n    pattern: '\\bK\\d{7}\\b'\n    examples: [K123]\n"
    )
    assert str(problems[0]) == (
        "policy.yaml:4 hospital_numbers[0].examples: "
        "the pattern does not match the example 'K123' on its own"
    )


def test_a_missing_required_key_points_at_its_entry() -> None:
    problems = _problems("allowed_terms: []\nhospital_numbers:\n  - name: unit number\n")
    assert [str(problem) for problem in problems] == [
        "policy.yaml:3 hospital_numbers[0].pattern: required"
    ]


def test_extra_terms_are_only_for_conduct_categories() -> None:
    problems = _problems("conduct_terms:\n  patient.name: [Smith]\n  conduct.sexual: [x]\n")
    assert [(problem.line, problem.path) for problem in problems] == [
        (2, "conduct_terms.patient.name")
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("version: 2\n", "Input should be 1"),
        ("flag_below: 2\n", "less than or equal to 1"),
        ("categories:\n  conduct.charity: 3\n", "give an action"),
        ("contacts:\n  pals: {url: pals.example.nhs.uk}\n", "web address"),
        ("contacts:\n  pals: {phone: call us}\n", "not a phone number"),
        ("texts:\n  notice.remove: '{group_title:>20}'\n", "no format options"),
        ("texts:\n  notice.remove: '   '\n", "text is empty"),
        ("kinds:\n  Social Group: {}\n", "lower-case letters"),
        ("signpost_repeat_hours: soon\n", "valid integer"),
    ],
)
def test_bad_values_are_explained(text: str, fragment: str) -> None:
    problems = _problems(text)
    assert len(problems) == 1
    assert fragment in problems[0].message


def test_loading_a_file_names_it_in_each_problem(tmp_path: Path) -> None:
    path = tmp_path / "trust.yaml"
    path.write_text("categories:\n  conduct.politics: remove\n", encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path)
    assert str(caught.value).startswith(f"{path}:2 categories.conduct.politics: unknown category")


def test_an_unreadable_file_is_a_policy_file_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(tmp_path / "missing.yaml")
    assert "cannot read" in str(caught.value)
    (tmp_path / "latin1.yaml").write_bytes(b"trust_name: St Mary\xe9s\n")
    with pytest.raises(PolicyFileError, match="not UTF-8"):
        load_policy_file(tmp_path / "latin1.yaml")


def test_unsafe_yaml_tags_are_refused() -> None:
    problems = _problems("trust_name: !!python/object/apply:os.system [echo hi]\n")
    assert problems[0].line == 1
    assert "not valid YAML" in problems[0].message


_KEYS = st.sampled_from(
    [
        "version",
        "trust_name",
        "contacts",
        "pals",
        "email",
        "name",
        "categories",
        "conduct.charity",
        "patient.name",
        "hospital_numbers",
        "pattern",
        "examples",
        "context_words",
        "texts",
        "notice.remove",
        "strikes",
        "mute",
        "reminder",
        "membership",
        "remove_after",
        "remind_after",
        "kinds",
        "social",
        "kind",
        "groups",
        "-1001",
        "12",
        "conduct_terms",
        "allowed_terms",
        "x",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False),
    st.sampled_from(["remove", "hold", "{pals}", "{", "(a+)+$", "\\d{7}", "", "social"]),
    st.text(max_size=12),
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
def test_any_yaml_document_either_loads_or_is_a_policy_file_error(document: object) -> None:
    policy, problems = check_policy(yaml.safe_dump(document), "fuzz.yaml")
    if policy is None:
        assert problems
        assert all(problem.line is None or problem.line >= 1 for problem in problems)
    else:
        assert problems == []
        for chat_id in policy.groups:
            assert policy.screening_policy(chat_id).enabled <= frozenset(CATEGORIES)


# --- faces in photos -----------------------------------------------------------------------------


def test_faces_are_flagged_by_default_and_off_in_the_shipped_social_kind() -> None:
    from bot.media.verdict import FacesSetting

    shipped = default_policy_file()
    assert shipped.group().faces is FacesSetting.FLAG
    assert shipped.kinds["clinical"]["faces"] == "flag"
    assert shipped.kinds["social"]["faces"] == "off"
    assert shipped.group().to_document()["faces"] == "flag"


def test_faces_can_be_set_for_the_trust_a_kind_and_a_group() -> None:
    from bot.media.verdict import FacesSetting

    policy = _policy(
        f"""
        faces: hold
        kinds:
          social:
            faces: off
        groups:
          {SOCIAL_GROUP}: {{kind: social}}
          {WARD_GROUP}: {{kind: social, faces: flag}}
        """
    )
    assert policy.group().faces is FacesSetting.HOLD
    assert policy.group(UNLISTED_GROUP).faces is FacesSetting.HOLD
    assert policy.group(SOCIAL_GROUP).faces is FacesSetting.OFF  # YAML's bare off is false
    assert policy.group(WARD_GROUP).faces is FacesSetting.FLAG


def test_an_unknown_faces_setting_is_explained_at_its_line() -> None:
    problems = _problems("version: 1\nfaces: hodl\n")
    assert [(problem.line, problem.path) for problem in problems] == [(2, "faces")]
    assert "did you mean hold?" in problems[0].message
