"""The behaviour score is the documented weighted mean of the shape features an analyst sees."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.enforce.features import LONG_OUTPUT_GATE, VOLUME_SHARE, AccountFeatures
from aisac.enforce.policy import load_policy

DET = load_policy().detection

request = st.tuples(
    st.floats(0, 7 * 86400),  # seconds after the first request
    st.one_of(st.none(), st.integers(0, 4000)),
    st.one_of(st.none(), st.integers(0, 4000)),
    st.one_of(st.none(), st.sampled_from([(0.7, 2048, None), (0.0, 512, 4)])),
    st.one_of(st.none(), st.sampled_from(["c1", "c2", "c3"])),
    st.one_of(st.none(), st.sampled_from(["t1", "t2"])),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.integers(1, 8)),
)


def reference_score(f: AccountFeatures) -> float:
    if f.n < DET.min_requests:
        return 0.0
    shape, w = f.shape(DET), DET.weights
    parts = {k: v for k, v in shape.items() if k != "volume"}
    den = sum(getattr(w, k) for k in parts)
    if den == 0:
        return 0.0
    scale = 1.0 - VOLUME_SHARE + VOLUME_SHARE * shape["volume"] if w.volume else 1.0
    if "long_output" in shape:
        scale *= 1.0 - LONG_OUTPUT_GATE + LONG_OUTPUT_GATE * shape["long_output"]
    return sum(getattr(w, k) * v for k, v in parts.items()) / den * scale


@settings(max_examples=300, deadline=None)
@given(st.lists(request, max_size=40))
def test_score_is_the_weighted_mean_of_the_shape(requests) -> None:
    f = AccountFeatures()
    for t, tokens_in, tokens_out, params, conv, template, multi, choices in sorted(requests, key=lambda r: r[0]):
        if choices is not None:  # as the guard builds them: the choice count is one of the parameters
            params = (*(params or (None, None))[:2], choices)
        f.observe(1.7e9 + t, tokens_in, tokens_out, params, conv, template, multi, choices, DET)
        assert 0.0 <= f.score(DET) <= 1.0
        assert f.score(DET) == pytest.approx(reference_score(f), abs=1e-12)
        assert all(0.0 <= v <= 1.0 for v in f.shape(DET).values())
