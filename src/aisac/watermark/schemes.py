"""Build the scheme a key names."""

from __future__ import annotations

from aisac.watermark.base import DEFAULT_MIN_TOKENS, WatermarkScheme
from aisac.watermark.gumbel import GumbelMax
from aisac.watermark.keys import WatermarkKey, check_scheme
from aisac.watermark.kgw import KGW
from aisac.watermark.tournament import Tournament

SCHEMES: dict[str, type[WatermarkScheme]] = {cls.name: cls for cls in (KGW, GumbelMax, Tournament)}


def scheme_for(key: WatermarkKey, min_tokens: int = DEFAULT_MIN_TOKENS) -> WatermarkScheme:
    """The scheme object for `key`; an unknown scheme raises naming the known ones."""
    return SCHEMES[check_scheme(key.scheme)](key, min_tokens)
