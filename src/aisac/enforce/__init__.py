"""Enforcement in the request path: policy, guard, streaming detection, replay and appeals."""

from aisac.enforce.actions import Action
from aisac.enforce.guard import Decision, Guard
from aisac.enforce.policy import Policy, PolicyError, load_policy
from aisac.enforce.request import Request

__all__ = ["Action", "Decision", "Guard", "Policy", "PolicyError", "Request", "load_policy"]
