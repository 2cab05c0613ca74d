"""settle_gc: the guard's long-lived state leaves the collector's full passes; cyclic garbage is still freed."""

from __future__ import annotations

import gc
import weakref

from aisac.enforce import Guard
from aisac.enforce.guard import settle_gc

from .helpers import T0


class _Node:
    pass


def test_settle_gc_freezes_the_state_and_still_frees_new_cycles() -> None:
    guard = Guard()
    for i in range(50):
        guard.decide({"account.id": f"a{i % 7}", "time": T0 + i, "client.address": "192.0.2.1"})
    try:
        settle_gc()
        assert gc.get_freeze_count() > 0
        walked = {id(o) for o in gc.get_objects()}
        assert id(guard.accounts) not in walked and id(guard.links.keys) not in walked
        node = _Node()
        node.me = node  # a reference cycle made after settling
        ref = weakref.ref(node)
        del node
        gc.collect()
        assert ref() is None
        # the guard keeps deciding on frozen state
        assert guard.decide({"account.id": "a1", "time": T0 + 100}).account_id == "a1"
    finally:
        gc.unfreeze()
