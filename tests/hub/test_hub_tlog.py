"""The transparency log: RFC 6962 vectors, reads of AMBER objects as leaves, member audits that catch a
rewritten history, and `aisac hub audit verify` catching edited, deleted and re-ordered rows with the
triggers dropped (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, select, text, update
from stixdata import indicator
from typer.testing import CliRunner

from aisac.cli import app as aisac_app
from aisac.contract import merkle
from aisac.contract.note import NoteError, Verifier, open_note
from aisac.contract.stix import TLP2_IDS, Tlp
from aisac.hub import tlog
from aisac.hub.admin import add_collection, grant
from aisac.hub.checkpoints import LogKey, sign_checkpoint
from aisac.hub.db import make_engine, migrate
from aisac.hub.members import add_member
from aisac.hub.models import tlog_checkpoints, tlog_leaves, tlog_nodes
from tests.support.hubserver import HubProcess, create_database, enrol

AISAC = [sys.executable, "-c", "from aisac.cli import main; main()"]
VECTORS = json.loads((Path(__file__).parent / "data" / "merkle_vectors.json").read_text())
_b = base64.b64decode


# --- RFC 6962 / 9162 vectors (transparency-dev/merkle) and the C2SP signed-note example -------------------


def _reference_nodes() -> merkle.NodeSource:
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaf_inputs_hex"]]
    return lambda level, index: merkle.root_of(leaves[index << level : (index + 1) << level])


def test_roots_of_the_reference_tree():
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaf_inputs_hex"]]
    assert [merkle.root_of(leaves[:n]).hex() for n in range(9)] == VECTORS["root_hashes_hex"]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: c["file"].removeprefix("testdata/"))
def test_inclusion_vectors(case):
    args = (_b(case["leafHash"]), case["leafIdx"], case["treeSize"], [_b(p) for p in case["proof"] or []])
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args, _b(case["root"]))
        return
    merkle.verify_inclusion(*args, _b(case["root"]))
    if 0 < case["treeSize"] <= 8:  # proofs the hub builds from stored subtrees are the published ones
        built = merkle.inclusion_proof(_reference_nodes(), case["leafIdx"], case["treeSize"])
        assert built == [_b(p) for p in case["proof"] or []]


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: c["file"].removeprefix("testdata/"))
def test_consistency_vectors(case):
    args = (case["size1"], case["size2"], [_b(p) for p in case["proof"] or []], _b(case["root1"]), _b(case["root2"]))
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
        return
    merkle.verify_consistency(*args)
    if 0 < case["size1"] <= case["size2"] <= 8:
        built = merkle.consistency_proof(_reference_nodes(), case["size1"], case["size2"])
        assert built == [_b(p) for p in case["proof"] or []]


def test_every_proof_of_a_larger_tree_verifies():
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(37)]
    frontier, nodes = merkle.Frontier(), {}
    for leaf in leaves:
        nodes.update({(lv, i): h for lv, i, h in frontier.append(leaf)})
    node = lambda level, index: nodes[(level, index)]  # noqa: E731
    for n in range(1, 38):
        root = merkle.root_of(leaves[:n])
        for i in range(n):
            merkle.verify_inclusion(leaves[i], i, n, merkle.inclusion_proof(node, i, n), root)
        for m in range(1, n + 1):
            merkle.verify_consistency(m, n, merkle.consistency_proof(node, m, n), merkle.root_of(leaves[:m]), root)
    assert frontier.root() == merkle.root_of(leaves)


def test_signed_note_example_of_the_c2sp_spec():
    verifier = Verifier.parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    note = (
        "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7"
        "Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_note(note, verifier) == "This is an example message.\n"
    with pytest.raises(NoteError):
        open_note(note.replace("example message", "exemplary message"), verifier)


# --- through the running hub -----------------------------------------------------------------------------


def _cli_env(hub, member: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME")}
    return env | {"AISAC_HUB_MEMBER": member, "AISAC_HUB_KEY": hub.members[member].key}


def _share_audit(hub, member: str, state: Path) -> subprocess.CompletedProcess[str]:
    args = [*AISAC, "share", "audit", "--hub", hub.url, "--state", str(state)]
    return subprocess.run(args, capture_output=True, text=True, env=_cli_env(hub, member))


def _push_and_read(hub, writer: str, reader: str) -> str:
    """`writer` adds an AMBER indicator that `reader` then reads; the object's id."""
    cid = hub.new_collection()
    obj = indicator(f"tlog-{uuid.uuid4().hex[:6]}", [TLP2_IDS[Tlp.AMBER]])
    added = hub.http(writer).post(
        f"/forum/collections/{cid}/objects/",
        content=json.dumps({"objects": [obj]}),
        headers={"Content-Type": "application/taxii+json;version=2.1"},
    )
    assert added.status_code == 202, added.text
    assert hub.http(reader).get(f"/forum/collections/{cid}/objects/{obj['id']}/").status_code == 200
    return obj["id"]


def test_reads_are_logged_and_audited_by_the_submitter(hub, tmp_path):
    state = tmp_path / "audit.json"
    first = _share_audit(hub, "openai", state)
    assert first.returncode == 0, first.stderr
    assert "pinned the hub's log key" in first.stdout and json.loads(state.read_text())["size"] > 0

    object_id = _push_and_read(hub, "openai", "anthropic")
    second = _share_audit(hub, "openai", state)
    assert second.returncode == 0, second.stderr
    assert f"read by anthropic: {object_id}" in second.stdout
    assert "2 new entries about openai proven included" in second.stdout  # the add and the read

    pinned = json.loads(state.read_text())
    other = Verifier.of(pinned["origin"], b"\x07" * 32).text()
    state.write_text(json.dumps(pinned | {"vkey": other}))
    swapped = _share_audit(hub, "openai", state)
    assert swapped.returncode == 1 and "the hub's log key changed" in swapped.stderr

    runner = CliRunner()
    reads = runner.invoke(aisac_app, ["hub", "audit", "reads", "--object", object_id, "--db", hub.db_url, "--json"])
    assert reads.exit_code == 0, reads.output
    assert [(r["reader"], r["submitter"]) for r in json.loads(reads.output)] == [("anthropic", "openai")]
    verified = runner.invoke(
        aisac_app, ["hub", "audit", "verify", "--db", hub.db_url, "--log-key", str(hub.process.log_key)]
    )
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output


def test_log_routes_serve_members_only_their_own_leaves(hub):
    _push_and_read(hub, "google", "anthropic")
    mine = hub.http("google").get("/aisac/log/leaves").json()["leaves"]
    assert mine and all("google" in (leaf["actor"], leaf["subject"]) for leaf in mine)
    others = hub.http("openai").get("/aisac/log/leaves").json()["leaves"]
    foreign = next(leaf["index"] for leaf in mine if leaf["actor"] == "google" and leaf["subject"] == "google")
    assert foreign not in {leaf["index"] for leaf in others}
    size = int(hub.http("openai").get("/aisac/log/checkpoint").text.split("\n")[1])
    refused = hub.http("openai").get("/aisac/log/proof/inclusion", params={"index": foreign, "size": size})
    assert refused.status_code == 404


# --- a fresh database per test, on both backends -----------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request, tmp_path) -> Iterator[tuple[str, Engine]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
    else:
        url = create_database(request.getfixturevalue("pg_server"), f"tlog_{uuid.uuid4().hex[:12]}")
    engine = make_engine(url)
    migrate(engine)
    yield url, engine
    engine.dispose()


def _drop_triggers(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in ("tlog_leaves", "tlog_nodes", "tlog_checkpoints"):
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
            else:
                conn.execute(text(f"DROP TRIGGER {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER {table}_no_delete"))


def _build_log(engine: Engine, key: LogKey) -> None:
    """Eight leaves from real changes and one batch, a checkpoint after each write as the hub signs them."""
    for name in ("lab-a", "lab-b", "lab-c"):
        add_member(engine, name, "lab")
        sign_checkpoint(engine, key)
    cid = add_collection(engine, "shared", "", ("lab",), ("lab",))
    sign_checkpoint(engine, key)
    grant(engine, "lab-a", cid, True, True)
    sign_checkpoint(engine, key)
    with engine.begin() as conn:
        tlog.append(conn, [tlog.Entry("object.read", f"indicator--{i}", "lab-b", "lab-a") for i in range(3)])
    sign_checkpoint(engine, key)


def _verify(url: str, key_path: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(aisac_app, ["hub", "audit", "verify", "--db", url, "--log-key", str(key_path)])


def _set(engine: Engine, table, where, **values) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(update(table).where(where).values(**values))


def _tamper_edit(engine: Engine) -> None:
    _set(engine, tlog_leaves, tlog_leaves.c.idx == 6, actor="lab-c")


def _tamper_edit_and_rehash(engine: Engine) -> None:
    _tamper_edit(engine)
    with engine.connect() as conn:
        row = conn.execute(select(tlog_leaves).where(tlog_leaves.c.idx == 6)).one()
    _set(
        engine,
        tlog_nodes,
        (tlog_nodes.c.level == 0) & (tlog_nodes.c.idx == 6),
        hash=merkle.leaf_hash(tlog.row_data(row)),
    )


def _tamper_delete(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(tlog_leaves).where(tlog_leaves.c.idx == 3))


def _tamper_delete_tail(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(tlog_leaves).where(tlog_leaves.c.idx >= 6))


def _tamper_reorder(engine: Engine) -> None:
    with engine.begin() as conn:
        for old, new in ((1, 1000), (2, 1), (1000, 2)):
            conn.execute(update(tlog_leaves).where(tlog_leaves.c.idx == old).values(idx=new))


def _tamper_checkpoint(engine: Engine) -> None:
    with engine.connect() as conn:
        note = conn.execute(select(tlog_checkpoints.c.note).where(tlog_checkpoints.c.size == 4)).scalar_one()
    root = base64.b64encode(b"\x00" * 32).decode()
    _set(
        engine,
        tlog_checkpoints,
        tlog_checkpoints.c.size == 4,
        note="\n".join([*note.split("\n")[:2], root, *note.split("\n")[3:]]),
    )


TAMPERING = {
    "edited leaf": (_tamper_edit, "leaf 6 (object.read 'indicator--1' by lab-c"),
    "edited leaf and its hash": (
        _tamper_edit_and_rehash,
        "checkpoint of size 8 does not match the leaves: an entry among leaves 5..7",
    ),
    "deleted leaf": (_tamper_delete, "leaf 3 missing"),
    "deleted tail": (_tamper_delete_tail, "leaves 6..7 were deleted"),
    "re-ordered leaves": (_tamper_reorder, "leaf 1 (member.add 'lab-c'"),
    "forged checkpoint": (_tamper_checkpoint, "checkpoint of size 4: signature by aisac-hub does not verify"),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_verify_names_the_first_bad_entry_with_the_triggers_dropped(fresh, tmp_path, how):
    url, engine = fresh
    key_path = tmp_path / "log-key.pem"
    _build_log(engine, LogKey.load(key_path, create=True))
    intact = _verify(url, key_path)
    assert intact.exit_code == 0 and "intact: 8 leaves, 6 signed checkpoints verified" in intact.output, intact.output
    with pytest.raises(Exception, match="append-only"):
        _tamper_edit(engine)  # the triggers are the first line of defence
    _drop_triggers(engine)
    tamper, expected = TAMPERING[how]
    tamper(engine)
    found = _verify(url, key_path)
    assert found.exit_code == 1 and expected in found.output, found.output


def _rewrite_history(engine: Engine, key: LogKey) -> None:
    """What an operator holding the log key could do: edit a leaf, rebuild every hash, re-sign."""
    _drop_triggers(engine)
    with engine.begin() as conn:
        read = (
            conn.execute(
                select(tlog_leaves.c.idx).where(tlog_leaves.c.action == "object.read").order_by(tlog_leaves.c.idx)
            )
            .scalars()
            .first()
        )
        conn.execute(update(tlog_leaves).where(tlog_leaves.c.idx == read).values(actor="google"))
        conn.execute(delete(tlog_nodes))
        conn.execute(delete(tlog_checkpoints))
        frontier, nodes = merkle.Frontier(), []
        for row in conn.execute(select(tlog_leaves).order_by(tlog_leaves.c.idx)):
            nodes += [
                {"level": lv, "idx": i, "hash": h} for lv, i, h in frontier.append(merkle.leaf_hash(tlog.row_data(row)))
            ]
        conn.execute(insert(tlog_nodes), nodes)
    sign_checkpoint(engine, key)


def test_a_members_saved_checkpoint_catches_a_rewritten_history(fresh, tmp_path):
    url, engine = fresh
    members = enrol(engine, tmp_path, {"openai": "lab", "anthropic": "lab", "google": "lab"})
    process = HubProcess(url, tmp_path).start()
    try:

        class Running:  # the parts of the session hub fixture the helpers use
            def __init__(self):
                self.url, self.members, self._clients = process.url, members, {}

            def http(self, member):
                import httpx

                creds = members[member]
                return self._clients.setdefault(
                    member, httpx.Client(base_url=process.url, auth=(creds.name, creds.key), timeout=60)
                )

            def new_collection(self):
                return add_collection(engine, f"c-{uuid.uuid4().hex[:8]}", "", ("lab",), ("lab",))

        running = Running()
        _push_and_read(running, "openai", "anthropic")
        state = tmp_path / "openai-audit.json"
        before = _share_audit(running, "openai", state)
        assert before.returncode == 0 and "read by anthropic" in before.stdout, before.stderr

        _rewrite_history(engine, LogKey.load(process.log_key))
        assert _verify(url, process.log_key).exit_code == 0  # re-signed: the database alone cannot tell
        after = _share_audit(running, "openai", state)
        assert after.returncode == 1 and "history was rewritten" in after.stderr, after.stdout + after.stderr
        fresh_eyes = _share_audit(running, "openai", tmp_path / "new-state.json")
        assert fresh_eyes.returncode == 0 and "read by google" in fresh_eyes.stdout  # why members keep state
    finally:
        process.stop()
