"""Enforcement in the request path: policy, guard, streaming detection, replay and appeals."""

from aisac.enforce import native as _native

#: Which code decides: "native (mypyc)" or "source (...why)"; see aisac.enforce.native.
RUNTIME = _native.activate(__path__)

from aisac.enforce.actions import Action  # noqa: E402 (after the native build is put in front)
from aisac.enforce.guard import Decision, Guard  # noqa: E402
from aisac.enforce.policy import Policy, PolicyError, load_policy  # noqa: E402
from aisac.enforce.request import Request  # noqa: E402

__all__ = ["RUNTIME", "Action", "Decision", "Guard", "Policy", "PolicyError", "Request", "load_policy"]
