"""The enforcement policy: a versioned YAML file mapping evidence to graduated actions.

Validated with pydantic so that a bad file fails at load time with the path of the offending field and
the rule broken, never at request time. `aisac.enforce.rules` compiles the rules for the request path.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aisac.enforce.actions import Action

DEFAULT_POLICY = "default.yaml"


class PolicyError(ValueError):
    """The policy file is unreadable or breaks a rule; the message names the file, field and rule."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """A numeric condition: every bound given must hold."""

    gte: float | None = None
    gt: float | None = None
    lt: float | None = None
    lte: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> Range:
        if self.gte is None and self.gt is None and self.lt is None and self.lte is None:
            raise ValueError("a range needs at least one of gte, gt, lt, lte")
        return self

    def test(self) -> Callable[[float], bool]:
        gte, gt, lt, lte = self.gte, self.gt, self.lt, self.lte
        return lambda v: (
            (gte is None or v >= gte)
            and (gt is None or v > gt)
            and (lt is None or v < lt)
            and (lte is None or v <= lte)
        )


class When(_Strict):
    """Conditions of one rule; all given must hold (an empty `when` always holds)."""

    account_score: Range | None = None
    campaign_score: Range | None = None
    cluster_score: Range | None = None
    requests: Range | None = None
    account_age_days: Range | None = None
    pathway: list[str] | None = None
    jurisdiction: list[str] | None = None
    flagged_jurisdiction: bool | None = None
    signatures: list[str] | None = Field(None, description="any of these signature names hit")
    detector_flagged: bool | None = None


class PolicyRule(_Strict):
    name: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
    action: Action
    when: When = When()

    @field_validator("action", mode="before")
    @classmethod
    def _action(cls, v: object) -> Action:
        return Action.parse(v) if isinstance(v, str) else v


class Throttle(_Strict):
    requests_per_minute: float = Field(2.0, gt=0)
    burst: float = Field(10.0, ge=1)


class Degrade(_Strict):
    max_tokens: int = Field(1024, ge=1)
    choice_count: int = Field(1, ge=1)
    reasoning: Literal["summarised", "omitted", "full"] = "summarised"


class Clock(_Strict):
    max_skew_s: float = Field(300.0, gt=0, description="wall-clock mode: tolerated |request time - now|")
    max_reorder_s: float = Field(3600.0, gt=0, description="event mode: tolerated lateness of a request")


class LongOutput(_Strict):
    min_output_tokens: int = Field(600, ge=0)
    ratio: float = Field(3.0, gt=0, description="output tokens per input token")


class FeatureWeights(_Strict):
    volume: float = Field(1.0, ge=0)
    long_output: float = Field(3.0, ge=0)
    single_turn: float = Field(1.0, ge=0)
    uniform_params: float = Field(0.0, ge=0)
    template_reuse: float = Field(2.0, ge=0)
    round_the_clock: float = Field(1.0, ge=0)
    regular_arrivals: float = Field(0.5, ge=0)
    multi_choice: float = Field(0.5, ge=0)


class LinkWeights(_Strict):
    payment: float = Field(1.0, ge=0, le=1)
    address: float = Field(0.6, ge=0, le=1)
    block: float = Field(0.35, ge=0, le=1)
    user_agent: float = Field(0.25, ge=0, le=1)
    template: float = Field(0.8, ge=0, le=1)
    email_domain: float = Field(0.2, ge=0, le=1)


class Links(_Strict):
    weights: LinkWeights = LinkWeights()
    rare_accounts: int = Field(50, ge=2, description="a key shared by more accounts than this counts less")
    min_flagged: int = Field(2, ge=1, description="flagged other accounts a key needs to count fully")
    burned: float = Field(0.95, ge=0, le=1, description="strength of a key of a suspended campaign")
    weak_cap: float = Field(0.45, ge=0, le=1, description="most that address, block, agent, domain add up to")
    prompt_share_full: float = Field(
        0.1,
        gt=0,
        le=1,
        description="share of an account's requests on tainted prompts at which they count fully",
    )
    young_days: float = Field(60.0, gt=0, description="accounts younger than this count as young in clusters")
    cluster_min: int = Field(20, ge=2, description="accounts a card or template needs to be judged a cluster")
    burn_from: Action = Action.SUSPEND

    @field_validator("burn_from", mode="before")
    @classmethod
    def _action(cls, v: object) -> Action:
        return Action.parse(v) if isinstance(v, str) else v


class DetectionParams(_Strict):
    """Feature and link parameters; the defaults are those of the packaged policy."""

    min_requests: int = Field(3, ge=1, description="requests before the behaviour score counts")
    rescore_every: int = Field(16, ge=1)
    flag_score: float = Field(0.45, ge=0, le=1, description="behaviour score that marks an account for linking")
    volume_per_day: float = Field(2000.0, gt=0, description="requests per day that saturate the volume feature")
    long_output: LongOutput = LongOutput()
    weights: FeatureWeights = FeatureWeights()
    links: Links = Links()


class Signature(_Strict):
    """A named indicator (e.g. shared by another lab): exact values of one field, or UA substrings."""

    name: Annotated[str, Field(min_length=1)]
    field: Literal["payment", "address", "block", "user_agent", "template", "asn", "email_domain"]
    values: list[str] = []
    contains: list[str] = []

    @model_validator(mode="after")
    def _something(self) -> Signature:
        if not self.values and not self.contains:
            raise ValueError("a signature needs values or contains")
        if self.contains and self.field != "user_agent":
            raise ValueError("contains is only allowed for field user_agent")
        return self


_MESSAGE_FIELDS = {"reference", "appeal_url"}

DEFAULT_MESSAGES = {
    Action.THROTTLE: "Requests from this account are temporarily limited to a lower rate under our usage "
    "policy. If you believe this is a mistake, appeal at {appeal_url} quoting reference {reference}.",
    Action.DEGRADE: "Responses to this account are temporarily limited (shorter outputs, one completion per "
    "request, summarised reasoning) under our usage policy. If you believe this is a mistake, appeal at "
    "{appeal_url} quoting reference {reference}.",
    Action.CHALLENGE: "This account needs to be re-verified before it can continue. Follow the steps at "
    "{appeal_url}, quoting reference {reference}.",
    Action.SUSPEND: "This account is suspended pending review under our usage policy. You can appeal at "
    "{appeal_url} quoting reference {reference}; access is restored at once if the appeal is upheld.",
    Action.REVOKE: "API access for this account has been revoked under our usage policy. You can appeal at "
    "{appeal_url} quoting reference {reference}.",
}


class Policy(_Strict):
    version: Annotated[str, Field(min_length=1)]
    description: str = ""
    safe_default: Action = Action.ALLOW
    appeal_url: str = "https://example.com/appeals"
    clock: Clock = Clock()
    throttle: Throttle = Throttle()
    degrade: Degrade = Degrade()
    detection: DetectionParams = DetectionParams()
    flagged_jurisdictions: list[str] = []
    signatures: list[Signature] = []
    rules: list[PolicyRule]
    messages: dict[str, str] = {}

    @field_validator("safe_default", mode="before")
    @classmethod
    def _action(cls, v: object) -> Action:
        return Action.parse(v) if isinstance(v, str) else v

    @field_validator("messages")
    @classmethod
    def _messages(cls, v: dict[str, str]) -> dict[str, str]:
        for key, text in v.items():
            Action.parse(key)
            used = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            if used - _MESSAGE_FIELDS:
                raise ValueError(
                    f"message {key!r} uses {sorted(used - _MESSAGE_FIELDS)}; allowed: reference, appeal_url"
                )
        return v

    @model_validator(mode="after")
    def _rules(self) -> Policy:
        names = [r.name for r in self.rules]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"rule names must be unique; repeated: {sorted(dup)}")
        known = {s.name for s in self.signatures}
        for r in self.rules:
            missing = set(r.when.signatures or ()) - known
            if missing:
                raise ValueError(f"rule {r.name!r} names undefined signatures {sorted(missing)}")
        return self

    def message(self, action: Action, reference: str) -> str:
        """Customer-facing text: what happened and how to appeal, nothing about how it was detected."""
        custom = {Action.parse(k): t for k, t in self.messages.items()}
        text = custom.get(action) or DEFAULT_MESSAGES.get(action, "")
        return text.format(reference=reference, appeal_url=self.appeal_url)


def _format_errors(source: str, exc: ValidationError) -> str:
    lines = [f"{source}: invalid policy"]
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: invalid policy\n  (top level): expected a mapping, got {type(data).__name__}")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_format_errors(source, exc)) from exc


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in `path`, or the packaged default when `path` is None."""
    if path is None:
        text = resources.files("aisac.enforce.policies").joinpath(DEFAULT_POLICY).read_text("utf-8")
        return parse_policy(text, f"<packaged {DEFAULT_POLICY}>")
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read: {exc}") from exc
    return parse_policy(text, str(p))
