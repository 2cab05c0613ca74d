"""Print the markdown tables of docs/benchmarks.md (watermark section) from bench/out/watermark_*.json.

.venv/bin/python bench/watermark_report.py
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out"


def p_of(log10: float | None) -> str:
    """A p-value from its log10, exact to 3 digits above 1e-300, as a power of ten below."""
    if log10 is None:
        return "–"
    return fmt(10.0**log10) if log10 > -300 else f"1e{log10:.0f}"


def pval(row: dict, mode: str) -> str:
    """A row's p-value from its log10 where recorded (exact below the smallest float)."""
    log10 = row.get(f"{mode}_log10_p")
    return p_of(log10) if log10 is not None else fmt(row[f"{mode}_p"])


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def detection() -> None:
    data = json.loads((OUT / "watermark_detection.json").read_text())
    print(
        table(
            [
                "scheme",
                "human docs",
                "share p<1e-4 (one key)",
                "share p<0.01 (one key)",
                "KS p (one key)",
                "share p<0.01 (fresh keys)",
                "KS p (fresh keys)",
                "randomised KS p (fresh keys)",
                "wrong keys",
                "wrong-key KS p",
                "wrong-key randomised KS p",
            ],
            [
                [
                    k,
                    v["human_docs"],
                    v["human_share_p_below_1e-4"],
                    v["human_share_p_below_0.01"],
                    v["human_ks_p"],
                    v["human_fresh_keys_share_p_below_0.01"],
                    v["human_fresh_keys_ks_p"],
                    v["human_fresh_keys_randomized_ks_p"],
                    v["wrong_keys"],
                    v["wrong_key_ks_p"],
                    v["wrong_key_randomized_ks_p"],
                ]
                for k, v in data.items()
            ],
        )
    )
    print()
    print(
        table(
            [
                "scheme",
                "detected at p<1e-4 (200 tokens)",
                "median p",
                "tokens needed (median)",
                "tokens needed (p90)",
            ],
            [
                [
                    k,
                    v["detected_200_tokens_share"],
                    v["median_p_200_tokens"],
                    v["tokens_needed_median"],
                    v["tokens_needed_p90"],
                ]
                for k, v in data.items()
            ],
        )
    )


def radioactivity(name: str) -> None:
    data = json.loads((OUT / name).read_text())
    rows = []
    for config, by_rho in data.items():
        for rho, r in by_rho.items():
            rows.append(
                [
                    config,
                    rho,
                    pval(r, "closed"),
                    r["closed_pairs"],
                    r["closed_budget_tokens_p1e-5"],
                    pval(r, "open"),
                    r["open_pairs"],
                    r["open_budget_tokens_p1e-5"],
                ]
            )
    print(
        table(
            [
                "config",
                "rho",
                "closed p",
                "closed pairs",
                "closed budget (tokens, p<1e-5)",
                "open p",
                "open pairs",
                "open budget (tokens)",
            ],
            rows,
        )
    )


def attacks() -> None:
    data = json.loads((OUT / "watermark_attacks.json").read_text())
    eps = list(next(iter(data.values()))["paraphrase"])
    print(
        table(
            ["config", *[f"eps={e}" for e in eps]],
            [[k, *[v["paraphrase"][e]["detected_share_p1e-4"] for e in eps]] for k, v in data.items()],
        )
    )
    print()
    rows = [
        [k, f, r["clean_tokens"], pval(r, "closed"), pval(r, "open")]
        for k, v in data.items()
        for f, r in v["continued_clean_training"].items()
    ]
    print(table(["config", "clean fraction", "clean tokens", "closed p", "open p"], rows))


def speed() -> None:
    path = OUT / "watermark_speed.json"
    if not path.exists():
        return
    data = json.loads(path.read_text())
    rows = [
        [k, v["tokens"], f"{v['per_cpu_s'] / 1e6:.2f} M", f"{v['per_wall_s'] / 1e6:.2f} M"] for k, v in data.items()
    ]
    print(table(["scheme", "tokens", "tokens/s (CPU time, 1 core)", "tokens/s (wall)"], rows))


def budget(curve: list[dict], alpha: float) -> str:
    """Queried tokens at which a closed audit first reached `alpha`, else the need extrapolated from its lift."""
    for point in curve:
        if point["log10_p"] < np.log10(alpha):
            return f"{point['tokens']:,} (measured)"
    guess = curve[-1]["budget_tokens_p1e-5"] if curve else None
    return f"{guess:,} (extrapolated)" if guess else "–"


MODES = {"closed_prefix": "closed, served prefixes", "closed_logged": "closed, logged prompts",
         "closed_fresh": "closed, fresh prompts", "open": "open"}  # fmt: skip


def transformer() -> None:
    path = OUT / "watermark_transformer.json"
    if not path.exists():
        return
    data = json.loads(path.read_text())
    print(
        f"teacher loss {data['teacher_final_loss']:.3f}, base loss {data['base_final_loss']:.3f}, "
        f"campaign prompts {data['campaign_prompts']}, wall {data.get('wall_seconds', 0):.0f} s\n"
    )
    header = ["config", "rho", "our exchanges", "student loss", "closed prefix p (pairs / tokens)",
              "closed logged p (pairs)", "closed fresh p (pairs)", "open p (pairs)",
              "prefix: tokens for p<1e-5", "logged: tokens for p<1e-5"]  # fmt: skip
    rows, smallest = [], []
    for label, config in data["configs"].items():
        found: dict[str, float | None] = dict.fromkeys(MODES)
        for rho, r in config.items():
            if not isinstance(r, dict):
                continue
            last = {m: r[m][-1] for m in MODES if m != "open"}
            log10 = {**{m: v["log10_p"] for m, v in last.items()}, "open": r["open_log10_p"]}
            prefix = last["closed_prefix"]
            rows.append([label, rho, r["exchanges_trained"], r["student_loss"],
                         f"{p_of(prefix['log10_p'])} ({prefix['pairs']} / {prefix['tokens']})",
                         f"{p_of(log10['closed_logged'])} ({last['closed_logged']['pairs']})",
                         f"{p_of(log10['closed_fresh'])} ({last['closed_fresh']['pairs']})",
                         f"{p_of(log10['open'])} ({r['open_pairs']})",
                         budget(r["closed_prefix"], 1e-5), budget(r["closed_logged"], 1e-5)])  # fmt: skip
            if " " in rho or float(rho) == 0:
                continue
            for mode, value in log10.items():
                if value < -3 and (found[mode] is None or float(rho) < found[mode]):
                    found[mode] = float(rho)
        smallest.append([label, *[fmt(v) if v is not None else "none" for v in found.values()]])
    print(table(header, rows))
    print()
    print(table(["config", *[f"smallest rho at p<1e-3: {name}" for name in MODES.values()]], smallest))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=OUT, help="folder holding watermark_*.json")
    OUT = parser.parse_args().out
    for section in (detection, speed, radioactivity, attacks, transformer):
        print(f"\n### {section.__name__}\n")
        if section is radioactivity:
            section("watermark_radioactivity.json")
        else:
            section()
