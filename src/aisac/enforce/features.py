"""Incremental per-account behaviour features and the behaviour score built from them.

Every update is O(1): counters, a 24-bin hour histogram, Welford moments of inter-arrival gaps and capped
count maps. The score is recomputed every `rescore_every` requests, not per request.
"""

from __future__ import annotations

import math

from aisac.enforce.policy import DetectionParams

#: Distinct parameter tuples / templates / conversations remembered per account (memory bound).
CAP = 64
CONV_CAP = 512
#: How much of the behaviour score hangs on volume: campaigns spread over many small accounts on purpose.
VOLUME_SHARE = 0.3
#: Weight of the latest request in the recent share of long outputs (an average over ~1/RECENT requests).
RECENT = 0.05
#: How much of the behaviour score hangs on long outputs (short prompts, long answers).
LONG_OUTPUT_GATE = 0.5
Maybe = float | None
#: Volume (always known), then the other features of FEATURES, None where there is no evidence.
FeatureValues = tuple[float, Maybe, Maybe, Maybe, Maybe, Maybe, Maybe, Maybe]
#: The behaviour features, in the order `values` gives them and the policy's `weights` name them.
FEATURES = (
    "volume",
    "long_output",
    "single_turn",
    "uniform_params",
    "template_reuse",
    "round_the_clock",
    "regular_arrivals",
    "multi_choice",
)


class AccountFeatures:
    """Running facts about one account's traffic."""

    __slots__ = (
        "conv_seen",
        "convs",
        "first_t",
        "gap_m2",
        "gap_mean",
        "gap_n",
        "hours",
        "last_t",
        "long_out",
        "long_recent",
        "multi_choice",
        "n",
        "n_conv",
        "n_msgs",
        "n_params",
        "n_tokens",
        "params",
        "params_max",
        "single",
        "tmpl_max",
        "tmpls",
        "uses",
    )

    def __init__(self) -> None:
        self.n = 0
        self.first_t = self.last_t = -1.0
        self.gap_n = 0
        self.gap_mean = self.gap_m2 = 0.0
        self.hours = [0] * 24
        self.n_tokens = self.long_out = 0
        self.long_recent = 0.0
        self.n_msgs = self.single = 0
        self.n_conv = self.conv_seen = 0
        self.convs: set[str] = set()
        self.n_params = self.params_max = 0
        self.params: dict[tuple, int] = {}
        self.tmpls: dict[str, int] = {}
        #: Requests per prompt link key ("tpl:..", "sys:.."), for how much of the traffic a prompt covers.
        self.uses: dict[str, int] = {}
        self.multi_choice = 0

    def observe(
        self,
        t: float,
        input_tokens: int | None,
        output_tokens: int | None,
        params: tuple | None,
        conversation: str | None,
        template: str | None,
        multi_turn: bool | None,
        choice_count: int | None,
        cfg: DetectionParams,
    ) -> None:
        self.n += 1
        last = self.last_t
        if self.first_t < 0:
            self.first_t = t
        elif t >= last:
            gap = t - last
            self.gap_n += 1
            d = gap - self.gap_mean
            self.gap_mean += d / self.gap_n
            self.gap_m2 += d * (gap - self.gap_mean)
        if t > last:
            self.last_t = t
        self.hours[int(t // 3600) % 24] += 1
        if output_tokens is not None and input_tokens is not None:
            self.n_tokens += 1
            lo = cfg.long_output
            long = output_tokens >= lo.min_output_tokens and output_tokens >= lo.ratio * input_tokens
            self.long_out += long
            self.long_recent += RECENT * (long - self.long_recent)
        if multi_turn is not None:
            self.n_msgs += 1
            self.single += not multi_turn
            if template is not None:
                tmpls = self.tmpls
                c = tmpls.get(template)
                if c is not None:
                    tmpls[template] = c + 1
                elif len(tmpls) < CAP:
                    tmpls[template] = 1
        if conversation is not None:
            self.n_conv += 1
            convs = self.convs
            if conversation in convs:
                self.conv_seen += 1
            elif len(convs) < CONV_CAP:
                convs.add(conversation)
        if params is not None:
            self.n_params += 1
            counts = self.params
            c = counts.get(params)
            if c is not None or len(counts) < CAP:
                c = (c or 0) + 1
                counts[params] = c
                if c > self.params_max:
                    self.params_max = c
        if choice_count is not None and choice_count > 1:
            self.multi_choice += 1

    def use(self, key: str) -> None:
        if key in self.uses or len(self.uses) < CAP:
            self.uses[key] = self.uses.get(key, 0) + 1

    def coverage(self, key: str) -> float:
        """Share of the account's requests with messages that used this prompt key (1 use if unknown)."""
        return self.uses.get(key, 1) / max(self.n_msgs, 1)

    def values(self, cfg: DetectionParams) -> FeatureValues:
        """Each feature of FEATURES in [0, 1] (1 = distillation-like), in that order; None where there is no
        evidence for it. A tuple, not a dict: the guard scores from it in the request path."""
        days = max((self.last_t - self.first_t) / 86400.0, 1.0)
        volume = min(1.0, math.log1p(self.n / days) / math.log1p(cfg.volume_per_day))
        # The lifetime share of long outputs, or the recent one when higher: an old account that turns to
        # harvesting (bought, taken over) is judged on what it does now, not diluted by its quiet past.
        long_output = max(self.long_out / self.n_tokens, self.long_recent) if self.n_tokens else None
        if self.n_msgs:
            single_turn: float | None = self.single / self.n_msgs
        elif self.n_conv:
            single_turn = 1.0 - self.conv_seen / self.n_conv
        else:
            single_turn = None
        uniform = multi = None
        if self.n_params:
            uniform, multi = self.params_max / self.n_params, self.multi_choice / self.n_params
        # Few distinct templates for many requests: 1 - distinct/requests, both counted up to CAP.
        reuse = 1.0 - len(self.tmpls) / min(self.n_msgs, CAP) if self.n_msgs and self.tmpls else None
        span_days = (self.last_t - self.first_t) / 86400.0
        clock = ((24 - self.hours.count(0)) / 24.0) * min(1.0, span_days) if span_days >= 0.5 else None
        regular = None
        if self.gap_n >= 10 and self.gap_mean > 0:
            regular = max(0.0, 1.0 - math.sqrt(self.gap_m2 / self.gap_n) / self.gap_mean)
        return volume, long_output, single_turn, uniform, reuse, clock, regular, multi

    def shape(self, cfg: DetectionParams) -> dict[str, float]:
        """The available features by name (absent evidence left out): what an analyst sees."""
        return {name: v for name, v in zip(FEATURES, self.values(cfg), strict=True) if v is not None}

    def score(self, cfg: DetectionParams) -> float:
        """Behaviour score in [0, 1]: a weighted mean of the shape features, scaled by volume and by the share
        of long outputs (the volume weight only switches its scaling on or off)."""
        if self.n < cfg.min_requests:
            return 0.0
        values = self.values(cfg)
        w = cfg.weights
        num = den = 0.0
        for name, value in zip(FEATURES[1:], values[1:], strict=True):
            if value is not None:
                weight = getattr(w, name)
                num += weight * value
                den += weight
        if den == 0.0:
            return 0.0
        scale = 1.0 if w.volume == 0 else 1.0 - VOLUME_SHARE + VOLUME_SHARE * values[0]
        if (long_output := values[1]) is not None:
            # Distillation harvests long answers: steady, templated, round-the-clock traffic without them
            # (cron jobs, batch extraction, support bots) is automation, not harvesting.
            scale *= 1.0 - LONG_OUTPUT_GATE + LONG_OUTPUT_GATE * long_output
        return (num / den) * scale
