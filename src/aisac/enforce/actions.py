"""The graduated actions, their order of severity, and what each does to one request (its outcome).

Severity is an integer so that "the most severe of several matching rules" is a plain `max`.
"""

from __future__ import annotations

from enum import IntEnum


class Action(IntEnum):
    """What the policy says to do with an account's requests, least severe first."""

    ALLOW = 0
    MONITOR = 1
    THROTTLE = 2
    DEGRADE = 3
    CHALLENGE = 4
    SUSPEND = 5
    REVOKE = 6

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Action:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(a.label for a in cls)
            raise ValueError(f"unknown action {text!r}; expected one of {names}") from None


#: Actions that stay in force until an analyst lifts them (an appeal reversal), instead of being
#: re-derived from live evidence on every request.
STICKY = frozenset({Action.CHALLENGE, Action.SUSPEND, Action.REVOKE})

#: Per-request outcomes, the columns of the replay summary. "served" and "monitored" are served in full.
OUTCOMES = ("served", "monitored", "throttled", "degraded", "challenged", "blocked")
SERVED_IN_FULL = ("served", "monitored")

#: The outcome of a request under each action (throttle is resolved by the token bucket).
OUTCOME_OF = {
    Action.ALLOW: "served",
    Action.MONITOR: "monitored",
    Action.THROTTLE: "monitored",
    Action.DEGRADE: "degraded",
    Action.CHALLENGE: "challenged",
    Action.SUSPEND: "blocked",
    Action.REVOKE: "blocked",
}
