"""The trust's YAML policy file: contacts, categories and actions, local formats, groups.

`load_policy_file(path)` gives a `PolicyFile`, or raises one `PolicyFileError`
listing every problem with its line and key path, so a bad file never starts
the bot half-configured. `PolicyFile.screening_policy(chat_id)` is what the
engine runs under in that group: the trust's settings, then the group's kind,
then the group's own settings, merged in that order.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from difflib import get_close_matches
from enum import StrEnum
from functools import cache, cached_property, partial
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import regex
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.codeofconduct.durations import format_duration, parse_duration
from bot.codeofconduct.texts import CONTACT_DEFAULT_NAMES, Texts, template_problem, text_keys
from bot.media.verdict import FacesSetting
from bot.moderation.policy import HospitalNumberFormat, ScreeningPolicy
from bot.moderation.taxonomy import CATEGORIES, DEFAULT_ACTIONS, Action

DEFAULT_POLICY_FILE = Path(__file__).parent / "data" / "default_policy.yaml"
MAX_FILE_BYTES = 1_000_000
_GROUP_LABELS = ("name", "kind")
# Inputs a local identifier pattern must get through quickly: one message can be this long.
_HOSTILE_INPUTS = ("1" * 4095 + "!", "1 " * 2048, "A1" * 2048, "a" * 4095 + "!")
_PATTERN_TIMEOUT_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a policy file, where it is and what to do about it."""

    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PolicyFileError(Exception):
    """A policy file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# --- field types -------------------------------------------------------------------------------


def did_you_mean(word: object, candidates: Iterable[str]) -> str:
    close = get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _none_is_empty(value: object) -> object:
    return {} if value is None else value


def _none_is_empty_list(value: object) -> object:
    return [] if value is None else value


def _known_category(name: str) -> str:
    if name not in CATEGORIES:
        raise ValueError("unknown category" + did_you_mean(name, CATEGORIES))
    return name


def _conduct_category(name: str) -> str:
    _known_category(name)
    if not name.startswith("conduct."):
        raise ValueError("extra terms are only for conduct.* categories")
    return name


def _category_setting(value: object) -> Action | bool:
    if isinstance(value, bool | Action):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        actions = [action.value for action in Action]
        if word in actions:
            return Action(word)
        raise ValueError(
            f"unknown action {value!r}{did_you_mean(word, actions)}; use remove, hold, "
            "signpost, flag or allow, or false to turn the category off"
        )
    raise ValueError("give an action (remove, hold, signpost, flag, allow) or false")


def _faces_setting(value: object) -> FacesSetting:
    # YAML reads a bare `off` as false (and `on` as true).
    if value is False:
        return FacesSetting.OFF
    if value is True:
        return FacesSetting.FLAG
    words = [setting.value for setting in FacesSetting]
    word = str(value).strip().lower()
    if word in words:
        return FacesSetting(word)
    raise ValueError(
        f"unknown faces setting {value!r}{did_you_mean(word, words)}; use off, flag or hold"
    )


def _email(value: str) -> str:
    if not regex.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", value):
        raise ValueError(f"not an email address: {value!r}")
    return value


def _phone(value: str) -> str:
    if not regex.fullmatch(r"[0-9+() .\-extEXT]{3,40}", value) or sum(map(str.isdigit, value)) < 3:
        raise ValueError(f"not a phone number: {value!r}")
    return value


def _url(value: str) -> str:
    if not regex.fullmatch(r"https?://[^\s/]+\.[^\s]+", value):
        raise ValueError(f"not a web address starting with https://: {value!r}")
    return value


def _email_domain(value: str) -> str:
    domain = value.strip().casefold().removeprefix("@")
    if not regex.fullmatch(
        r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+", domain
    ):
        raise ValueError(f"not an email domain (e.g. nhs.net): {value!r}")
    return domain


def _chat_id(value: int) -> int:
    if value >= 0:
        raise ValueError("a group's chat id is negative (a supergroup's starts with -100)")
    return value


def _kind_name(value: str) -> str:
    if not regex.fullmatch(r"[a-z][a-z0-9_]{0,39}", value):
        raise ValueError("a kind's name is lower-case letters, digits and _ (e.g. clinical)")
    return value


def _duration(value: object) -> timedelta:
    duration = parse_duration(value)
    if not timedelta(seconds=1) <= duration <= timedelta(days=365):
        raise ValueError("must be between 1s and 365d")
    return duration


def _duration_or_never(value: object) -> timedelta | None:
    # YAML reads a bare `off` or `no` as false.
    if value is None or value is False or str(value).strip().lower() in ("never", "off"):
        return None
    return _duration(value)


def _version_label(value: object) -> object:
    # YAML reads `2025-04-01` as a date; as a version it is the text written.
    return value.isoformat() if isinstance(value, date) else value


def _short_label(value: str) -> str:
    if not regex.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", value):
        raise ValueError(
            f"a version is up to 20 letters, digits, dots, dashes or _ (e.g. 2025.1), not {value!r}"
        )
    return value


def as_whole_token(pattern: str) -> str:
    """The pattern as the hospital number detector runs it: never inside a longer word or number."""
    return rf"(?<![\p{{L}}\p{{N}}])(?:{pattern})(?![\p{{L}}\p{{N}}])"


def _pattern(value: str) -> str:
    try:
        bare = regex.compile(value)
        whole = regex.compile(as_whole_token(value))
    except regex.error as error:
        raise ValueError(f"not a valid regular expression: {error}") from None
    if bare.search("") is not None:
        raise ValueError("the pattern matches empty text, so it would fire on every message")
    try:
        for hostile in _HOSTILE_INPUTS:
            whole.search(hostile, timeout=_PATTERN_TIMEOUT_SECONDS)
    except TimeoutError:
        raise ValueError(
            "the pattern is too slow on long messages (nested repeats such as (\\d+)+?)"
        ) from None
    return value


def _text_override(key: str, value: str) -> str:
    problem = template_problem(key, value)
    if problem:
        raise ValueError(problem)
    return value


ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Terms = Annotated[tuple[Term, ...], BeforeValidator(_none_is_empty_list)]
CategoryName = Annotated[str, AfterValidator(_known_category)]
ConductCategoryName = Annotated[str, AfterValidator(_conduct_category)]
CategorySetting = Annotated[Action | bool, PlainValidator(_category_setting)]
FacesSettingField = Annotated[FacesSetting, PlainValidator(_faces_setting)]
Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_email)]
EmailDomain = Annotated[str, AfterValidator(_email_domain)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_phone)]
Url = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_url)]
ChatId = Annotated[int, AfterValidator(_chat_id)]
KindName = Annotated[str, AfterValidator(_kind_name)]
RawSettings = Annotated[dict[str, Any], BeforeValidator(_none_is_empty)]
Duration = Annotated[timedelta, PlainValidator(_duration)]
DurationOrNever = Annotated[timedelta | None, PlainValidator(_duration_or_never)]
VersionLabel = Annotated[
    str,
    BeforeValidator(_version_label),
    StringConstraints(strip_whitespace=True),
    AfterValidator(_short_label),
]


# --- the models ----------------------------------------------------------------------------------


class _Model(BaseModel):
    # YAML reads `phone: 1234567` or `examples: [1234567]` as numbers; they are text here.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Contact(_Model):
    name: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    url: Url | None = None


OptionalContact = Annotated[Contact, BeforeValidator(_none_is_empty)]


class Contacts(_Model):
    communications: OptionalContact = Contact()
    pals: OptionalContact = Contact()
    hr_payroll: OptionalContact = Contact()
    freedom_to_speak_up: OptionalContact = Contact()
    information_governance: OptionalContact = Contact()
    line_manager: OptionalContact = Contact()


class HospitalNumberSpec(_Model):
    name: ShortText
    pattern: Annotated[str, AfterValidator(_pattern)]
    context_words: Terms = ()
    examples: tuple[str, ...] = ()

    @field_validator("examples")
    @classmethod
    def _examples_match(cls, examples: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        pattern = info.data.get("pattern")
        if pattern is None:  # the pattern itself was wrong: reported already
            return examples
        compiled = regex.compile(as_whole_token(pattern))
        for example in examples:
            if compiled.search(example) is None:
                raise ValueError(f"the pattern does not match the example {example!r} on its own")
        return examples

    def to_format(self) -> HospitalNumberFormat:
        return HospitalNumberFormat(self.name, self.pattern, self.context_words)


class Strikes(_Model):
    """When a poster's removed or held messages within `window_days` reach each number."""

    reminder: Annotated[int, Field(ge=1, le=100)] | None = 2
    mute: Annotated[int, Field(ge=1, le=100)] | None = 3
    mute_hours: int = Field(24, ge=1, le=8760)
    senior_manager_alert: Annotated[int, Field(ge=1, le=100)] | None = 3
    remove: Annotated[int, Field(ge=1, le=100)] | None = 5
    window_days: int = Field(60, ge=1, le=3650)

    @field_validator("mute", "remove")
    @classmethod
    def _after_milder_steps(cls, value: int | None, info: ValidationInfo) -> int | None:
        milder_steps = ("reminder",) if info.field_name == "mute" else ("reminder", "mute")
        for milder in milder_steps:
            earlier = info.data.get(milder)
            if value is not None and earlier is not None and value <= earlier:
                raise ValueError(f"must be more than {milder} ({earlier})")
        return value


class Membership(_Model):
    """Agreeing to the code of conduct before posting, and consent when someone is added."""

    # A newcomer is restricted until they press "I agree" to the group's code of conduct.
    agreement_required: bool = True
    remind_after: DurationOrNever = timedelta(hours=24)
    remove_after: DurationOrNever = Field(timedelta(days=7), validate_default=True)
    # Someone added by another member is asked whether they want to be a member at all.
    consent_when_added: bool = True
    consent_timeout: Duration = timedelta(hours=48)
    # The trust's own name for its code's version; members are asked again when it changes
    # (they are anyway when the wording of the code does).
    code_version: VersionLabel | None = None

    @field_validator("remove_after")
    @classmethod
    def _after_the_reminder(cls, value: timedelta | None, info: ValidationInfo) -> timedelta | None:
        reminder = info.data.get("remind_after")
        if value is not None and reminder is not None and value <= reminder:
            raise ValueError(f"must be more than remind_after ({format_duration(reminder)})")
        return value


class VerificationMethod(StrEnum):
    EMAIL = "email"  # a one-time code sent to a work email address in an allowed domain
    ROSTER = "roster"  # on the staff roster the trust uploads (`staffguard roster import`)


class Verification(_Model):
    """Staff verification: join requests are approved only for verified staff.

    Off by default; a group that turns it on must be set to "approve new members"
    in Telegram, so people join by request, and the bot needs the right to add members.
    """

    required: bool = False
    methods: Annotated[tuple[VerificationMethod, ...], Field(min_length=1)] = (
        VerificationMethod.EMAIL,
        VerificationMethod.ROSTER,
    )
    email_domains: tuple[EmailDomain, ...] = ("nhs.net",)
    code_valid_for: Duration = timedelta(minutes=15)
    code_attempts: int = Field(5, ge=1, le=10)
    # How long a verification lasts before the member is asked to verify again.
    valid_for: DurationOrNever = timedelta(days=365)
    # A member who has not verified again this long after it ran out is removed.
    renew_within: DurationOrNever = timedelta(days=30)
    # A join request nobody has verified in this time is declined (they may ask again).
    request_timeout: Duration = timedelta(hours=24)

    @model_validator(mode="after")
    def _email_needs_domains(self) -> Verification:
        if VerificationMethod.EMAIL in self.methods and not self.email_domains:
            raise ValueError("email verification needs at least one domain in email_domains")
        return self

    def allows_domain(self, email: str) -> bool:
        """Whether the address is in an allowed domain (or one of its subdomains)."""
        domain = email.rpartition("@")[2].casefold()
        return any(
            domain == allowed or domain.endswith("." + allowed) for allowed in self.email_domains
        )


def _text_overrides_model() -> type[BaseModel]:
    """A model with one optional field per text key, so each text is checked for its key."""
    fields: dict[str, Any] = {
        f"text_{index}": (
            Annotated[str, AfterValidator(partial(_text_override, key))] | None,
            Field(None, alias=key),
        )
        for index, key in enumerate(text_keys())
    }
    return create_model("TextOverrides", __base__=_Model, **fields)


TextOverrides = _text_overrides_model()


class PolicySettings(_Model):
    """The settings a group can have its own values for."""

    contacts: Annotated[Contacts, BeforeValidator(_none_is_empty)] = Contacts()
    categories: Annotated[dict[CategoryName, CategorySetting], BeforeValidator(_none_is_empty)] = (
        Field(default_factory=dict)
    )
    flag_below: float = Field(0.5, ge=0, le=1)
    allowed_terms: Terms = ()
    hospital_numbers: Annotated[
        tuple[HospitalNumberSpec, ...], BeforeValidator(_none_is_empty_list)
    ] = ()
    conduct_terms: Annotated[dict[ConductCategoryName, Terms], BeforeValidator(_none_is_empty)] = (
        Field(default_factory=dict)
    )
    texts: Annotated[TextOverrides, BeforeValidator(_none_is_empty)] = TextOverrides()
    strikes: Annotated[Strikes, BeforeValidator(_none_is_empty)] = Strikes()
    signpost_repeat_hours: int = Field(24, ge=0, le=720)
    faces: FacesSettingField = FacesSetting.FLAG
    membership: Annotated[Membership, BeforeValidator(_none_is_empty)] = Membership()
    verification: Annotated[Verification, BeforeValidator(_none_is_empty)] = Verification()

    def text_overrides(self) -> dict[str, str]:
        return self.texts.model_dump(by_alias=True, exclude_none=True)


SETTINGS_FIELDS = frozenset(PolicySettings.model_fields)


@dataclass(frozen=True)
class GroupPolicy:
    """The effective settings in one group (or the trust's, for a group with none)."""

    chat_id: int | None
    name: str | None
    kind: str | None
    trust_name: str
    quarantine_retention_days: int | None
    settings: PolicySettings

    @cached_property
    def actions(self) -> Mapping[str, Action | None]:
        """Every category's action; None where the category is turned off."""
        actions: dict[str, Action | None] = dict(DEFAULT_ACTIONS)
        for category, setting in self.settings.categories.items():
            if setting is False:
                actions[category] = None
            elif setting is True:
                actions[category] = DEFAULT_ACTIONS[category]
            else:
                actions[category] = setting
        return types.MappingProxyType(actions)

    @cached_property
    def screening_policy(self) -> ScreeningPolicy:
        enabled = {name: action for name, action in self.actions.items() if action is not None}
        return ScreeningPolicy(
            actions=types.MappingProxyType(enabled),
            enabled=frozenset(enabled),
            flag_below=self.settings.flag_below,
            allowed_terms=self.settings.allowed_terms,
            hospital_number_formats=tuple(
                spec.to_format() for spec in self.settings.hospital_numbers
            ),
            conduct_terms=types.MappingProxyType(
                {name: tuple(terms) for name, terms in self.settings.conduct_terms.items()}
            ),
        )

    @property
    def faces(self) -> FacesSetting:
        """What a face in a photo posted here does (off, flag or hold)."""
        return self.settings.faces

    @cached_property
    def contacts(self) -> Mapping[str, Mapping[str, str]]:
        """Each contact's details as the texts use them, default names filled in."""
        given = self.settings.contacts.model_dump(exclude_none=True)
        return {
            name: {"name": default_name, **given.get(name, {})}
            for name, default_name in CONTACT_DEFAULT_NAMES.items()
        }

    @cached_property
    def texts(self) -> Texts:
        return Texts(
            overrides=self.settings.text_overrides(),
            contacts=self.contacts,
            trust_name=self.trust_name,
        )

    def to_document(self) -> dict[str, Any]:
        """The effective policy as plain data (for `staffguard policy show`)."""
        settings = self.settings
        return {
            "trust_name": self.trust_name,
            "group": {"chat_id": self.chat_id, "name": self.name, "kind": self.kind},
            "categories": {
                name: (action.value if action else False) for name, action in self.actions.items()
            },
            "flag_below": settings.flag_below,
            "allowed_terms": list(settings.allowed_terms),
            "hospital_numbers": [
                spec.model_dump(mode="json", exclude_defaults=True)
                for spec in settings.hospital_numbers
            ],
            "conduct_terms": {name: list(terms) for name, terms in settings.conduct_terms.items()},
            "contacts": {name: dict(details) for name, details in self.contacts.items()},
            "texts": settings.text_overrides(),
            "strikes": settings.strikes.model_dump(),
            "signpost_repeat_hours": settings.signpost_repeat_hours,
            "faces": settings.faces.value,
            "membership": durations_document(settings.membership),
            "verification": durations_document(settings.verification),
            "quarantine_retention_days": self.quarantine_retention_days,
        }


def durations_document(section: BaseModel) -> dict[str, Any]:
    """A section as the policy file writes it (durations as 24h, 7d; `never` for none)."""
    document = section.model_dump(mode="python")
    for key, value in document.items():
        if isinstance(value, timedelta):
            document[key] = format_duration(value)
        elif value is None and key.endswith(("_after", "valid_for", "_within")):
            document[key] = "never"
        elif isinstance(value, tuple):
            document[key] = [str(item) for item in value]
    return document


class PolicyFile(PolicySettings):
    """A trust's whole policy file: its settings, kinds of group, and groups."""

    version: Literal[1] = 1
    trust_name: ShortText = "the trust"
    quarantine_retention_days: int | None = Field(None, ge=1, le=3650)
    kinds: Annotated[dict[KindName, RawSettings], BeforeValidator(_none_is_empty)] = Field(
        default_factory=dict
    )
    groups: Annotated[dict[ChatId, RawSettings], BeforeValidator(_none_is_empty)] = Field(
        default_factory=dict
    )
    _effective: dict[int | None, GroupPolicy] = PrivateAttr(default_factory=dict)

    def group(self, chat_id: int | None = None) -> GroupPolicy:
        """The effective policy in a group; the trust's settings for a group not listed."""
        key = chat_id if chat_id in self.groups else None
        if key not in self._effective:
            self._effective[key] = self._build_group(key)
        return self._effective[key]

    def screening_policy(self, chat_id: int | None = None) -> ScreeningPolicy:
        return self.group(chat_id).screening_policy

    def texts_for(self, chat_id: int | None = None) -> Texts:
        return self.group(chat_id).texts

    def trust_settings(self) -> dict[str, Any]:
        """The settings the trust wrote (not the defaults), as data to merge over."""
        return self.model_dump(include=set(SETTINGS_FIELDS), exclude_unset=True, by_alias=True)

    def _build_group(self, chat_id: int | None) -> GroupPolicy:
        raw = self.groups.get(chat_id, {}) if chat_id is not None else {}
        kind = raw.get("kind")
        layers = [self.kinds[kind]] if kind in self.kinds else []
        layers.append(_without_labels(raw))
        merged = self.trust_settings()
        for layer in layers:
            merged = deep_merge(merged, layer)
        return GroupPolicy(
            chat_id=chat_id,
            name=raw.get("name"),
            kind=kind,
            trust_name=self.trust_name,
            quarantine_retention_days=self.quarantine_retention_days,
            settings=PolicySettings.model_validate(merged),
        )


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`: mappings merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _without_labels(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in raw.items() if key not in _GROUP_LABELS}


# --- loading -------------------------------------------------------------------------------------


@cache
def default_policy_file() -> PolicyFile:
    """The policy a trust without its own file gets (the shipped, commented example)."""
    return load_policy_file(DEFAULT_POLICY_FILE)


def load_policy(path: Path | str | None) -> PolicyFile:
    """The trust's policy file, or the defaults when there is none."""
    return default_policy_file() if path is None else load_policy_file(path)


def load_policy_file(path: Path | str) -> PolicyFile:
    """A checked policy file, or `PolicyFileError` listing every problem in it."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise PolicyFileError(
            [Problem(source, None, "", f"cannot read: {error.strerror}")]
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise PolicyFileError([Problem(source, None, "", "too big for a policy file (over 1 MB)")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PolicyFileError([Problem(source, None, "", "not UTF-8 text")]) from None
    return parse_policy(text, source)


def parse_policy(text: str, source: str = "<policy>") -> PolicyFile:
    policy, problems = check_policy(text, source)
    if policy is None or problems:
        raise PolicyFileError(problems)
    return policy


def check_policy(text: str, source: str = "<policy>") -> tuple[PolicyFile | None, list[Problem]]:
    """The policy and every problem found in it (the policy is None when there are any)."""
    try:
        root, data = _parse_yaml(text)
    except yaml.MarkedYAMLError as error:
        return None, [_syntax_problem(error, source)]
    except yaml.YAMLError as error:
        return None, [Problem(source, None, "", f"not valid YAML: {error}")]
    locator = _Locator(root, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [locator.problem((), "the file must be a mapping of settings (key: value)")]
    problems = locator.duplicate_keys()
    policy: PolicyFile | None = None
    try:
        policy = PolicyFile.model_validate(data)
    except ValidationError as error:
        problems += locator.problems(error, PolicyFile)
    problems += _group_problems(data, policy, locator)
    if problems or policy is None:
        return None, sorted(set(problems), key=lambda problem: (problem.line or 0, problem.path))
    for chat_id in policy.groups:
        policy.group(chat_id)  # built now, so a group never fails while the bot runs
    return policy, []


def _syntax_problem(error: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    message = f"not valid YAML: {error.problem or error}"
    if error.context and error.context_mark and error.context_mark is not mark:
        message += f" ({error.context} on line {error.context_mark.line + 1})"
    return Problem(source, mark.line + 1 if mark else None, "", message)


def _parse_yaml(text: str) -> tuple[Node | None, Any]:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


def _group_problems(
    data: Mapping[str, Any], policy: PolicyFile | None, locator: _Locator
) -> list[Problem]:
    """Check each kind and group by merging it over the trust's settings."""
    # When the trust's own settings are wrong (reported), check groups against the defaults.
    base = policy.trust_settings() if policy is not None else {}
    kinds = data.get("kinds") if isinstance(data.get("kinds"), dict) else {}
    groups = data.get("groups") if isinstance(data.get("groups"), dict) else {}
    problems: list[Problem] = []
    usable_kinds: dict[str, dict[str, Any]] = {}
    for name, raw in kinds.items():
        if isinstance(raw, dict):
            kind_problems = _layer_problems(base, [raw], ("kinds", name), locator, ())
            problems += kind_problems
            if not kind_problems:
                usable_kinds[name] = raw
    for chat_id, raw in groups.items():
        if isinstance(raw, dict):
            problems += _one_group_problems(
                ("groups", chat_id), raw, base, kinds, usable_kinds, locator
            )
    return problems


def _one_group_problems(
    where: tuple[Any, ...],
    raw: Mapping[str, Any],
    base: Mapping[str, Any],
    kinds: Mapping[str, Any],
    usable_kinds: Mapping[str, dict[str, Any]],
    locator: _Locator,
) -> list[Problem]:
    problems: list[Problem] = []
    name, kind = raw.get("name"), raw.get("kind")
    if name is not None and not isinstance(name, str):
        problems.append(locator.problem((*where, "name"), "give the group's name as text"))
    layers: list[Mapping[str, Any]] = []
    if kind is not None and not isinstance(kind, str):
        problems.append(locator.problem((*where, "kind"), "give the name of one of the kinds"))
    elif kind in usable_kinds:
        layers.append(usable_kinds[kind])
    elif kind is not None and kind not in kinds:
        message = f"kind {kind!r} is not defined under kinds" + did_you_mean(kind, kinds)
        problems.append(locator.problem((*where, "kind"), message))
    layers.append(_without_labels(raw))
    return problems + _layer_problems(base, layers, where, locator, _GROUP_LABELS)


def _layer_problems(
    base: Mapping[str, Any],
    layers: Sequence[Mapping[str, Any]],
    where: tuple[Any, ...],
    locator: _Locator,
    extra_keys: Sequence[str],
) -> list[Problem]:
    merged = dict(base)
    for layer in layers:
        merged = deep_merge(merged, layer)
    try:
        PolicySettings.model_validate(merged)
    except ValidationError as error:
        own_keys = set(layers[-1])
        # Errors in settings this layer does not touch belong to the trust (or kind) part.
        return [
            problem
            for loc, problem in locator.located_problems(
                error, PolicySettings, where, extra_keys=extra_keys
            )
            if loc and loc[0] in own_keys
        ]
    return []


# --- error locations -----------------------------------------------------------------------------


class _Locator:
    """Turns a pydantic error location into a line number and a readable key path."""

    def __init__(self, root: Node | None, source: str) -> None:
        self.root = root
        self.source = source

    def problem(self, loc: Sequence[Any], message: str) -> Problem:
        line, path = self.find(loc)
        return Problem(self.source, line, path, message)

    def problems(self, error: ValidationError, model: type[BaseModel]) -> list[Problem]:
        return [problem for _, problem in self.located_problems(error, model, ())]

    def located_problems(
        self,
        error: ValidationError,
        model: type[BaseModel],
        prefix: tuple[Any, ...],
        extra_keys: Sequence[str] = (),
    ) -> list[tuple[tuple[Any, ...], Problem]]:
        out = []
        for item in error.errors(include_url=False):
            loc = tuple(item["loc"])
            message = _message(item, model, loc, extra_keys)
            out.append((loc, self.problem(prefix + loc, message)))
        return out

    def find(self, loc: Sequence[Any]) -> tuple[int | None, str]:
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        path = ""
        for part in loc:
            if part == "[key]":
                continue
            if isinstance(node, SequenceNode) and isinstance(part, int):
                path += f"[{part}]"
                node = node.value[part] if 0 <= part < len(node.value) else None
            else:
                path += f".{part}" if path else str(part)
                key_node, node = _entry(node, part)
                if key_node is not None:
                    line = key_node.start_mark.line + 1
                    continue
            if node is not None:
                line = node.start_mark.line + 1
        return line, path

    def duplicate_keys(self) -> list[Problem]:
        problems: list[Problem] = []
        for loc, node in _mappings(self.root, ()):
            first_lines: dict[str, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode):
                    continue
                line = key_node.start_mark.line + 1
                if key_node.value in first_lines:
                    _, path = self.find((*loc, key_node.value))
                    message = f"duplicate key (first on line {first_lines[key_node.value]})"
                    problems.append(Problem(self.source, line, path, message))
                else:
                    first_lines[key_node.value] = line
        return problems


def _entry(node: Node | None, key: Any) -> tuple[Node | None, Node | None]:
    """The key and value nodes for `key` in a mapping node (the last one, as YAML does)."""
    if not isinstance(node, MappingNode):
        return None, None
    found: tuple[Node | None, Node | None] = (None, None)
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and _same_key(key_node.value, key):
            found = (key_node, value_node)
    return found


def _same_key(written: str, key: Any) -> bool:
    if isinstance(key, str) or written == str(key):
        return written == str(key)
    try:
        return bool(yaml.safe_load(written) == key)
    except yaml.YAMLError:
        return False


def _mappings(node: Node | None, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Node]]:
    if isinstance(node, MappingNode):
        yield loc, node
        for key_node, value_node in node.value:
            yield from _mappings(value_node, (*loc, getattr(key_node, "value", "?")))
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _mappings(item, (*loc, index))


def _message(
    item: Mapping[str, Any], model: type[BaseModel], loc: tuple[Any, ...], extra_keys: Sequence[str]
) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        return _unknown_key_message(loc, model, extra_keys)
    if kind == "missing":
        return "required"
    if loc[:1] == ("groups",) and loc[-1:] == ("[key]",) and kind != "value_error":
        return f"a group is keyed by its Telegram chat id, a negative number (got {loc[1]!r})"
    message = str(item["msg"]).removeprefix("Value error, ")
    value = item.get("input")
    if (
        kind != "value_error"
        and isinstance(value, str | int | float)
        and not isinstance(value, bool)
    ):
        message += f" (got {value!r})"
    return message


def _unknown_key_message(
    loc: tuple[Any, ...], model: type[BaseModel], extra_keys: Sequence[str]
) -> str:
    key = loc[-1]
    parent = _model_at(model, loc[:-1])
    expected = list(extra_keys) if len(loc) == 1 else []
    if parent is not None:
        expected += [info.alias or name for name, info in parent.model_fields.items()]
    noun = "unknown text key" if loc[:-1] == ("texts",) else "unknown key"
    hint = did_you_mean(key, expected)
    if not hint and 0 < len(expected) <= 8:
        hint = f" (expected one of: {', '.join(expected)})"
    return noun + hint


def _model_at(model: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model that validates the mapping at `loc`, found from the type annotations."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[part].annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) in (tuple, list):
            current = get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
