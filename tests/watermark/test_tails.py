"""Exact tails stay exact and finite beyond float underflow."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import special, stats

from aisac.watermark import tails


@given(st.integers(1, 400), st.floats(0.05, 0.95), st.data())
def test_binomial_tail_matches_scipy_where_scipy_is_finite(n: int, p: float, data) -> None:
    k = data.draw(st.integers(0, n))
    expected = stats.binom.logsf(k - 1, n, p)
    if expected > -600:  # beyond, scipy's own value works with subnormal floats and loses digits
        assert math.isclose(tails.binom_log_sf(k, n, p), expected, rel_tol=1e-9, abs_tol=1e-12)


def test_far_tails_are_finite_and_exact() -> None:
    assert math.isclose(tails.binom_log_sf(10_000, 10_000, 0.25), 10_000 * math.log(0.25), rel_tol=1e-12)
    # Gamma(n, 1) tail against the Poisson-sum identity evaluated independently, where scipy gives -inf.
    n, x = 1000, 3000.0
    k = np.arange(n)
    identity = special.logsumexp(k * np.log(x) - special.gammaln(k + 1) - x)
    assert stats.gamma.logsf(x, a=n) == -np.inf
    assert math.isclose(tails.gamma_log_sf(x, n), identity, rel_tol=1e-12)
    assert tails.gamma_log_sf(x, n) < tails.gamma_log_sf(x - 1, n)


@given(st.integers(1, 300), st.floats(0.0, 600.0))
def test_gamma_tail_matches_scipy(n: int, x: float) -> None:
    expected = stats.gamma.logsf(x, a=n)
    if expected > -600:
        assert math.isclose(tails.gamma_log_sf(x, n), expected, rel_tol=1e-9, abs_tol=1e-12)
