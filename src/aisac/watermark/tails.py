"""Exact null tails in log space: finite even where the p-value underflows a float (p < 1e-308).

scipy's logsf returns -inf far in the tail; there we sum the exact terms in log space instead.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

_FAR = -600.0  # below this scipy works with subnormal floats and loses digits


def binom_log_sf(successes: int, n: int, p: float) -> float:
    """log P(Binomial(n, p) >= successes)."""
    direct = float(stats.binom.logsf(successes - 1, n, p))
    if direct > _FAR:
        return direct
    j = np.arange(max(successes, 0), n + 1)
    return float(special.logsumexp(stats.binom.logpmf(j, n, p))) if j.size else -np.inf


def gamma_log_sf(x: float, n: int) -> float:
    """log P(Gamma(n, 1) > x) for integer n; the far tail is the Poisson CDF P(Poisson(x) <= n - 1)."""
    direct = float(stats.gamma.logsf(x, a=n))
    if direct > _FAR:
        return direct
    k = np.arange(n, dtype=np.float64)
    return float(special.logsumexp(k * np.log(x) - special.gammaln(k + 1) - x))
