"""PSI between two labs through a real hub (SQLite and PostgreSQL): exact intersections, in either order or
at once, on random and adversarial inputs; the hub never holds an identifier; strangers and late comers
are refused."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from aisac.forum import psi
from aisac.forum.relay import Relay
from aisac.hub.models import metadata, psi_messages
from aisac.intel.client import Hub, HubError

AISAC = [sys.executable, "-c", "from aisac.cli import main; main()"]


def _hub(hub, name: str) -> Hub:
    return Hub(hub.url, name, hub.members[name].key)


def _run_pair(hub, tmp_path: Path, kind: str, a: list[str], b: list[str], stagger: float = 0.0, first: str = "a"):
    """Both sides in threads (optionally one `stagger` seconds after the other); their output lines."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    files = {}
    for side, lines in (("a", a), ("b", b)):
        files[side] = (tmp_path / f"{side}.txt", tmp_path / f"{side}.out")
        files[side][0].write_text("".join(line + "\n" for line in lines), "utf-8")
    who = {"a": ("openai", "anthropic"), "b": ("anthropic", "openai")}

    def side(name: str) -> psi.Result:
        if name != first:
            time.sleep(stagger)
        me, peer = who[name]
        return psi.run(_hub(hub, me), peer, kind, files[name][0], files[name][1], timeout=120)

    with ThreadPoolExecutor(2) as pool:
        ra, rb = pool.submit(side, "a"), pool.submit(side, "b")
        results = ra.result(), rb.result()
    outs = [files[s][1].read_text("utf-8").splitlines() for s in ("a", "b")]
    return outs, results


def _emails(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"u{rng.randrange(3 * n)}@lab{rng.randrange(3)}.example" for _ in range(n)]


@pytest.mark.parametrize("stagger,first", [(0.0, "a"), (1.5, "a"), (1.5, "b")], ids=["at-once", "a-first", "b-first"])
def test_random_sets_give_the_exact_intersection_in_any_order(hub, tmp_path, stagger, first):
    a, b = _emails(600, 1), _emails(500, 2)
    b = [e.upper() if i % 3 == 0 else f"  {e} " for i, e in enumerate(b)]  # spelling variants on one side
    (out_a, out_b), (ra, rb) = _run_pair(hub, tmp_path, "email", a, b, stagger, first)
    norm_b = {e.strip().lower() for e in b}
    common = set(a) & norm_b
    assert common and len(common) < len(set(a))
    assert out_a == [e for e in a if e in common]  # original spelling and file order, duplicates kept
    assert out_b == [e for e in b if e.strip().lower() in common]
    assert (ra.mine, ra.theirs, ra.common) == (len(set(a)), len(norm_b), len(common))
    assert (rb.mine, rb.theirs, rb.common) == (len(norm_b), len(set(a)), len(common))
    assert ra.session == rb.session


def test_duplicates_variants_empty_and_one_side_much_larger(hub, tmp_path):
    big = [f"+4420{n:08d}" for n in range(40_000)]  # more than two chunks: the process pool path
    small = ["+44 20 0000 0007", "0044 20 0000 0007", "+44 (20) 0003-9999", "+1 555 000 0000", "not a phone"]
    (out_a, out_b), (ra, rb) = _run_pair(hub, tmp_path / "lopsided", "phone", big, small)
    assert out_a == ["+442000000007", "+442000039999"]
    assert out_b == small[:3]  # both spellings of the duplicate, in file order
    assert (ra.theirs, rb.theirs, ra.common) == (3, 40_000, 2)
    assert rb.refused == [(5, rb.refused[0][1])] and "E.164" in rb.refused[0][1]

    (out_a, out_b), (ra, rb) = _run_pair(hub, tmp_path / "empty", "phone", big[:10], [])
    assert out_a == out_b == [] and (ra.theirs, rb.theirs) == (0, 10)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.sampled_from([f"id-{i}" for i in range(40)] + ["", " x ", "X", "é"]), max_size=30),
    st.lists(st.sampled_from([f"id-{i}" for i in range(20, 60)] + ["X", "é", "x"]), max_size=30),
)
def test_property_raw_intersection_is_exact(hub, tmp_path_factory, a, b):
    (out_a, out_b), _ = _run_pair(hub, tmp_path_factory.mktemp("prop"), "raw", a, b)
    assert out_a == [x for x in a if x.strip() and x in set(b)]
    assert out_b == [x for x in b if x.strip() and x in set(a)]


def test_cli_both_orders_and_refused_lines(hub, tmp_path):
    (tmp_path / "a.txt").write_text("4111 1111 1111 1111 12/27\n5500 0000 0000 0004 01/28\nnonsense\n")
    (tmp_path / "b.txt").write_text("411111******1111, 2027-12\n378282******0005 2029-03\n")

    def start(me: str, peer: str, side: str) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME")}
        env |= {"AISAC_HUB_MEMBER": me, "AISAC_HUB_KEY": hub.members[me].key}
        args = ["forum", "psi", "--hub", hub.url, "--with", peer, "--kind", "card"]
        args += ["--items", str(tmp_path / f"{side}.txt"), "--out", str(tmp_path / f"{side}.out"), "--timeout", "120"]
        return subprocess.Popen([*AISAC, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    a = start("openai", "anthropic", "a")
    time.sleep(1.0)
    b = start("anthropic", "openai", "b")
    (out_a, err_a), _ = a.communicate(timeout=300), b.communicate(timeout=300)
    assert a.returncode == 0 and b.returncode == 0, err_a
    assert (tmp_path / "a.out").read_text() == "4111 1111 1111 1111 12/27\n"
    assert (tmp_path / "b.out").read_text() == "411111******1111, 2027-12\n"
    assert "1 of your 2 distinct identifiers are shared with anthropic (anthropic sent 2)" in out_a
    assert f"{tmp_path / 'a.txt'}:3: left out" in err_a


def test_a_third_member_can_neither_read_nor_join(hub):
    opener, stranger = Relay(_hub(hub, "openai")), Relay(_hub(hub, "google"))
    joiner, observer = Relay(_hub(hub, "anthropic")), Relay(_hub(hub, "observer"))
    try:
        session = opener.open("anthropic", "raw", os.urandom(32), 60)
        sid = session["id"]
        for call in (
            lambda: stranger._call("GET", f"/aisac/psi/sessions/{sid}"),
            lambda: stranger.put(sid, "x0", b"hello"),
            lambda: stranger.get(sid, "x0", time.monotonic() + 1),
        ):
            with pytest.raises(HubError, match="404"):
                call()
        own = stranger.open("openai", "raw", os.urandom(32), 60)  # google's own session, not a way in
        assert own["id"] != sid and own["peer_key"] is None
        stale = opener.open("google", "email", os.urandom(32), 60)
        assert opener.open("google", "email", os.urandom(32), 60)["id"] != stale["id"]  # a rerun supersedes
        with pytest.raises(HubError, match="410"):
            opener._call("GET", f"/aisac/psi/sessions/{stale['id']}")
        with pytest.raises(HubError, match="403"):
            observer.open("openai", "raw", os.urandom(32), 60)
        joined = joiner.open("openai", "raw", os.urandom(32), 60)
        assert joined["id"] == sid and joined["peer_key"] is not None
        opener.put(sid, "x0", b"ciphertext")
        assert joiner.get(sid, "x0", time.monotonic() + 5) == b"ciphertext"
        with pytest.raises(HubError, match="409"):
            opener.put(sid, "x0", b"again")
    finally:
        for r in (opener, stranger, joiner, observer):
            r.close()


def test_messages_expire_with_their_session(hub):
    opener, joiner = Relay(_hub(hub, "openai")), Relay(_hub(hub, "anthropic"))
    try:
        sid = opener.open("anthropic", "card", os.urandom(32), 1)["id"]
        joiner.open("openai", "card", os.urandom(32), 1)
        opener.put(sid, "x0", b"soon gone")
        time.sleep(1.3)
        with pytest.raises(HubError, match="410"):
            joiner.get(sid, "x0", time.monotonic() + 1)
        with pytest.raises(HubError, match="410"):
            opener.put(sid, "x1", b"late")
        opener.open("google", "card", os.urandom(32), 60)  # any open purges expired sessions' messages
        with hub.engine.connect() as conn:
            left = conn.execute(select(func.count()).where(psi_messages.c.session_id == sid)).scalar()
        assert left == 0
    finally:
        opener.close()
        joiner.close()


def _database_bytes(hub) -> bytes:
    if hub.db_url.startswith("sqlite"):
        path = Path(hub.db_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    dump = bytearray()
    with psycopg.connect(hub.db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        for table in metadata.sorted_tables:
            with conn.cursor().copy(f"COPY {table.name} TO STDOUT") as copy:
                for block in copy:
                    dump += bytes(block)
    return bytes(dump)


def test_the_hub_never_holds_an_identifier_or_its_plain_hash(hub, tmp_path):
    a = [f"Victim.{i}.{os.urandom(4).hex()}@Example.org" for i in range(50)]
    b = [x.lower() for x in a[:20]] + [f"other.{i}@example.net" for i in range(30)]
    (out_a, _), _ = _run_pair(hub, tmp_path, "email", a, b)
    assert out_a == a[:20]
    haystack = _database_bytes(hub) + b"".join(p.read_bytes() for p in hub.workdir.glob("hub-*.log"))
    haystack_lower = haystack.lower()
    for item in a[:3] + b[-3:]:
        for form in {item, item.lower()}:
            raw = form.encode()
            assert raw.lower() not in haystack_lower
            for algo in ("md5", "sha1", "sha256", "sha512"):
                digest = hashlib.new(algo, raw).digest()
                assert digest not in haystack and digest.hex().encode() not in haystack_lower
