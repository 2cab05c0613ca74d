"""Who uses the simulated lab: benign personas (hard negatives included) and distillation campaigns.

Each persona opens its accounts on a `Lab` and writes all their requests in bulk. Parameters that a real
campaign would vary (how many accounts, how much infrastructure they share, when they start) are drawn
from ranges per seed, so that different seeds give different mixes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from aisac.simulate import text
from aisac.simulate.lab import DAY_US, HOUR_US, Lab
from aisac.simulate.world import EMAIL_DOMAINS, NEW_MODEL, RELEASE_DAY, USER_AGENTS

MINUTE_US = 60_000_000
BENIGN_COUNTRIES = ("US", "US", "US", "GB", "DE", "FR", "JP", "KR", "IN", "BR", "CA", "AU", "CN", "TR")


def _choice(rng: np.random.Generator, options, n: int) -> list:
    return [options[i] for i in rng.integers(0, len(options), n)]


def _count(scale: float, base: float, minimum: int = 1) -> int:
    return max(minimum, round(base * scale))


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, n)


def _ua_rows(values: list[str], acc: np.ndarray, first: int) -> pa.Array:
    """Per-request user agents from per-account ones (accounts numbered from `first`)."""
    return pa.array(values, pa.string()).take(pa.array(acc - first))


def _models(lab: Lab, t: np.ndarray, base: tuple[float, float, float], adopt: float) -> np.ndarray:
    """Model per request: a fixed mix before the release, a share moving to the new model after it."""
    rng = lab.rng
    model = rng.choice(3, size=len(t), p=np.asarray(base) / sum(base))
    after = t >= lab.start_us + RELEASE_DAY * DAY_US + 6 * HOUR_US
    model[after & (rng.random(len(t)) < adopt)] = NEW_MODEL
    return model


def _areas(rng: np.random.Generator, acc: np.ndarray, favourites: np.ndarray, loyalty: float) -> np.ndarray:
    """Capability area per request: mostly the account's favourites, sometimes anything."""
    fav = favourites[acc, rng.integers(0, favourites.shape[1], len(acc))]
    roam = rng.integers(0, len(text.AREA_NAMES), len(acc))
    return np.where(rng.random(len(acc)) < loyalty, fav, roam)


def _benign_ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days since sign-up: most customers are established, a steady stream are new this month."""
    return np.where(rng.random(n) < 0.15, rng.uniform(0.5, 30, n), rng.uniform(30, 900, n))


def _pathways(lab: Lab, n: int, **shares: float) -> list[str]:
    """How n accounts signed up: each programme with its share (`education=0.1`), the rest `self_serve`.

    Drawn from the lab's side stream, so that adding pathways left every other column of a seed as it was.
    """
    names = [*shares, "self_serve"]
    edges = np.cumsum(list(shares.values()))
    return [names[i] for i in np.searchsorted(edges, lab.side.random(n), side="right")]


def _favourites(rng: np.random.Generator, n_total: int, k: int, pool: list[int] | None = None) -> np.ndarray:
    options = np.asarray(pool if pool is not None else range(len(text.AREA_NAMES)))
    return options[rng.integers(0, len(options), (n_total, k))]


def _chat(lab: Lab, acc: np.ndarray, t: np.ndarray, favourites: np.ndarray, loyalty: float, family: str,
          gap_us: int, max_turns: int, **kw) -> None:
    """Multi-turn conversations: a first question, then follow-ups that carry the history."""
    rng = lab.rng
    order, conv, turn, first = lab.conversations(acc, t, gap_us, max_turns)
    acc, t = acc[order], t[order]
    kw = {k: (v[order] if isinstance(v, np.ndarray) and len(v) == len(order) else v) for k, v in kw.items()}
    if isinstance(kw.get("ua"), pa.Array):
        kw["ua"] = kw["ua"].take(pa.array(order))
    q = text.questions(rng, _areas(rng, acc, favourites, loyalty))
    opening = text.fill(rng, family, len(acc), q)
    follow = text.fill(rng, "followup", len(acc))
    later = turn > 0
    user = pa.array(np.where(later, follow.to_numpy(zero_copy_only=False), opening.to_numpy(zero_copy_only=False)),
                    pa.string())
    firsts = opening.take(pa.array(first))
    history = text.history_turns(firsts)
    history = pa.array(np.where(later, history.to_numpy(zero_copy_only=False), ""), pa.string())
    lab.requests(acc, t, user, history=history, conversation=conv, **kw)


# --- benign personas --------------------------------------------------------------------------------


def hobbyists(lab: Lab, scale: float) -> None:
    """People chatting in waking hours; many behind carrier NAT or VPN exits shared with strangers."""
    rng, n = lab.rng, _count(scale, 3500)
    country = _choice(rng, BENIGN_COUNTRIES, n)
    acc_ids = lab.accounts(n, persona="hobbyist", created_days_ago=_benign_ages(rng, n),
                           email=_choice(rng, EMAIL_DOMAINS["consumer"], n), payment=lab.payments(n), country=country,
                           pathway=_pathways(lab, n, education=0.1, research=0.01))
    first = acc_ids[0]
    where = rng.random(n)
    addr = lab.net.singles("residential", n, ipv6_share=0.15)
    nat = lab.net.pool("mobile", blocks=4, hosts_per_block=12)
    vpn = lab.net.pool("vpn", blocks=3, hosts_per_block=20)
    addr = np.where(where < 0.18, rng.choice(nat, n), np.where(where < 0.26, rng.choice(vpn, n), addr))
    ua = _choice(rng, USER_AGENTS["browser"] * 3 + USER_AGENTS["sdk"], n)
    owls = rng.random(n) < 0.1  # night owls and shift workers: activity round the clock
    acc, t = lab.schedule(acc_ids[~owls], _lognormal(rng, 6, 0.8, int((~owls).sum())), profile="waking", active=0.4)
    acc2, t2 = lab.schedule(acc_ids[owls], _lognormal(rng, 8, 0.8, int(owls.sum())), profile="flat", active=0.6)
    acc, t = np.concatenate([acc, acc2]), np.concatenate([t, t2])
    fav = _favourites(rng, lab.n_accounts, 2)
    _chat(lab, acc, t, fav, 0.85, "chat", 30 * MINUTE_US, 8, model=_models(lab, t, (5, 4, 1), 0.25),
          out_tokens=_lognormal(rng, 350, 0.7, len(acc)), addr=addr[acc - first], ua=_ua_rows(ua, acc, first))


def developers(lab: Lab, scale: float) -> None:
    """Everyday developers: working hours, SDK clients, coding questions, short exchanges."""
    rng, n = lab.rng, _count(scale, 900)
    orgs = [o if rng.random() < 0.25 else None for o in lab.orgs(n)]  # some on a startup or team plan
    acc_ids = lab.accounts(n, persona="developer", created_days_ago=_benign_ages(rng, n), org=orgs,
                           email=_choice(rng, EMAIL_DOMAINS["consumer"], n), payment=lab.payments(n),
                           country=_choice(rng, BENIGN_COUNTRIES, n),
                           pathway=_pathways(lab, n, education=0.05, research=0.04, startup=0.12))
    first = acc_ids[0]
    addr = lab.net.singles("residential", n, ipv6_share=0.2)
    cloud = lab.net.pool("cloud", blocks=6, hosts_per_block=30)
    ci = rng.random(n) < 0.15  # test suites in CI: cloud runners, any hour
    addr = np.where(ci, rng.choice(cloud, n), addr)
    ua = _choice(rng, USER_AGENTS["sdk"] + USER_AGENTS["tool"], n)
    acc, t = lab.schedule(acc_ids[~ci], _lognormal(rng, 15, 0.9, int((~ci).sum())), profile="work", active=0.6,
                          weekday_only=0.8)
    acc2, t2 = lab.schedule(acc_ids[ci], _lognormal(rng, 25, 0.9, int(ci.sum())), profile="flat", active=0.7)
    acc, t = np.concatenate([acc, acc2]), np.concatenate([t, t2])
    coding = [text.AREA_NAMES.index(a) for a in ("coding", "coding", "data", "security")]
    fav = _favourites(rng, lab.n_accounts, 2, coding)
    m = len(acc)
    _chat(lab, acc, t, fav, 0.85, "dev", 10 * MINUTE_US, 3, model=_models(lab, t, (4, 5, 1), 0.4),
          out_tokens=_lognormal(rng, 500, 0.8, m), addr=addr[acc - first], ua=_ua_rows(ua, acc, first),
          temperature=rng.choice([0.0, 0.2, 0.7, 1.0], m), max_tokens=rng.choice([1024, 2048, 4096, 8192, 16384], m))


def _backend(lab: Lab, persona: str, n: int, per_day: float, *, family: str, system: str | None,
             ua: str, out_median: float, context: tuple[float, float], conv_len: float, temperature: float,
             max_tokens: int, model: tuple[float, float, float], tool_calls: float = 0.0,
             cot_share: float = 0.0, label: str = "benign", campaign: str = "",
             pathway: str = "enterprise") -> np.ndarray:
    """One account serving many end users: high volume round the clock, a fixed system prompt."""
    rng = lab.rng
    acc_ids = lab.accounts(n, persona=persona, label=label, campaign=campaign, org=lab.orgs(n),
                           created_days_ago=rng.uniform(120, 800, n), email=[f"{persona}-ops.example"] * n,
                           payment=lab.payments(n), country=["US"] * n, pathway=[pathway] * n)
    egress = [lab.net.pool("cloud", blocks=1, hosts_per_block=4) for _ in range(n)]
    acc, t = lab.schedule(acc_ids, _lognormal(rng, per_day, 0.3, n), profile="waking")
    m = len(acc)
    conv = (acc.astype(np.int64) << 32) + (t // int(conv_len * 10 * MINUTE_US)) * 997 + rng.integers(0, 40, m)
    areas = rng.integers(0, len(text.AREA_NAMES), m)
    user = text.fill(rng, family, m, text.questions(rng, areas))
    if cot_share:
        cot = rng.random(m) < cot_share
        coerced = text.fill(rng, "cot", m, text.questions(rng, areas))
        user = pa.array(np.where(cot, coerced.to_numpy(zero_copy_only=False), user.to_numpy(zero_copy_only=False)),
                        pa.string())
    sys_text = pa.array([text.escape(system) if system else ""] * m, pa.string())
    addr = np.stack(egress)[acc - acc_ids[0], rng.integers(0, 4, m)]
    lab.requests(acc, t, user, system=sys_text, conversation=conv, model=_models(lab, t, model, 0.3),
                 out_tokens=_lognormal(rng, out_median, 0.6, m), addr=addr,
                 ua=pa.array([ua] * m, pa.string()), temperature=np.full(m, temperature),
                 max_tokens=np.full(m, max_tokens), tool_calls=tool_calls,
                 extra_input=rng.uniform(*context, m).astype(np.int64))
    return acc_ids


def support_bots(lab: Lab, scale: float) -> None:
    _backend(lab, "support_bot", _count(scale, 8), 1800, family="support", system=text.SYSTEM_PROMPTS["support"],
             ua=USER_AGENTS["backend"][0], out_median=150, context=(100, 1500), conv_len=1, temperature=0.3,
             max_tokens=512, model=(1, 8, 1))


def coding_agents(lab: Lab, scale: float) -> None:
    _backend(lab, "coding_agent", _count(scale, 6), 2000, family="agent", system=text.SYSTEM_PROMPTS["agent"],
             ua=USER_AGENTS["backend"][1], out_median=600, context=(4000, 30000), conv_len=3, temperature=0.0,
             max_tokens=8192, model=(8, 1, 1), tool_calls=0.6)


def aggregators(lab: Lab, scale: float) -> None:
    """A router passing many clients' traffic through one account: every topic, a little of everything."""
    _backend(lab, "aggregator", _count(scale, 2), 3500, family="chat", system=None, ua=USER_AGENTS["backend"][2],
             out_median=500, context=(0, 800), conv_len=2, temperature=0.7, max_tokens=4096, model=(4, 4, 2),
             cot_share=0.03)


def enterprise_batch(lab: Lab, scale: float) -> None:
    """Nightly batch jobs: one template, huge bursts, several accounts on one card."""
    rng = lab.rng
    for _ in range(_count(scale, 5)):
        k = int(rng.integers(2, 5))
        org, card = lab.orgs(1) * k, lab.payments(1) * k
        domain = f"corp{rng.integers(100, 999)}.example"
        acc_ids = lab.accounts(k, persona="enterprise_batch", org=org, created_days_ago=rng.uniform(200, 900, k),
                               email=[domain] * k, payment=card, country=["US"] * k, pathway=["enterprise"] * k)
        office = lab.net.block(lab.net.networks("business")[int(rng.integers(0, 3))], 2)
        acc, t = lab.schedule(acc_ids, _lognormal(rng, 700, 0.4, k), profile="night")
        m = len(acc)
        family = "batch"
        lab.requests(acc, t, text.fill(rng, family, m), system=pa.array([text.escape(
            text.SYSTEM_PROMPTS["batch"])] * m, pa.string()), model=np.full(m, 1),
            out_tokens=_lognormal(rng, 120, 0.4, m), addr=rng.choice(office, m),
            ua=pa.array([USER_AGENTS["backend"][3]] * m, pa.string()), temperature=np.zeros(m),
            max_tokens=np.full(m, 300), extra_input=rng.uniform(500, 3000, m).astype(np.int64))


def eval_labs(lab: Lab, scale: float) -> None:
    """Evaluation labs: chain-of-thought benchmark sweeps across every area, bursts at a model release."""
    rng = lab.rng
    for _ in range(_count(scale, 2)):
        k = int(rng.integers(1, 4))
        domain = f"evals{rng.integers(10, 99)}.example"
        acc_ids = lab.accounts(k, persona="eval_lab", org=lab.orgs(1) * k, created_days_ago=rng.uniform(100, 600, k),
                               email=[domain] * k, payment=lab.payments(1) * k, country=["US"] * k,
                               pathway=["enterprise"] * k)
        egress = lab.net.pool("cloud", blocks=1, hosts_per_block=3)
        acc, t = lab.schedule(acc_ids, np.full(k, 60.0), profile="work", weekday_only=0.9)
        burst_acc, burst_t = lab.schedule(acc_ids, np.full(k, 3500.0), profile="flat", first_day=RELEASE_DAY,
                                          last_day=RELEASE_DAY + 1)
        acc, t = np.concatenate([acc, burst_acc]), np.concatenate([t, burst_t])
        m = len(acc)
        model = _models(lab, t, (6, 3, 1), 0.0)
        model[len(acc) - len(burst_acc):] = NEW_MODEL
        q = text.questions(rng, rng.integers(0, len(text.AREA_NAMES), m))
        lab.requests(acc, t, text.fill(rng, "eval", m, q), model=model, out_tokens=_lognormal(rng, 1200, 0.5, m),
                     addr=rng.choice(egress, m), ua=pa.array([USER_AGENTS["backend"][4]] * m, pa.string()),
                     temperature=np.zeros(m), max_tokens=np.full(m, 4096), choices=rng.choice([1, 1, 5], m))


def teams(lab: Lab, scale: float) -> None:
    """Small teams sharing one card, one organisation and one office address."""
    rng = lab.rng
    for _ in range(_count(scale, 40)):
        k = int(rng.integers(3, 7))
        domain = f"team{rng.integers(1000, 9999)}.example"
        acc_ids = lab.accounts(k, persona="team_member", org=lab.orgs(1) * k, created_days_ago=rng.uniform(30, 500, k),
                               email=[domain] * k, payment=lab.payments(1) * k, country=["GB"] * k,
                               pathway=_pathways(lab, 1, startup=0.3) * k)
        office = lab.net.block(lab.net.networks("business")[int(rng.integers(0, 3))], 1)
        acc, t = lab.schedule(acc_ids, _lognormal(rng, 12, 0.7, k), profile="work", active=0.7, weekday_only=0.9)
        fav = _favourites(rng, lab.n_accounts, 3)
        m = len(acc)
        _chat(lab, acc, t, fav, 0.8, "dev", 15 * MINUTE_US, 4, model=_models(lab, t, (5, 4, 1), 0.3),
              out_tokens=_lognormal(rng, 450, 0.7, m), addr=np.full(m, office[0]),
              ua=pa.array(_choice(rng, USER_AGENTS["sdk"], m), pa.string()))


def cron_scripts(lab: Lab, scale: float) -> None:
    """Personal scripts on a schedule: clockwork regularity, one template, one address."""
    rng, n = lab.rng, _count(scale, 200)
    acc_ids = lab.accounts(n, persona="cron_script", created_days_ago=rng.uniform(20, 700, n),
                           email=_choice(rng, EMAIL_DOMAINS["consumer"], n), payment=lab.payments(n),
                           country=_choice(rng, BENIGN_COUNTRIES, n))
    period = rng.choice([15, 30, 60, 180, 1440], n) * MINUTE_US
    offset = rng.integers(0, MINUTE_US * 15, n)
    per = (lab.days * DAY_US) // period
    acc = np.repeat(acc_ids, per)
    k = np.arange(len(acc)) - np.repeat(np.cumsum(per) - per, per)
    i = acc - acc_ids[0]
    t = lab.start_us + offset[i] + k * period[i] + rng.integers(0, 3_000_000, len(acc))
    m = len(acc)
    addr = lab.net.singles("residential", n)
    temp = rng.choice([0.0, 0.5, 1.0], n)
    lab.requests(acc, t, text.fill(rng, "cron", m), model=np.full(m, 1), out_tokens=_lognormal(rng, 250, 0.3, m),
                 addr=addr[i], ua=pa.array(_choice(rng, ("python-requests/2.32.3", "curl/8.5.0"), n),
                                           pa.string()).take(pa.array(i)),
                 temperature=temp[i], max_tokens=np.full(m, 400))


# --- distillation campaigns -------------------------------------------------------------------------


class Campaign:
    """Shared facts of one campaign: its accounts, cards, exits and client software."""

    def __init__(self, lab: Lab, kind: str, number: int, n: int, *, created_days_ago: np.ndarray,
                 cards: int | None, exits: np.ndarray, custom_ua_share: float, sticky_exit: float = 0.5,
                 programme: str | None = None, programme_share: tuple[float, float] = (0.0, 0.0),
                 emails: tuple[str, ...] | None = None, client: str | None = None):
        rng = self.rng = lab.rng
        self.lab, self.kind = lab, kind
        self.name = f"C{number:02d}-{kind}"
        payment = lab.payments(n) if cards is None else _choice(rng, lab.payments(max(1, cards)), n)
        # Some operations register each account as a small company (startup and research programmes).
        org_share = rng.choice([0.0, 0.0, 0.3, 0.8])
        org = [o if rng.random() < org_share else None for o in lab.orgs(n)]
        email = _choice(rng, emails or EMAIL_DOMAINS["campaign"], n)
        self.ids = lab.accounts(n, persona=kind, label="distillation", campaign=self.name, org=org,
                                created_days_ago=created_days_ago, email=email,
                                payment=payment, country=_choice(rng, ("US", "US", "SG", "GB", "JP", "HK"), n),
                                pathway=self._pathways(n, programme, programme_share))
        self.exits = exits
        self.sticky = np.where(rng.random(n) < sticky_exit, rng.choice(exits, n), -1)
        custom = USER_AGENTS["campaign"][int(rng.integers(0, len(USER_AGENTS["campaign"])))]
        custom = client or custom  # an operator's own harvester (drawn anyway: seeds keep their traffic)
        self.temperature = float(rng.choice([0.6, 0.7, 1.0]))
        self.max_tokens = int(rng.choice([4096, 8192, 16384, 32768]))
        self.ua = [custom if u else v for u, v in zip(rng.random(n) < custom_ua_share,
                                                         _choice(rng, USER_AGENTS["sdk"], n), strict=True)]

    def _pathways(self, n: int, programme: str | None, share: tuple[float, float]) -> list[str]:
        """Some operations sign accounts up through a programme (student, research or startup access)."""
        if programme is None:
            return ["self_serve"] * n
        return _pathways(self.lab, n, **{programme: float(self.lab.side.uniform(*share))})

    def addresses(self, acc: np.ndarray) -> np.ndarray:
        sticky = self.sticky[acc - self.ids[0]]
        return np.where(sticky >= 0, sticky, self.rng.choice(self.exits, len(acc)))

    def dispatch(self, per_account_day: float, first_day: float, last_day: float | None = None,
                 accounts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A load-balancing orchestrator: flat round the clock, batches fired in lockstep across accounts."""
        rng, lab = self.rng, self.lab
        accounts = self.ids if accounts is None else accounts
        last_day = lab.days if last_day is None else last_day
        span = max(0.0, last_day - first_day) * DAY_US
        total = rng.poisson(len(accounts) * per_account_day * span / DAY_US)
        tick = int(rng.uniform(20, 120) * 1e6)
        ticks = int(span // tick) or 1
        t = lab.start_us + int(first_day * DAY_US) + rng.integers(0, ticks, total) * tick
        t = t + rng.integers(0, 1_500_000, total)  # fired within a second or two of each other
        return rng.choice(accounts, total), np.clip(t, lab.start_us, lab.start_us + lab.days * DAY_US - 1)

    def harvest(self, acc: np.ndarray, t: np.ndarray, families: tuple[str, ...], *, model: np.ndarray | None = None,
                out_median: float = 1500, questions: pa.Array | None = None, **kw) -> None:
        """Single-turn extraction prompts spread over every capability area (or over the operator's own
        question list, escaped, when given)."""
        rng, m = self.rng, len(acc)
        if questions is None:
            q = text.questions(rng, rng.integers(0, len(text.AREA_NAMES), m))
        else:
            q = questions.take(pa.array(rng.integers(0, len(questions), m)))
        texts = [text.fill(rng, f, m, q).to_numpy(zero_copy_only=False) for f in families]
        pick = rng.integers(0, len(families), m)
        user = pa.array(np.choose(pick, texts), pa.string())
        self.lab.requests(acc, t, user, model=np.zeros(m, np.int64) if model is None else model,
                          out_tokens=_lognormal(rng, out_median, 0.5, m), addr=self.addresses(acc),
                          ua=_ua_rows(self.ua, acc, self.ids[0]), temperature=np.full(m, self.temperature),
                          max_tokens=np.full(m, self.max_tokens), **kw)


def _burst(rng: np.random.Generator, n: int) -> np.ndarray:
    """Accounts opened in a burst: within two days, some weeks before the simulated period."""
    return rng.uniform(5, 40) + rng.uniform(0, 2, n)


def hydra_cot(lab: Lab, scale: float, number: int) -> None:
    """Hundreds of small accounts coercing reasoning traces, sharing cards, exits and a harvester."""
    rng = lab.rng
    n = _count(scale, rng.uniform(400, 900), 20)
    exits = np.concatenate([lab.net.pool("proxy", int(rng.integers(3, 8)), 16), lab.net.pool("cloud", 2, 16)])
    c = Campaign(lab, "hydra_cot", number, n, created_days_ago=_burst(rng, n), cards=n // int(rng.integers(5, 30)),
                 exits=exits, custom_ua_share=rng.uniform(0.3, 1.0), programme="research", programme_share=(0, 0.4))
    acc, t = c.dispatch(rng.uniform(20, 35), first_day=rng.uniform(0, 1.5))
    c.harvest(acc, t, ("cot",))


def hydra_rubric(lab: Lab, scale: float, number: int) -> None:
    """Rubric-grading and rewrite harvesting from accounts opened steadily, with little shared."""
    rng = lab.rng
    n = _count(scale, rng.uniform(200, 500), 15)
    exits = lab.net.pool("residential", int(rng.integers(30, 80)), 6)
    c = Campaign(lab, "hydra_rubric", number, n, created_days_ago=rng.uniform(3, 60, n),
                 cards=int(n / rng.uniform(1.2, 3)), exits=exits, custom_ua_share=rng.uniform(0.0, 0.3),
                 sticky_exit=0.8, programme="education", programme_share=(0.4, 0.9))
    # Paced like people in one time zone rather than a machine, to blend in.
    acc, t = lab.schedule(c.ids, _lognormal(rng, 25, 0.3, n), profile=str(rng.choice(["flat", "waking"])),
                          first_day=1)
    c.harvest(acc, t, ("rubric", "rewrite"), out_median=float(rng.uniform(400, 900)))


def agentic_coding(lab: Lab, scale: float, number: int) -> None:
    """Harvesting agentic coding trajectories: multi-turn tool use under one harness prompt, prepaid cards."""
    rng = lab.rng
    n = _count(scale, rng.uniform(150, 350), 10)
    c = Campaign(lab, "agentic_coding", number, n, created_days_ago=_burst(rng, n), cards=None,
                 exits=lab.net.pool("cloud", int(rng.integers(2, 6)), 12), custom_ua_share=rng.uniform(0.0, 0.5),
                 programme="startup", programme_share=(0.5, 1.0))
    acc, t = c.dispatch(rng.uniform(25, 40), first_day=rng.uniform(0, 2))
    m = len(acc)
    step = rng.integers(0, 20, m)
    conv = (acc.astype(np.int64) << 24) + (t // (40 * MINUTE_US))
    sys_text = pa.array([text.escape(text.SYSTEM_PROMPTS["campaign_agent"])] * m, pa.string())
    lab.requests(acc, t, text.fill(rng, "agent", m), system=sys_text, conversation=conv, model=np.zeros(m, np.int64),
                 out_tokens=_lognormal(rng, 1400, 0.5, m), addr=c.addresses(acc), ua=_ua_rows(c.ua, acc, c.ids[0]),
                 temperature=np.full(m, 0.2), max_tokens=np.full(m, 16384), tool_calls=0.7,
                 extra_input=(step * rng.uniform(800, 1500, m)).astype(np.int64))


def reseller(lab: Lab, scale: float, number: int) -> None:
    """A reseller mixing distillation into genuine customers' traffic through one or two accounts."""
    rng = lab.rng
    share = rng.uniform(0.2, 0.4)
    _backend(lab, "reseller", int(rng.integers(1, 3)), rng.uniform(2500, 4000), family="chat", system=None,
             ua=USER_AGENTS["sdk"][3], out_median=900, context=(0, 600), conv_len=2, temperature=0.7,
             max_tokens=8192, model=(6, 3, 1), cot_share=share, label="distillation",
             campaign=f"C{number:02d}-reseller", pathway="startup")


def pivot(lab: Lab, scale: float, number: int) -> None:
    """A campaign that moves to the newly released model within hours of its release."""
    rng = lab.rng
    n = _count(scale, rng.uniform(200, 400), 15)
    c = Campaign(lab, "pivot", number, n, created_days_ago=_burst(rng, n), cards=n // int(rng.integers(3, 15)),
                 exits=lab.net.pool("proxy", int(rng.integers(2, 6)), 16), custom_ua_share=rng.uniform(0.5, 1.0),
                 programme="research", programme_share=(0, 0.5))
    acc, t = c.dispatch(rng.uniform(20, 30), first_day=0)
    switch = lab.start_us + RELEASE_DAY * DAY_US + int(rng.uniform(1, 12) * HOUR_US)
    model = np.where((t >= switch) & (rng.random(len(t)) < 0.9), NEW_MODEL, 0)
    c.harvest(acc, t, ("cot", "rubric"), model=model)


def aged_switch(lab: Lab, scale: float, number: int) -> None:
    """Old accounts (bought or taken over) that live like hobbyists, then join a harvesting operation."""
    rng = lab.rng
    n = _count(scale, rng.uniform(50, 120), 10)
    c = Campaign(lab, "aged_switch", number, n, created_days_ago=rng.uniform(300, 800, n), cards=None,
                 exits=lab.net.pool("proxy", int(rng.integers(2, 5)), 16), custom_ua_share=rng.uniform(0.4, 1.0))
    switch_day = float(rng.uniform(2, 4))
    home = lab.net.singles("residential", n)
    acc, t = lab.schedule(c.ids, _lognormal(rng, 5, 0.6, n), profile="waking", active=0.5,
                          last_day=int(switch_day))
    m = len(acc)
    fav = _favourites(rng, lab.n_accounts, 2)
    _chat(lab, acc, t, fav, 0.85, "chat", 30 * MINUTE_US, 6, model=np.zeros(m, np.int64),
          out_tokens=_lognormal(rng, 350, 0.7, m), addr=home[acc - c.ids[0]],
          ua=pa.array(_choice(rng, USER_AGENTS["browser"], m), pa.string()))
    lab.take_over(c.ids, lab.start_us + int(switch_day * DAY_US))
    acc, t = c.dispatch(rng.uniform(30, 45), first_day=switch_day)
    c.harvest(acc, t, ("cot",))


def bulk_single(lab: Lab, scale: float, number: int) -> None:
    """Naive extraction: one new account pulling tens of thousands of answers a day."""
    rng = lab.rng
    c = Campaign(lab, "bulk_single", number, 1, created_days_ago=rng.uniform(1, 10, 1), cards=None,
                 exits=lab.net.pool("cloud", 1, 1), custom_ua_share=1.0, sticky_exit=1.0)
    acc, t = lab.schedule(c.ids, np.array([rng.uniform(4000, 9000) * max(scale, 0.2)]), profile="flat",
                          first_day=int(rng.integers(0, 3)))
    c.harvest(acc, t, ("cot", "rubric", "rewrite"), out_median=1200)


BENIGN: tuple[Callable[[Lab, float], None], ...] = (
    hobbyists, developers, support_bots, coding_agents, aggregators, enterprise_batch, eval_labs, teams,
    cron_scripts)
CAMPAIGNS: dict[str, Callable[[Lab, float, int], None]] = {
    "hydra_cot": hydra_cot, "hydra_rubric": hydra_rubric, "agentic_coding": agentic_coding, "reseller": reseller,
    "pivot": pivot, "aged_switch": aged_switch, "bulk_single": bulk_single}
#: Benign personas that send heavy traffic: the false positives that would hurt a lab the most.
HEAVY_BENIGN = ("support_bot", "coding_agent", "aggregator", "enterprise_batch", "eval_lab", "cron_script")
