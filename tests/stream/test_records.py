"""Message decoding: the batch decoder and the per-message decoder give the same requests, and no input
makes either raise or lose a good record beside a bad one."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.logs.reader import read_log
from aisac.stream.records import Decoder, decode, encoded

_DECODER = Decoder()


@pytest.fixture(scope="module")
def messages(small_log) -> list[bytes]:
    """The first few hundred records of the small log as the producer publishes them."""
    return [v.encode() for v in next(encoded(read_log([small_log])))[1][:300]]


def test_batch_and_single_decoding_agree(messages):
    values = messages
    reqs, ids, bad = _DECODER.decode(values)
    assert not bad
    assert reqs == [decode(v)[0] for v in values]
    assert ids == [decode(v)[1] for v in values]
    assert all(ids)


junk = st.one_of(
    st.binary(max_size=60),
    st.builds(
        lambda d: orjson.dumps(d),
        st.dictionaries(
            st.sampled_from(["account.id", "time", "x"]),
            st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=8)),
        ),
    ),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(junk, max_size=4), st.integers(min_value=0, max_value=5))
def test_bad_messages_are_set_aside_and_good_ones_kept(messages, bad_values, at):
    good = messages[:5]
    values = [*good[:at], *bad_values, *good[at:]]
    reqs, ids, bad = _DECODER.decode(values)
    assert len(reqs) + len(bad) == len(values)
    kept = {e for e in ids if e}
    assert {decode(v)[1] for v in good} <= kept
    for i, why in bad:
        assert values[i] not in good and why
