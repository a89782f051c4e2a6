"""The policy-pack format: pydantic models (structure).

A pack is data. Every model forbids unknown fields so a typo is an error, not a silent
default. Closed vocabularies (units, kinds, roles, …) are checked field by field so the
error points at the exact place; references between parts of the pack (departments,
categories, urgency levels, referrals, milestones, demo people) are checked afterwards by
`validate.pack_problems`, which returns `(path, message)` pairs.

The format is documented with examples in `docs/policy-packs.md`.
"""

from __future__ import annotations

import re
import string
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

# --- closed vocabularies ------------------------------------------------------------------

# Mirrors closeloop.tickets.choices and closeloop.directory.roles; kept as plain tuples so
# the schema stays importable without Django (tests of the format run without a database).
KINDS = ("consultation", "complaint", "report", "suggestion", "help", "praise")
CHANNELS = ("phone", "web", "email", "letter", "visit", "on_site", "app", "api", "suggestion_box")
CUSTOMER_TYPES = ("individual", "company", "media", "official")
SEVERITIES = ("one_star", "two_star", "three_star")
SEVERITY_RANK = {"": 0, "one_star": 1, "two_star": 2, "three_star": 3}
ROLES = ("agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin")
UNITS = ("minutes", "hours", "working_hours", "days", "working_days")
# Each milestone is one deadline on a ticket; its default start and stop are documented in
# docs/policy-packs.md ("Milestones") and implemented by the deadlines engine.
MILESTONES = (
    "accept",
    "dispatch",
    "assign",
    "first_contact",
    "department_response",
    "progress_report",
    "reply",
    "resolve",
    "return_visit",
    "leader_review",
    "suggestion_feedback",
    "supervision",
)
# Ticket events a time limit may start from instead of its milestone's default.
START_EVENTS = (
    "registered",
    "accepted",
    "dispatched",
    "assigned",
    "department_responded",
    "plan_submitted",
    "resolved",
    "escalated",
    "reopened",
)
DEADLINE_STATES = ("warning", "overdue")
NOTIFY = ("handler", "liaison", "department_head", "supervisor", "leader", "first_contact_owner")
ACTIONS = ("remind", "supervise", "escalate", "case_file")
ENCLOSURE_DISPOSITIONS = ("return", "keep")
REPORT_PERIODS = ("daily", "weekly", "monthly", "quarterly", "yearly")
FIELD_TYPES = ("text", "number", "date", "choice")
# A field's value is stored in a JSON object on the ticket and named in URLs and forms.
FIELD_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FIELD_TEXT_MAX = 200  # the longest text value any field may hold

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _closed(noun: str, values: tuple[str, ...], style: str = "unknown") -> Any:
    """A validator refusing anything outside `values`, naming the allowed ones."""

    def check(value: str) -> str:
        if value not in values:
            allowed = ", ".join(values)
            if style == "one_of":
                raise ValueError(f"'{value}' is not one of {allowed}")
            raise ValueError(f"unknown {noun} '{value}' (expected one of {allowed})")
        return value

    return check


def _code(max_length: int) -> Any:
    def check(value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError(
                f"'{value}' is not a valid code (lower-case letters, digits, '_' and '-')"
            )
        if len(value) > max_length:
            raise ValueError(f"'{value}' is longer than {max_length} characters")
        return value

    return check


def _hhmm(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 08:30 as the base-60 number 510: say so instead of
    # failing with a puzzling type error.
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError('write times in quotes, e.g. "08:30" (unquoted, YAML reads a number)')
    if not isinstance(value, str) or not TIME_RE.match(value):
        raise ValueError(f"'{value}' is not a time of day HH:MM")
    return value


# An escalation may also name the people holding one of the pack's responsible levels.
RESPONSIBLE_RE = re.compile(r"^responsible_([1-9][0-9]?)$")


def _recipient(value: str) -> str:
    if value not in NOTIFY and not RESPONSIBLE_RE.match(value):
        raise ValueError(f"'{value}' is not one of {', '.join(NOTIFY)}, responsible_<level>")
    return value


def responsible_level_of(recipient: str) -> int | None:
    """The level a `responsible_<level>` recipient names, else None."""
    match = RESPONSIBLE_RE.match(recipient)
    return int(match.group(1)) if match else None


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError(f"must be a positive whole number, not {value}")
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Kind = Annotated[str, AfterValidator(_closed("kind", KINDS))]
ChannelCode = Annotated[str, AfterValidator(_closed("channel", CHANNELS))]
CustomerTypeCode = Annotated[str, AfterValidator(_closed("customer type", CUSTOMER_TYPES))]
SeverityCode = Annotated[str, AfterValidator(_closed("severity", SEVERITIES, "one_of"))]
RoleCode = Annotated[str, AfterValidator(_closed("role", ROLES))]
Unit = Annotated[str, AfterValidator(_closed("unit", UNITS, "one_of"))]
Milestone = Annotated[str, AfterValidator(_closed("milestone", MILESTONES))]
StartEvent = Annotated[str, AfterValidator(_closed("start event", START_EVENTS, "one_of"))]
DeadlineState = Annotated[str, AfterValidator(_closed("state", DEADLINE_STATES, "one_of"))]
Notify = Annotated[str, AfterValidator(_recipient)]
Action = Annotated[str, AfterValidator(_closed("action", ACTIONS, "one_of"))]
DeptCode = Annotated[str, AfterValidator(_code(50))]
CategoryCode = Annotated[str, AfterValidator(_code(80))]
Code = Annotated[str, AfterValidator(_code(80))]
Name = Annotated[str, AfterValidator(_non_empty), Field(max_length=100)]
Text = Annotated[str, AfterValidator(_non_empty)]
HHMM = Annotated[str, BeforeValidator(_hhmm)]
Amount = Annotated[StrictInt, AfterValidator(_positive)]
Yuan = Annotated[Decimal, Field(ge=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- conditions ---------------------------------------------------------------------------


class IntRange(Strict):
    """Both ends inclusive; either may be left out."""

    min: Annotated[StrictInt, Field(ge=0)] | None = None
    max: Annotated[StrictInt, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


class YuanRange(Strict):
    """Both ends inclusive, in yuan; either may be left out."""

    min: Yuan | None = None
    max: Yuan | None = None

    @model_validator(mode="after")
    def _ordered(self) -> YuanRange:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


# Condition values: one value or a non-empty list meaning "any of".
KindList = Annotated[list[Kind], BeforeValidator(_one_or_many), Field(min_length=1)]
CategoryList = Annotated[list[CategoryCode], BeforeValidator(_one_or_many), Field(min_length=1)]
ChannelList = Annotated[list[ChannelCode], BeforeValidator(_one_or_many), Field(min_length=1)]
CustomerTypeList = Annotated[
    list[CustomerTypeCode], BeforeValidator(_one_or_many), Field(min_length=1)
]
TextList = Annotated[list[Text], BeforeValidator(_one_or_many), Field(min_length=1)]
CodeList = Annotated[list[Code], BeforeValidator(_one_or_many), Field(min_length=1)]
SeverityList = Annotated[list[SeverityCode], BeforeValidator(_one_or_many), Field(min_length=1)]


class Condition(Strict):
    """All given keys must hold (AND); a list means "any of". An empty condition always holds.

    `urgency`, `severity` and `crisis` test the classification as it stands: in rules, after
    the rules before this one; in time limits and escalations, the final classification.
    """

    kind: KindList | None = None
    category: CategoryList | None = None
    channel: ChannelList | None = None
    customer_type: CustomerTypeList | None = None
    people_count: IntRange | None = None
    economic_loss: YuanRange | None = None
    text_any: TextList | None = None
    anonymous: StrictBool | None = None
    on_site: StrictBool | None = None
    urgency: CodeList | None = None
    severity: SeverityList | None = None
    crisis: StrictBool | None = None


class Effects(Strict):
    """What a matching rule sets. Flags only switch on; urgency and severity only go up."""

    urgency: Code | None = None
    severity: SeverityCode | None = None
    crisis: Literal[True] | None = None
    reason: Text | None = None
    on_site: Literal[True] | None = None
    department: DeptCode | None = None
    referral: Code | None = None
    decline: Literal[True] | None = None
    no_dispatch: Literal[True] | None = None
    plan_approval: Literal[True] | None = None
    confidential: Literal[True] | None = None
    key_customer: Literal[True] | None = None

    @model_validator(mode="after")
    def _reason_with_crisis(self) -> Effects:
        if self.crisis and not self.reason:
            raise ValueError("crisis: true needs a reason (shown to staff)")
        if self.reason and not self.crisis:
            raise ValueError("reason is only used with crisis: true")
        if not self.model_fields_set:
            raise ValueError("a rule must set something")
        return self


class Rule(Strict):
    id: Code
    basis: str = ""  # the seed's words this rule comes from
    when: Condition = Field(default_factory=Condition)
    set: Effects
    stop: StrictBool = False  # no later rule is evaluated when this one matches


# --- time ---------------------------------------------------------------------------------


class Duration(Strict):
    amount: Amount
    unit: Unit


class TimeLimit(Strict):
    milestone: Milestone
    amount: Amount
    unit: Unit
    start: StartEvent | None = None  # default: the milestone's own start (see docs)
    count_start_day: StrictBool = False
    end_time: HHMM | None = None
    roll_forward: StrictBool = False
    recurring: Literal["daily"] | None = None
    warn_before: Duration | None = None
    warn_share: Annotated[float, Field(gt=0, lt=1)] | None = None
    when: Condition | None = None
    basis: str = ""

    @model_validator(mode="after")
    def _options_fit_unit(self) -> TimeLimit:
        day_units = ("days", "working_days")
        if self.end_time and self.unit not in day_units:
            raise ValueError(f"end_time only applies to days and working_days, not to {self.unit}")
        if self.count_start_day and self.unit not in day_units:
            raise ValueError(
                f"count_start_day only applies to days and working_days, not to {self.unit}"
            )
        if self.roll_forward and self.unit != "days":
            raise ValueError(
                f"roll_forward only applies to calendar days (unit days), not to {self.unit}"
            )
        if self.warn_before and self.warn_share is not None:
            raise ValueError("give warn_before or warn_share, not both")
        if (
            self.warn_before
            and self.warn_before.unit == self.unit
            and self.warn_before.amount >= self.amount
        ):
            raise ValueError(
                f"warn_before ({self.warn_before.amount} {self.unit}) must be shorter than "
                f"the limit ({self.amount} {self.unit})"
            )
        return self


class NoLimit(Strict):
    """Kinds whose tickets run with no clock from registration, and why (the rule's own words
    or, where there is no rule, that none was found)."""

    kinds: Annotated[list[Kind], Field(min_length=1)]
    basis: Text


class Escalation(Strict):
    milestone: Milestone
    state: DeadlineState
    after: Duration | None = None  # only with overdue: how long past due before it fires
    notify: Annotated[list[Notify], Field(min_length=1)]
    action: Action
    time_limit: TimeLimit | None = None  # the deadline the action itself sets
    when: Condition | None = None
    basis: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Escalation:
        if self.after and self.state != "overdue":
            raise ValueError("after only applies to state overdue")
        if self.action == "supervise" and self.time_limit is None:
            raise ValueError("a supervise action needs its own time_limit (督办 has a deadline)")
        return self


# --- organisation -------------------------------------------------------------------------


class DepartmentSpec(Strict):
    code: DeptCode
    name: Name
    children: list[DepartmentSpec] = Field(default_factory=list)


class CategorySpec(Strict):
    code: CategoryCode
    name: Name
    department: DeptCode | None = None  # default routing; children inherit it
    children: list[CategorySpec] = Field(default_factory=list)


class UrgencyLevel(Strict):
    code: Code
    name: Name


class Urgency(Strict):
    """Levels from least to most urgent; rules can only move a ticket up this list."""

    levels: Annotated[list[UrgencyLevel], Field(min_length=2)]
    default: Code = "normal"


class SeverityBand(Strict):
    """`from` inclusive, `to` exclusive, in yuan; only the last band may omit `to`."""

    start: Yuan = Field(alias="from")
    end: Yuan | None = Field(default=None, alias="to")
    severity: SeverityCode


class Referral(Strict):
    code: Code
    name: Name
    text: Text  # what the agent tells the customer


# --- messages to customers ----------------------------------------------------------------

# What customers are told (`customer_messages`): the purposes a pack writes a text for, and the
# placeholders each may use. `{number}` and the others are filled in when the message is queued
# (`tickets.messages`); anything else in braces is an error naming its place.
MESSAGE_PURPOSES = ("receipt", "accepted", "refused", "reply", "survey")
COMMON_PLACEHOLDERS = ("number", "query_code", "centre", "kind", "subject")
PURPOSE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "receipt": ("reply_by",),
    "accepted": ("reply_by",),
    "refused": ("reason", "referral"),
    "reply": ("reply_text",),
    "survey": ("survey_link",),
}
SMS_MAX = 500  # one text, however many parts the gateway splits it into


def placeholders_allowed(purpose: str) -> tuple[str, ...]:
    return COMMON_PLACEHOLDERS + PURPOSE_PLACEHOLDERS.get(purpose, ())


def placeholder_names(text: str) -> list[str]:
    """The placeholders `text` uses; ValueError when its braces do not pair up."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def placeholder_problems(purpose: str, text: str) -> list[str]:
    """What is wrong with the placeholders of `text` for `purpose` (empty: nothing). Braces
    are doubled to be written literally: `{{` and `}}`."""
    try:
        names = placeholder_names(text)
    except ValueError as exc:
        return [f"{exc} (write a literal brace as {{{{ or }}}})"]
    allowed = placeholders_allowed(purpose)
    problems = []
    for name in names:
        if name not in allowed:
            shown = ", ".join(f"{{{a}}}" for a in allowed)
            problems.append(f"unknown placeholder '{{{name}}}' (expected one of {shown})")
    return problems


class QuietHours(Strict):
    """No message leaves from `start` to `end` (local time; over midnight when end < start)."""

    start: HHMM
    end: HHMM

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError(f"quiet hours start and end at the same time ({self.start})")
        return self


class MessageText(Strict):
    sms: Annotated[Text, Field(max_length=SMS_MAX)]
    subject: Annotated[str, Field(max_length=200)] = ""  # email; empty: the SMS's first line
    body: str = ""  # email; empty: the SMS text
    at_night: StrictBool = False  # may leave inside the quiet hours


class MessageTemplate(MessageText):
    # Per ticket kind: replaces the text for that kind.
    kinds: dict[Kind, MessageText] = Field(default_factory=dict)
    basis: str = ""  # the seed's words this text follows (告知本人, 及时答复客户 …)


class CustomerMessages(Strict):
    quiet_hours: QuietHours | None = None
    receipt: MessageTemplate | None = None
    accepted: MessageTemplate | None = None
    refused: MessageTemplate | None = None
    reply: MessageTemplate | None = None
    survey: MessageTemplate | None = None

    def templates(self) -> Iterator[tuple[str, str, MessageText]]:
        """(purpose, kind or "", text) for every text the pack writes."""
        for purpose in MESSAGE_PURPOSES:
            template: MessageTemplate | None = getattr(self, purpose)
            if template is None:
                continue
            yield purpose, "", template
            for kind, text in template.kinds.items():
                yield purpose, kind, text


class ResponsibleLevel(Strict):
    level: Annotated[StrictInt, Field(ge=1)]
    name: Name
    position: str = ""
    role: RoleCode


class ReturnVisit(Strict):
    kinds: list[Kind] = Field(default_factory=list)
    reopen_on_dissatisfied: StrictBool = True
    basically_satisfied_is_satisfied: StrictBool = True
    # A visit that counts as satisfied closes the ticket in the same action (办结).
    close_on_satisfied: StrictBool = True
    script: list[Text] = Field(default_factory=list)
    # Relationship visits (定期回访): parsed, not yet acted on (see docs/policy-packs.md).
    periodic: Duration | None = None
    basis: str = ""


class Extension(Strict):
    max_total: Duration
    approver_roles: Annotated[list[RoleCode], Field(min_length=1)]
    # Only a responsible person of this level or a higher one approves (see responsible_levels).
    level: Annotated[StrictInt, Field(ge=1)] | None = None
    basis: str = ""


class PlanApproval(Strict):
    approver_roles: Annotated[list[RoleCode], Field(min_length=1)]
    level: Annotated[StrictInt, Field(ge=1)] | None = None
    basis: str = ""


class Validity(Strict):
    """Valid / invalid is decided after investigation; the hints guide the handler."""

    required_on_resolve: StrictBool = False
    valid: str = ""
    invalid: str = ""


class CompensationKind(Strict):
    code: Code
    name: Name


class Compensation(Strict):
    kinds: Annotated[list[CompensationKind], Field(min_length=1)]
    note: str = ""


class EnclosureKind(Strict):
    code: Code
    name: Name
    disposition: Annotated[
        str, AfterValidator(_closed("disposition", ENCLOSURE_DISPOSITIONS, "one_of"))
    ]


class Confidentiality(Strict):
    kinds: list[Kind] = Field(default_factory=list)
    # The handler assigned to a confidential case (never a report) may reveal the customer's
    # phone to call them; each reveal is logged.
    reveal_phone_to_handler: StrictBool = False
    basis: str = ""


class Reporting(Strict):
    periods: Annotated[
        list[Annotated[str, AfterValidator(_closed("period", REPORT_PERIODS, "one_of"))]],
        Field(min_length=1),
    ]
    note: str = ""


class Knowledge(Strict):
    from_kinds: list[Kind] = Field(default_factory=list)
    basis: str = ""


class Criterion(Strict):
    code: Code
    name: Name
    max_points: Amount
    basis: str = ""


class Quality(Strict):
    """Quality inspection (质检): the scorecard, how many of each agent's tickets are sampled
    per month, the passing score, and how long a correction of a wrong answer may take."""

    criteria: Annotated[list[Criterion], Field(min_length=1)]
    passing_score: Annotated[StrictInt, Field(ge=0)]
    sample_size: Amount  # tickets per agent per month
    kinds: list[Kind] = Field(default_factory=list)  # kinds sampled; empty = every kind
    correction_limit: Duration
    basis: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Quality:
        codes = [c.code for c in self.criteria]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate criterion code(s): {', '.join(duplicates)}")
        total = sum(c.max_points for c in self.criteria)
        if self.passing_score > total:
            raise ValueError(
                f"passing_score {self.passing_score} is more than the criteria's {total} points"
            )
        return self


def _field_code(value: str) -> str:
    if not FIELD_CODE_RE.match(value):
        raise ValueError(
            f"'{value}' is not a valid field code (a lower-case letter, then lower-case "
            "letters, digits or '_'; at most 40 characters)"
        )
    return value


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"'{value}' is not a valid regular expression: {error}") from None
    return value


class FieldChoice(Strict):
    code: Code
    name: Name


class FieldSpec(Strict):
    """A field the organisation records on its cases (户号, 纳税人识别号, plate number…).

    `identifies`: the value identifies the person, so it is masked wherever the customer's
    identity is (reports and confidential cases, for everyone but agents, supervisors and
    leaders). `key`: earlier cases with the same value show in the caller history.
    """

    code: Annotated[str, AfterValidator(_field_code)]
    label: Name
    type: Annotated[str, AfterValidator(_closed("field type", FIELD_TYPES, "one_of"))] = "text"
    kinds: list[Kind] = Field(default_factory=list)  # kinds that record it; empty = every kind
    required: StrictBool | list[Kind] = False  # true = for every kind that records it
    pattern: Annotated[str, AfterValidator(_pattern)] | None = None  # text: the whole value
    min_length: Annotated[StrictInt, Field(ge=1, le=FIELD_TEXT_MAX)] | None = None
    max_length: Annotated[StrictInt, Field(ge=1, le=FIELD_TEXT_MAX)] | None = None
    upper: StrictBool = False  # text: stored in upper case (plate numbers, VINs)
    min: Decimal | None = None  # number
    max: Decimal | None = None
    choices: list[FieldChoice] = Field(default_factory=list)  # choice
    identifies: StrictBool = False
    key: StrictBool = False
    help: str = ""  # shown beside the field, and with a value refused for its form
    basis: str = ""

    @model_validator(mode="after")
    def _options_fit_type(self) -> FieldSpec:
        text_only = ("pattern", "min_length", "max_length", "upper")
        for name in text_only:
            if self.type != "text" and getattr(self, name) not in (None, False):
                raise ValueError(f"{name} only applies to text fields, not to {self.type}")
        for name in ("min", "max"):
            if self.type != "number" and getattr(self, name) is not None:
                raise ValueError(f"{name} only applies to number fields, not to {self.type}")
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice field needs its choices")
        if self.type != "choice" and self.choices:
            raise ValueError(f"choices only apply to choice fields, not to {self.type}")
        codes = [c.code for c in self.choices]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate choice code(s): {', '.join(duplicates)}")
        if self.min_length and self.max_length and self.min_length > self.max_length:
            raise ValueError(
                f"min_length {self.min_length} is greater than max_length {self.max_length}"
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def applies_to(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds

    def required_for(self, kind: str) -> bool:
        if not self.applies_to(kind):
            return False
        return self.required if isinstance(self.required, bool) else kind in self.required


class AcceptOnRegister(Strict):
    """Cases an agent takes on (受理) by registering them: for these channels (and kinds),
    saving at intake accepts the case, and it may be dispatched in the same step."""

    channels: Annotated[list[ChannelCode], Field(min_length=1)]
    kinds: list[Kind] = Field(default_factory=list)  # empty = every kind
    basis: str = ""

    def applies_to(self, kind: str, channel: str) -> bool:
        return channel in self.channels and (not self.kinds or kind in self.kinds)


# --- care: service the centre starts itself (docs/care.md) ----------------------------------

CARE_UNITS = ("days", "weeks", "months", "working_days")


class Cadence(Strict):
    """Every `amount` days, weeks, months or working days (care/schedule.py)."""

    amount: Amount
    unit: Annotated[str, AfterValidator(_closed("unit", CARE_UNITS, "one_of"))]


class SuggestionBoxSpec(Strict):
    """A suggestion box (客户意见箱) opened on a schedule by a named person; what is found in it
    is registered as cases with the channel `suggestion_box`."""

    code: Code
    name: Name
    place: Name
    every: Cadence
    keeper: Text  # who opens it, as the rule says (明确专人); the person is named by an admin
    kind: Kind = "suggestion"  # what an item found is registered as, unless told otherwise
    basis: Text


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ReceptionSpec(Strict):
    """A recurring reception session (接待日): a leader receives visitors on a weekday, published
    on the portal. With several `hosts`, they take turns week by week (领导轮流接访)."""

    code: Code
    name: Name
    weekday: Annotated[str, AfterValidator(_closed("weekday", WEEKDAY_NAMES, "one_of"))]
    hours: tuple[HHMM, HHMM]
    hosts: TextList
    place: Name
    basis: Text

    @model_validator(mode="after")
    def _hours_in_order(self) -> ReceptionSpec:
        if self.hours[1] <= self.hours[0]:
            raise ValueError(f"hours end ({self.hours[1]}) before they start ({self.hours[0]})")
        return self


class Care(Strict):
    suggestion_boxes: list[SuggestionBoxSpec] = Field(default_factory=list)
    receptions: list[ReceptionSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _codes_unique(self) -> Care:
        for noun, codes in (
            ("suggestion box", [box.code for box in self.suggestion_boxes]),
            ("reception", [r.code for r in self.receptions]),
        ):
            if len(codes) != len(set(codes)):
                raise ValueError(f"{noun} codes must be unique: {sorted(codes)}")
        return self


class DemoPersonSpec(Strict):
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@+-]{1,150}$")]
    display_name: Name
    roles: Annotated[list[RoleCode], Field(min_length=1)]
    department: DeptCode | None = None
    password: Annotated[str, Field(min_length=8)]
    level: Annotated[StrictInt, Field(ge=1)] | None = None  # a responsible level they hold


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DutySpec(Strict):
    weekday: Annotated[str, AfterValidator(_closed("weekday", WEEKDAYS, "one_of"))]
    username: str
    department: DeptCode


class Demo(Strict):
    people: Annotated[list[DemoPersonSpec], Field(min_length=1)]
    duty_rota: list[DutySpec] = Field(default_factory=list)


class SourceRef(Strict):
    file: Annotated[str, Field(pattern=r"^[\w.-]+\.txt$")]  # a seed file name, never a URL
    part: str = ""


def _business_hours(value: Any) -> Any:
    if value == "24x7":
        return value
    if not isinstance(value, list) or not value:
        raise ValueError('give "24x7" or a list of ["HH:MM", "HH:MM"] ranges')
    previous_end = None
    for item in value:
        if not isinstance(item, list) or len(item) != 2:
            raise ValueError(f'{item!r} is not a range ["HH:MM", "HH:MM"]')
        start, end = _hhmm(item[0]), _hhmm(item[1])
        if start >= end:
            raise ValueError(f"range {start}-{end} ends before it starts")
        if previous_end is not None and start < previous_end:
            raise ValueError(f"range {start}-{end} overlaps or precedes the one before")
        previous_end = end
    return value


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{value}'") from None
    return value


def _fmt_yuan(value: Decimal) -> str:
    return format(value.normalize(), "f")


class PackSpec(Strict):
    name: Code
    title: Name
    version: Annotated[str, Field(min_length=1, max_length=40)]
    source: Annotated[list[SourceRef], Field(min_length=1)]
    description: str = ""
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Shanghai"
    calendar: Code = "china"
    business_hours: Annotated[str | list[list[str]], BeforeValidator(_business_hours)] = "24x7"
    kinds: Annotated[list[Kind], Field(min_length=1)]
    channels: Annotated[list[ChannelCode], Field(min_length=1)]
    urgency: Urgency
    severity_bands: list[SeverityBand] = Field(default_factory=list)
    severity_kinds: list[Kind] = Field(default_factory=list)
    referrals: list[Referral] = Field(default_factory=list)
    departments: Annotated[list[DepartmentSpec], Field(min_length=1)]
    categories: list[CategorySpec] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    time_limits: list[TimeLimit] = Field(default_factory=list)
    no_limit: list[NoLimit] = Field(default_factory=list)
    escalations: list[Escalation] = Field(default_factory=list)
    responsible_levels: list[ResponsibleLevel] = Field(default_factory=list)
    plan_approval: PlanApproval | None = None
    return_visit: ReturnVisit | None = None
    extension: Extension | None = None
    validity: Validity | None = None
    compensation: Compensation | None = None
    enclosures: list[EnclosureKind] = Field(default_factory=list)
    confidentiality: Confidentiality | None = None
    reporting: Reporting | None = None
    knowledge: Knowledge | None = None
    quality: Quality | None = None
    fields: list[FieldSpec] = Field(default_factory=list)
    accept_on_register: AcceptOnRegister | None = None
    customer_messages: CustomerMessages | None = None
    care: Care | None = None
    demo: Demo | None = None

    # Indexes for classification, built once per parsed pack.
    _category_parent: dict[str, str | None] = PrivateAttr(default_factory=dict)
    _category_department: dict[str, str | None] = PrivateAttr(default_factory=dict)

    @field_validator("severity_bands")
    @classmethod
    def _bands_cover_every_amount(cls, bands: list[SeverityBand]) -> list[SeverityBand]:
        if not bands:
            return bands
        if bands[0].start != 0:
            raise ValueError(
                f"the first band must start at 0 yuan, not {_fmt_yuan(bands[0].start)}"
            )
        for i, band in enumerate(bands):
            last = i == len(bands) - 1
            if band.end is None and not last:
                raise ValueError(f"only the last band may leave out 'to' (band {i} does)")
            if band.end is not None and band.end <= band.start:
                raise ValueError(
                    f"band {i} ends at {_fmt_yuan(band.end)} yuan, "
                    f"not after its start {_fmt_yuan(band.start)}"
                )
            if last and band.end is not None:
                raise ValueError(
                    f"the last band must be open-ended (no 'to'); amounts from "
                    f"{_fmt_yuan(band.end)} yuan are not covered"
                )
            if i:
                before = bands[i - 1]
                assert before.end is not None
                if band.start > before.end:
                    raise ValueError(
                        f"gap between {_fmt_yuan(before.end)} and {_fmt_yuan(band.start)} yuan"
                    )
                if band.start < before.end:
                    raise ValueError(
                        f"overlap between {_fmt_yuan(band.start)} and {_fmt_yuan(before.end)} yuan"
                    )
                if SEVERITY_RANK[band.severity] < SEVERITY_RANK[before.severity]:
                    raise ValueError(f"band {i} is less severe than the band before it")
        return bands

    def model_post_init(self, __context: Any) -> None:
        for parent, category in _walk_categories(self.categories, None):
            self._category_parent[category.code] = parent
            inherited = self._category_department.get(parent) if parent else None
            self._category_department[category.code] = category.department or inherited

    # --- lookups used by classify, the loader and other apps ---

    def department_codes(self) -> list[str]:
        return [d.code for _, d in _walk_departments(self.departments, None)]

    def category_codes(self) -> list[str]:
        return list(self._category_parent)

    def urgency_codes(self) -> list[str]:
        return [level.code for level in self.urgency.levels]

    def category_lineage(self, code: str) -> list[str]:
        """The category and its ancestors, nearest first; empty if the pack lacks it."""
        lineage: list[str] = []
        current: str | None = code
        while current is not None and current in self._category_parent:
            lineage.append(current)
            current = self._category_parent[current]
        return lineage

    def category_department(self, code: str) -> str | None:
        """Default department of a category, inherited from the nearest ancestor that has one."""
        return self._category_department.get(code)

    def referral_text(self, code: str) -> str:
        return next((r.text for r in self.referrals if r.code == code), "")

    def field(self, code: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.code == code), None)

    def accepts_on_register(self, kind: str, channel: str) -> bool:
        rule = self.accept_on_register
        return rule is not None and rule.applies_to(kind, channel)


def _walk_departments(
    nodes: list[DepartmentSpec], parent: str | None
) -> Iterator[tuple[str | None, DepartmentSpec]]:
    for node in nodes:
        yield parent, node
        yield from _walk_departments(node.children, node.code)


def _walk_categories(
    nodes: list[CategorySpec], parent: str | None
) -> Iterator[tuple[str | None, CategorySpec]]:
    for node in nodes:
        yield parent, node
        yield from _walk_categories(node.children, node.code)


def walk_departments(spec: PackSpec) -> Iterator[tuple[str | None, DepartmentSpec]]:
    """(parent code, department) pairs, parents before children."""
    return _walk_departments(spec.departments, None)


def walk_categories(spec: PackSpec) -> Iterator[tuple[str | None, CategorySpec]]:
    """(parent code, category) pairs, parents before children."""
    return _walk_categories(spec.categories, None)
