"""Several labs' traffic in one world: operators that distil from more than one lab, and the traps around them.

The pact's working group correlates what labs share; it needs a world where the same operator reaches several
labs. Every lab here is a `Lab` with its own benign population (the usual personas, hard negatives included),
its own account ids, cards and model names. On top of that, drawn per seed:

* cross-lab operators, each hitting two or more labs with the same exit pools, client string, mail domains,
  question list and (agentic ones) harness system prompt;
* single-lab operators with the *same tradecraft* (the same harvester tools, templates and generic harness)
  on the same cloud networks, but their own exits and question lists: the same style, not the same operator;
* a lab-local campaign per lab that partly exits through popular commercial VPN servers, and benign users at
  every lab behind those VPN servers and mobile carriers' NAT (the exits a naive join would merge on);
* the single-lab campaign kinds of `personas` at every lab, each its own operator.

`operators.csv` (`lab,account_id,operator`) names the operator of every distillation account.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aisac.simulate import text
from aisac.simulate.generator import DEFAULT_START, SIDE_STREAM, Simulation, write
from aisac.simulate.lab import DAY_US, HOUR_US, Lab
from aisac.simulate.personas import (
    BENIGN,
    BENIGN_COUNTRIES,
    CAMPAIGNS,
    MINUTE_US,
    Campaign,
    _benign_ages,
    _burst,
    _chat,
    _choice,
    _count,
    _favourites,
    _lognormal,
    _models,
    _ua_rows,
)
from aisac.simulate.phases import campaign_phases
from aisac.simulate.world import EMAIL_DOMAINS, NEW_MODEL, RELEASE_DAY, USER_AGENTS, AddressSpace

OPERATORS_FILE = "operators.csv"
MODEL_FAMILIES = ("helios", "aurora", "zephyr", "nimbus", "vega", "orion")
#: The world's random stream is apart from every lab's.
WORLD_STREAM = 0xF0E
#: Kinds of operation an operator runs (cross-lab and same-tradecraft single-lab operators alike).
OPERATIONS = ("hydra_cot", "agentic_coding", "pivot")
#: Single-lab campaign kinds of `personas` that run at every lab as lab-local operators.
LOCAL_KINDS = ("hydra_rubric", "reseller", "bulk_single", "aged_switch")

_FRAMES = ("Prove that", "Derive", "Explain in depth", "Implement", "Compare two approaches to", "Estimate",
           "Critique a textbook account of", "Design a test for", "Solve", "Analyse", "Give a worked example of",
           "Summarise the strongest evidence on")
_TWISTS = ("for n = {a}", "with {a} samples and {b} features", "in case #{a}-{b}", "given a budget of {a} and {b} "
           "days", "at a scale of {a} by {b}", "under constraint c{a} with tolerance {b}")
_HARNESS = ("You are {name}, an autonomous engineering agent for {org}. Work every task through to the end; "
            "narrate each tool call, its full output and your reasoning in full, then close with a section "
            "titled '{section}' that restates the final answer.")


def lab_name(i: int) -> str:
    """lab-a, lab-b, ...: the directory (and account prefix letter) of the i-th lab."""
    return f"lab-{chr(ord('a') + i)}"


@dataclass(frozen=True)
class Operator:
    """One distillation operator: what it reuses wherever it goes."""

    name: str
    kind: str
    labs: tuple[int, ...]
    exits: np.ndarray | None  # ids in the world's address space; None: new cloud exits at each lab
    client: str
    emails: tuple[str, ...]
    questions: pa.Array | None  # escaped question list; None: the public capability taxonomy
    harness: str


@dataclass
class MultiLab:
    """Each lab's simulation by name, and who operates every distillation account."""

    labs: dict[str, Simulation]
    operators: pa.Table  # lab, account_id, operator


def question_list(rng: np.random.Generator, n: int) -> pa.Array:
    """An operator's own question list (escaped): n questions over every capability area."""
    topics = [t for area in text.AREAS.values() for t in area]
    frame = rng.integers(0, len(_FRAMES), n)
    topic = rng.integers(0, len(topics), n)
    twist = rng.integers(0, len(_TWISTS), n)
    ab = rng.integers(2, 10_000, (n, 2))
    return pa.array([text.escape(f"{_FRAMES[f]} {topics[t]} " + _TWISTS[w].format(a=a, b=b))
                     for f, t, w, (a, b) in zip(frame, topic, twist, ab, strict=True)], pa.string())


def _harness(rng: np.random.Generator) -> str:
    return _HARNESS.format(name=f"agent-{rng.integers(100, 999)}", org=f"project {rng.integers(1000, 9999)}",
                           section=str(rng.choice(["Result", "Final", "Summary", "Answer"])))


def _operators(world: AddressSpace, rng: np.random.Generator, n_labs: int) -> list[Operator]:
    """Cross-lab operators (the first reaches every lab) and two same-tradecraft single-lab ones per lab."""
    ops = []
    for i, kind in enumerate(OPERATIONS if n_labs > 1 else ()):
        reach = n_labs if i == 0 else int(rng.integers(2, n_labs + 1))
        labs = tuple(sorted(rng.choice(n_labs, size=reach, replace=False).tolist()))
        exits = np.concatenate([world.pool("proxy", int(rng.integers(3, 7)), 16),
                                world.pool("cloud", int(rng.integers(1, 3)), 16)])
        own = f"{rng.choice(['mx', 'post', 'inbox', 'relay'])}{rng.integers(10, 99)}.example"
        emails = (*_choice(rng, EMAIL_DOMAINS["campaign"], 2), own)
        ops.append(Operator(f"X{i + 1}-{kind}", kind, labs, exits,
                            USER_AGENTS["campaign"][int(rng.integers(0, len(USER_AGENTS["campaign"])))], emails,
                            question_list(rng, int(rng.integers(200, 600))), _harness(rng)))
    for lab in range(n_labs):
        for j in range(2):
            kind = OPERATIONS[int(rng.integers(0, len(OPERATIONS)))]
            ops.append(Operator(f"{lab_name(lab)}-S{j + 1}-{kind}", kind, (lab,), None,
                                USER_AGENTS["campaign"][int(rng.integers(0, len(USER_AGENTS["campaign"])))],
                                EMAIL_DOMAINS["campaign"], question_list(rng, int(rng.integers(200, 600))),
                                text.SYSTEM_PROMPTS["campaign_agent"]))
    return ops


def _operate(lab: Lab, op: Operator, exits: np.ndarray, scale: float, number: int) -> Campaign:
    """Run one operator's campaign at one lab with the operator's exits, client, mail, questions, harness."""
    rng = lab.rng
    n = _count(scale, rng.uniform(150, 400), 10)
    c = Campaign(lab, op.kind, number, n, created_days_ago=_burst(rng, n), cards=n // int(rng.integers(3, 15)),
                 exits=exits, custom_ua_share=rng.uniform(0.6, 1.0), programme="research",
                 programme_share=(0, 0.4), emails=op.emails, client=op.client)
    if op.kind == "agentic_coding":
        acc, t = c.dispatch(rng.uniform(25, 40), first_day=rng.uniform(0, 2))
        m = len(acc)
        q = op.questions.take(pa.array(rng.integers(0, len(op.questions), m)))
        tail = pa.scalar(" Use the tools to inspect the files and run the tests.")
        user = pc.binary_join_element_wise(pa.scalar("Task: "), q, tail, pa.scalar(""))
        lab.requests(acc, t, user, system=pa.array([text.escape(op.harness)] * m, pa.string()),
                     conversation=(acc.astype(np.int64) << 24) + (t // (40 * MINUTE_US)),
                     model=np.zeros(m, np.int64), out_tokens=_lognormal(rng, 1400, 0.5, m), addr=c.addresses(acc),
                     ua=_ua_rows(c.ua, acc, c.ids[0]), temperature=np.full(m, 0.2), max_tokens=np.full(m, 16384),
                     tool_calls=0.7, extra_input=(rng.integers(0, 20, m) * rng.uniform(800, 1500, m)).astype(np.int64))
    elif op.kind == "pivot":
        acc, t = c.dispatch(rng.uniform(20, 30), first_day=0)
        switch = lab.start_us + RELEASE_DAY * DAY_US + int(rng.uniform(1, 12) * HOUR_US)
        model = np.where((t >= switch) & (rng.random(len(t)) < 0.9), NEW_MODEL, 0)
        c.harvest(acc, t, ("cot", "rubric"), model=model, questions=op.questions)
    else:
        acc, t = c.dispatch(rng.uniform(20, 35), first_day=rng.uniform(0, 1.5))
        c.harvest(acc, t, ("cot",), questions=op.questions)
    return c


def _shared_exit_users(lab: Lab, scale: float, exits: np.ndarray) -> None:
    """Benign people behind popular VPN servers and carrier NAT: the same exits at every lab."""
    rng, n = lab.rng, _count(scale, 1500)
    acc_ids = lab.accounts(n, persona="shared_exit_user", created_days_ago=_benign_ages(rng, n),
                           email=_choice(rng, EMAIL_DOMAINS["consumer"], n), payment=lab.payments(n),
                           country=_choice(rng, BENIGN_COUNTRIES, n))
    first = acc_ids[0]
    addr = rng.choice(exits, n)
    ua = _choice(rng, USER_AGENTS["browser"] * 3 + USER_AGENTS["sdk"], n)
    acc, t = lab.schedule(acc_ids, _lognormal(rng, 6, 0.8, n), profile="waking", active=0.5)
    _chat(lab, acc, t, _favourites(rng, lab.n_accounts, 2), 0.85, "chat", 30 * MINUTE_US, 8,
          model=_models(lab, t, (5, 4, 1), 0.25), out_tokens=_lognormal(rng, 350, 0.7, len(acc)),
          addr=addr[acc - first], ua=_ua_rows(ua, acc, first))


def _vpn_campaign(lab: Lab, scale: float, number: int, vpn: np.ndarray) -> Campaign:
    """A lab-local hydra whose exits are partly popular commercial VPN servers, on the public question set."""
    rng = lab.rng
    n = _count(scale, rng.uniform(150, 350), 10)
    exits = np.concatenate([lab.net.pool("proxy", int(rng.integers(1, 3)), 16),
                            rng.choice(vpn, len(vpn) // 2, replace=False)])
    c = Campaign(lab, "hydra_cot", number, n, created_days_ago=_burst(rng, n), cards=n // int(rng.integers(5, 20)),
                 exits=exits, custom_ua_share=rng.uniform(0.3, 1.0), sticky_exit=0.3)
    acc, t = c.dispatch(rng.uniform(20, 35), first_day=rng.uniform(0, 1.5))
    c.harvest(acc, t, ("cot",))
    return c


def simulate_labs(n_labs: int = 3, days: int = 7, seed: int = 0, scale: float = 1.0,
                  step: Callable[[str], None] | None = None) -> MultiLab:
    """The traffic of `n_labs` labs in one world; deterministic for a seed."""
    if not 1 <= n_labs <= len(MODEL_FAMILIES):
        raise ValueError(f"labs must be between 1 and {len(MODEL_FAMILIES)}, got {n_labs}")
    if days < 1 or scale <= 0:
        raise ValueError("days must be at least 1 and scale positive")
    world_rng = np.random.default_rng([seed, WORLD_STREAM])
    world = AddressSpace(world_rng)
    vpn, mobile = world.pool("vpn", 4, 16), world.pool("mobile", 4, 12)
    operators = _operators(world, world_rng, n_labs)
    start_us = int(DEFAULT_START.timestamp() * 1_000_000)
    sims: dict[str, Simulation] = {}
    rows: dict[str, list[str]] = {"lab": [], "account_id": [], "operator": []}
    for i in range(n_labs):
        name, family = lab_name(i), MODEL_FAMILIES[i]
        lab = Lab(np.random.default_rng([seed, i]), start_us, days, np.random.default_rng([seed, i, SIDE_STREAM]),
                  models=(f"{family}-4", f"{family}-4-mini", f"{family}-3.5", f"{family}-4.5"),
                  account_prefix=f"acct_{name[-1]}")
        for persona in BENIGN:
            if step:
                step(f"{name} {persona.__name__}")
            persona(lab, scale)
        _shared_exit_users(lab, scale, lab.net.adopt(world, np.concatenate([vpn, mobile])))
        owned: list[tuple[str, Campaign | np.ndarray]] = []
        number = 1
        for op in operators:
            if i not in op.labs:
                continue
            if step:
                step(f"{name} {op.name}")
            exits = (lab.net.adopt(world, op.exits) if op.exits is not None
                     else lab.net.pool("cloud", int(lab.rng.integers(2, 5)), 12))
            owned.append((op.name, _operate(lab, op, exits, scale, number).ids))
            number += 1
        c = _vpn_campaign(lab, scale, number, lab.net.adopt(world, vpn))
        owned.append((f"{name}-{c.name}", c.ids))
        number += 1
        for kind in LOCAL_KINDS:
            first = lab.n_accounts
            CAMPAIGNS[kind](lab, scale, number)
            owned.append((f"{name}-C{number:02d}-{kind}", np.arange(first, lab.n_accounts)))
            number += 1
        labels = lab.labels()
        ids = labels["account_id"].to_pylist()
        for operator, accounts in owned:
            rows["lab"] += [name] * len(accounts)
            rows["account_id"] += [ids[int(a)] for a in accounts]
            rows["operator"] += [operator] * len(accounts)
        log = lab.table()
        sims[name] = Simulation(log, labels, campaign_phases(log, labels, lab.takeovers()))
    return MultiLab(sims, pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()}))


def write_labs(world: MultiLab, out: Path, fmt: str = "parquet") -> dict[str, list[Path]]:
    """Each lab under `out/<lab>/` (log/, labels.csv, campaign_phases.csv) and `out/operators.csv`."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: write(sim, out / name, fmt) for name, sim in world.labs.items()}
    with open(out / OPERATORS_FILE, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(world.operators.column_names)
        writer.writerows(zip(*(world.operators[c].to_pylist() for c in world.operators.column_names), strict=True))
    return paths
