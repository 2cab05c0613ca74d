"""Topic breadth from clustered hashed n-grams: a sweep across subjects reads broader than a narrow user,
with no keyword list, in any script; too few prompts give NULL."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from aisac.detect import topics

SUBJECTS = [
    "volcanic eruptions in Iceland", "the rules of cricket", "knitting a scarf", "compound interest on loans",
    "photosynthesis in cacti", "the French revolution", "writing haiku", "tuning a guitar", "black holes",
    "sorting algorithms", "vitamin D and sunlight", "Roman aqueducts", "training a puppy", "solar panels",
    "the stock exchange", "Shakespeare's sonnets", "making kimchi", "learning to swim", "glaciers melting",
    "chess openings", "the immune system", "baroque architecture", "sailing knots", "earthquake faults",
    "光合作用的原理", "日本の城の歴史", "квантовая механика", "한국 전통 음식", "la migración de aves",
    "die Geschichte Berlins", "o ciclo da água", "medieval castles", "honey bees", "desert ecosystems",
    "typography basics", "ancient Egypt", "wind turbines", "origami cranes", "coral reefs", "jazz improvisation",
]


def test_sweep_is_broader_than_a_narrow_user():
    rows = []
    for i in range(240):  # a sweep: every subject
        rows.append(("sweep", f"Item {i}: {SUBJECTS[i % len(SUBJECTS)]}. Answer fully."))
    for i in range(60):  # a person: two subjects, asked many ways
        rows.append(("narrow", ["how do I tune a guitar to drop D", "guitar tuning by ear tips"][i % 2] + f" ({i})"))
    for a in range(30):  # background accounts so the log has enough prompts to cluster
        for i in range(8):
            rows.append((f"bg{a}", f"question about {SUBJECTS[(a * 7 + i) % len(SUBJECTS)]}"))
    rows.append(("tiny", "hello there"))
    con = duckdb.connect()
    con.register("src", pa.table({"account": [r[0] for r in rows], "text": [r[1] for r in rows]}))
    con.execute("CREATE TEMP TABLE _content AS SELECT * FROM src")
    got = {r["account"]: r for r in topics.breadth(con).to_pylist()}
    assert got["sweep"]["topic_breadth"] > 2 * got["narrow"]["topic_breadth"]
    assert got["tiny"]["topic_breadth"] is None
