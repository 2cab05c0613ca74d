"""Incremental per-account behaviour features and the behaviour score built from them.

Every update is O(1): counters, a 24-bin hour histogram, Welford moments of inter-arrival gaps and capped
count maps. The score is recomputed every `rescore_every` requests, not per request.
"""

from __future__ import annotations

import math

from aisac.enforce.policy import Detection

#: Distinct parameter tuples / templates / conversations remembered per account (memory bound).
CAP = 64
CONV_CAP = 512
#: How much of the behaviour score hangs on volume: campaigns spread over many small accounts on purpose.
VOLUME_SHARE = 0.3
#: Weight of the latest request in the recent share of long outputs (an average over ~1/RECENT requests).
RECENT = 0.05
#: How much of the behaviour score hangs on long outputs (short prompts, long answers).
LONG_OUTPUT_GATE = 0.5


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
        cfg: Detection,
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

    def shape(self, cfg: Detection) -> dict[str, float]:
        """Each available feature in [0, 1] (1 = distillation-like); absent evidence is left out."""
        out: dict[str, float] = {}
        days = max((self.last_t - self.first_t) / 86400.0, 1.0)
        out["volume"] = min(1.0, math.log1p(self.n / days) / math.log1p(cfg.volume_per_day))
        if self.n_tokens:
            # The lifetime share, or the recent one when higher: an old account that turns to harvesting
            # (bought, taken over) is judged on what it does now, not diluted by its quiet past.
            out["long_output"] = max(self.long_out / self.n_tokens, self.long_recent)
        if self.n_msgs:
            out["single_turn"] = self.single / self.n_msgs
        elif self.n_conv:
            out["single_turn"] = 1.0 - self.conv_seen / self.n_conv
        if self.n_params:
            out["uniform_params"] = self.params_max / self.n_params
        if self.n_msgs and self.tmpls:
            # Few distinct templates for many requests: 1 - distinct/requests, both counted up to CAP.
            out["template_reuse"] = 1.0 - len(self.tmpls) / min(self.n_msgs, CAP)
        span_days = (self.last_t - self.first_t) / 86400.0
        if span_days >= 0.5:
            active = 24 - self.hours.count(0)
            out["round_the_clock"] = (active / 24.0) * min(1.0, span_days)
        if self.gap_n >= 10 and self.gap_mean > 0:
            cv = math.sqrt(self.gap_m2 / self.gap_n) / self.gap_mean
            out["regular_arrivals"] = max(0.0, 1.0 - cv)
        if self.n_params:
            out["multi_choice"] = self.multi_choice / self.n_params
        return out

    def score(self, cfg: Detection) -> float:
        """Behaviour score in [0, 1]: a weighted mean of the shape features, scaled by volume and by the share
        of long outputs (the volume weight only switches its scaling on or off)."""
        if self.n < cfg.min_requests:
            return 0.0
        feats = self.shape(cfg)
        w = cfg.weights
        num = den = 0.0
        for name, value in feats.items():
            if name == "volume":
                continue
            weight = getattr(w, name)
            num += weight * value
            den += weight
        if den == 0.0:
            return 0.0
        scale = 1.0 if w.volume == 0 else 1.0 - VOLUME_SHARE + VOLUME_SHARE * feats["volume"]
        if "long_output" in feats:
            # Distillation harvests long answers: steady, templated, round-the-clock traffic without them
            # (cron jobs, batch extraction, support bots) is automation, not harvesting.
            scale *= 1.0 - LONG_OUTPUT_GATE + LONG_OUTPUT_GATE * feats["long_output"]
        return (num / den) * scale
