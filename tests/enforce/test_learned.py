"""Guard.learned / restore: a guard restored from the pickled state of another decides what that guard
would have decided (the stream consumer's checkpoints rest on this), in the compiled build and from source."""

from __future__ import annotations

import pickle

from aisac.enforce.guard import Guard
from aisac.enforce.replay import ReplayResult, replay, tally, time_ordered
from aisac.simulate.generator import simulate, write


def test_restored_guard_decides_as_the_uninterrupted_one(tmp_path):
    write(simulate(days=1, seed=5, scale=0.02), tmp_path)
    log = [tmp_path / "log"]
    whole = replay(log, Guard()).summary()
    assert whole["totals"]["guard_faults"] == {}
    assert whole["totals"]["accounts_actioned"] > 0
    requests = [r for batch in time_ordered(log) for r in batch]
    first, tallies, half = Guard(), {}, len(requests) // 2
    tally(tallies, requests[:half], [first.decide(r) for r in requests[:half]])
    learned, tallies = pickle.loads(pickle.dumps((first.learned(), tallies)))
    second = Guard()
    second.restore(learned)
    tally(tallies, requests[half:], [second.decide(r) for r in requests[half:]])
    assert ReplayResult(tallies, second.version, dict(second.faults), 0).summary() == whole
