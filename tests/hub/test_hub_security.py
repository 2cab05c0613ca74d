"""Regression tests of the outside probe's findings against a real hub process (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import stix2
from sqlalchemy import func, select
from stixdata import as_dict, indicator, recipients

from aisac.contract.signing import SIGNATURE_HEADER, generate_key, load_private, load_public_raw, sign_objects
from aisac.contract.stix import NAMESPACE, TLP2_IDS, Tlp, marking_definition
from aisac.hub.admin import add_collection, grant
from aisac.hub.members import add_member
from aisac.hub.models import audit
from tests.support.hubserver import HubProcess

TAXII = "application/taxii+json;version=2.1"
OPENCTI_AMBER_STRICT = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"


def _push(hub, cid: str, objs: list, member: str = "openai", **headers) -> httpx.Response:
    return hub.http(member).post(
        f"/forum/collections/{cid}/objects/",
        content=json.dumps({"objects": objs}),
        headers={"Content-Type": TAXII, **headers},
    )


def _status(hub, cid: str, objs: list, member: str = "openai", **headers) -> dict:
    r = _push(hub, cid, objs, member, **headers)
    assert r.status_code == 202, r.text
    return r.json()


def _visible(hub, cid: str, member: str, stix_id: str) -> list[dict]:
    r = hub.http(member).get(f"/forum/collections/{cid}/objects/", params={"match[id]": stix_id})
    return r.json().get("objects", [])


def _failed(status: dict) -> dict[str, str]:
    return {f["id"]: f["message"] for f in status["failures"]}


# -- 2. object ownership ---------------------------------------------------------------------------------


def test_finding2_another_lab_cannot_version_an_object(hub):
    cid = hub.new_collection()
    mine = indicator("openai's indicator", [TLP2_IDS[Tlp.AMBER]])
    _status(hub, cid, [mine])
    forged = mine | {
        "modified": "2030-01-01T00:00:00.000Z",
        "revoked": True,
        "object_marking_refs": [TLP2_IDS[Tlp.CLEAR]],
        "created_by_ref": "identity--" + str(uuid.uuid4()),
    }
    status = _status(hub, cid, [forged], member="anthropic")
    assert "only it may add versions" in _failed(status)[mine["id"]]
    for member in ("openai", "google"):  # the victim and everyone else still see the original as last
        assert _visible(hub, cid, member, mine["id"]) == [mine]
    # the same id in another collection is still openai's
    assert _failed(_status(hub, hub.new_collection(), [forged], member="anthropic"))[mine["id"]]
    own = mine | {"modified": "2030-01-01T00:00:00.000Z", "name": "updated"}
    assert _status(hub, cid, [own])["success_count"] == 1
    assert _visible(hub, cid, "google", mine["id"]) == [own]


def test_finding2_standard_tlp_marking_ids_are_reserved(hub):
    cid = hub.new_collection()
    fake = marking_definition(Tlp.RED) | {"name": "TLP:CLEAR"}
    status = _status(hub, cid, [fake], member="anthropic")
    assert "reserved" in _failed(status)[fake["id"]]
    canonical = [marking_definition(level) for level in Tlp]  # as the detector bundle carries them
    assert _status(hub, cid, canonical)["success_count"] == len(canonical)
    assert _status(hub, cid, canonical, member="anthropic")["success_count"] == len(canonical)
    assert _visible(hub, cid, "google", fake["id"]) == [marking_definition(Tlp.RED)]


def _atlas_pattern(lab: str, technique: str) -> dict:
    """An ATLAS attack-pattern as the detector bundle writes it (its id derives from the technique)."""
    return as_dict(
        stix2.AttackPattern(
            id=f"attack-pattern--{uuid.uuid5(NAMESPACE, technique)}",
            name="LLM Prompt Crafting",
            created_by_ref=f"identity--{uuid.uuid5(NAMESPACE, lab)}",
            external_references=[{"source_name": "mitre-atlas", "external_id": technique}],
        )
    )


def test_finding2_shared_observables_and_atlas_patterns_work_for_every_lab(hub):
    cid = hub.new_collection()
    exit_address = as_dict(stix2.IPv4Address(value="198.51.100.77"))
    first = _atlas_pattern("openai", "AML.T0024")
    assert _status(hub, cid, [exit_address, first])["success_count"] == 2
    time.sleep(0.01)
    again = [exit_address, _atlas_pattern("anthropic", "AML.T0024")]
    status = _status(hub, cid, again, member="anthropic")
    assert status["failure_count"] == 0 and status["success_count"] == 2
    assert all("first submission is kept" in s["message"] for s in status["successes"])
    assert _visible(hub, cid, "google", first["id"]) == [first]
    # an observable whose id does not derive from its value is an ordinary, owned object
    squatted = exit_address | {"id": "ipv4-addr--" + str(uuid.uuid4())}
    _status(hub, cid, [squatted])
    assert _failed(_status(hub, cid, [squatted | {"value": "192.0.2.1"}], member="anthropic"))


def test_finding2_working_group_objects_are_versioned_by_chairs(hub):
    from aisac.hub.ownership import WORKING_GROUP_IDENTITY

    cid = hub.new_collection()
    note = indicator("working group guidance", created_by_ref=WORKING_GROUP_IDENTITY)
    assert "only chairs" in _failed(_status(hub, cid, [note], member="openai"))[note["id"]]
    assert _status(hub, cid, [note], member="chair")["success_count"] == 1
    newer = note | {"modified": "2030-01-01T00:00:00.000Z"}
    assert "only chairs" in _failed(_status(hub, cid, [newer], member="anthropic"))[note["id"]]
    assert _status(hub, cid, [newer], member="chair")["success_count"] == 1


# -- 3. unknown markings fail closed -------------------------------------------------------------------


def test_finding3_unknown_markings_fail_closed(hub):
    cid = hub.new_collection()
    strict = indicator("opencti amber+strict", [OPENCTI_AMBER_STRICT])
    statement = as_dict(stix2.MarkingDefinition(definition_type="statement", definition={"statement": "TLP:RED"}))
    custom = indicator("custom red", [statement["id"]], **recipients(["anthropic"]))
    _status(hub, cid, [strict, statement, custom])
    for obj in (strict, custom):
        assert _visible(hub, cid, "openai", obj["id"]) == [obj]  # the submitter
        assert _visible(hub, cid, "google", obj["id"]) == []  # a lab, not named
        assert _visible(hub, cid, "chair", obj["id"]) == []
    assert _visible(hub, cid, "anthropic", custom["id"]) == [custom]  # named recipient
    assert _visible(hub, cid, "anthropic", strict["id"]) == []


# -- 4. bodies: authenticate first, bounded while streaming ---------------------------------------------


def _peak_memory(hub) -> int:
    """The hub process's peak resident memory so far (bytes)."""
    status = Path(f"/proc/{hub.process.proc.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) * 1024


def _stream(url: str, total: int, **headers) -> int | None:
    chunk = b"[" * (1024 * 1024)

    def body():
        for _ in range(total // len(chunk)):
            yield chunk

    try:
        return httpx.post(url, content=body(), headers=headers, timeout=60).status_code
    except httpx.HTTPError:  # the hub answered and closed before the upload finished
        return None


def test_finding4_unauthenticated_bodies_are_never_read(hub):
    paths = ("/aisac/incidents/", f"/forum/collections/{uuid.uuid4()}/objects/")
    for path in paths:  # warm up: the first requests of a process import and compile what they need
        _stream(hub.url + path, 1024 * 1024, **{"Content-Type": TAXII})
    before = _peak_memory(hub)
    for path in paths:
        code = _stream(hub.url + path, 96 * 1024 * 1024, **{"Content-Type": TAXII})
        assert code in (401, None)
    assert _peak_memory(hub) - before < 32 * 1024 * 1024
    creds = hub.members["openai"]
    code = _stream(
        hub.url + "/aisac/incidents/",
        8 * 1024 * 1024,
        Authorization=httpx.BasicAuth(creds.name, creds.key)._auth_header,
    )
    assert code in (413, None)


# -- 6. bad input: named failures beside the stored good objects, or a 400 ----------------------------


def test_finding6_bad_input_is_a_named_failure_beside_good_objects(hub):
    cid = hub.new_collection()
    good = indicator("good")
    feb30 = indicator("feb 30") | {"created": "2026-02-30T00:00:00.000Z", "modified": "2026-02-30T00:00:00.000Z"}
    leap = indicator("leap") | {"modified": "2026-06-30T23:59:60.000Z"}
    custom = {"type": "x-thing", "spec_version": "2.1", "id": f"x-thing--{uuid.uuid4()}"}
    custom |= {"created": "2026-01-01T00:00:00.000Z", "modified": 5}
    ors = indicator("ors") | {"pattern": " OR ".join(["[ipv4-addr:value = '203.0.113.7']"] * 1200)}
    deep: dict = {}
    node = deep
    for _ in range(200):
        node["x"] = {}
        node = node["x"]
    nested = indicator("deep") | {"x_deep": deep}
    status = _status(hub, cid, [feb30, leap, custom, ors, nested, good])
    failed = _failed(status)
    assert "not a valid date" in failed[feb30["id"]] and "leap second" in failed[leap["id"]]
    assert "modified" in failed[custom["id"]] and "at most" in failed[ors["id"]]
    assert "nested deeper" in failed[nested["id"]]
    assert status["success_count"] == 1 and _visible(hub, cid, "google", good["id"]) == [good]
    very_deep = "[" * 950 + "]" * 950
    r = hub.http("openai").post(
        f"/forum/collections/{cid}/objects/",
        content='{"objects": [' + very_deep + "]}",
        headers={"Content-Type": TAXII},
    )
    assert r.status_code in (202, 400), r.text
    r = hub.http("openai").get(f"/forum/collections/{cid}/objects/", params={"limit": "²"})
    assert r.status_code == 400 and "limit" in r.json()["description"]


# -- 7. provenance, incidents, keys, members, grants, signatures, recipients ----------------------------


def test_finding7_provenance_honours_collection_read_rights(hub):
    cid = add_collection(hub.engine, f"labs-{uuid.uuid4().hex[:6]}", "", ("lab", "chair"), ("lab",))
    obj = indicator("lab only", [TLP2_IDS[Tlp.CLEAR]])
    _status(hub, cid, [obj])
    assert hub.http("google").get(f"/aisac/provenance/{cid}/{obj['id']}").status_code == 200
    assert hub.http("observer").get(f"/aisac/provenance/{cid}/{obj['id']}").status_code == 404


def _cli(hub, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", "from aisac.cli import main; main()", "hub", *args, "--db", hub.db_url],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def _get(hub, name: str, key: str) -> int:
    return httpx.get(f"{hub.url}/taxii2/", auth=(name, key)).status_code


def test_finding7_key_rotation_grace_revocation_and_member_removal(hub):
    name = f"temp-{uuid.uuid4().hex[:6]}"
    first = _cli(hub, "member", "add", name, "--role", "liaison").splitlines()[-1]
    second = _cli(hub, "member", "key", name, "--grace-days", "0").splitlines()[-1]
    assert (_get(hub, name, first), _get(hub, name, second)) == (401, 200)  # no grace: the old key is over
    third = _cli(hub, "member", "key", name).splitlines()[-1]
    assert (_get(hub, name, second), _get(hub, name, third)) == (200, 200)  # default: a few days of grace
    keys = json.loads(_cli(hub, "member", "keys", name))
    assert len(keys) == 3 and keys[1]["expires_at"] < keys[2]["expires_at"]
    _cli(hub, "member", "revoke-key", name, "--key-id", str(keys[1]["id"]))
    assert (_get(hub, name, second), _get(hub, name, third)) == (401, 200)
    _cli(hub, "member", "remove", name)
    r = httpx.get(f"{hub.url}/taxii2/", auth=(name, third), headers={"Accept": TAXII})
    assert r.status_code == 401 and "removed" in r.json()["description"]


def test_finding7_grants_can_be_revoked(hub):
    cid = add_collection(hub.engine, f"private-{uuid.uuid4().hex[:6]}", "", ("chair",), ("chair",))
    grant(hub.engine, "liaison", cid, True, False)
    assert hub.http("liaison").get(f"/forum/collections/{cid}/").status_code == 200
    _cli(hub, "collection", "revoke", "liaison", cid)
    assert hub.http("liaison").get(f"/forum/collections/{cid}/").status_code == 404


def test_finding7_signed_pushes_required_once_a_key_is_registered(hub, tmp_path):
    name = f"signer-{uuid.uuid4().hex[:6]}"
    private = tmp_path / "k.pem"
    key = add_member(hub.engine, name, "chair", load_public_raw(generate_key(private)))
    cid = hub.new_collection()
    obj = indicator("must be signed")
    client = httpx.Client(base_url=hub.url, auth=(name, key), headers={"Accept": TAXII})
    body = {"content": json.dumps({"objects": [obj]}), "headers": {"Content-Type": TAXII}}
    r = client.post(f"/forum/collections/{cid}/objects/", **body)
    assert r.status_code == 403 and "must be signed" in r.json()["description"]
    signature = sign_objects(load_private(private), name, [obj])
    body["headers"][SIGNATURE_HEADER] = signature
    assert client.post(f"/forum/collections/{cid}/objects/", **body).status_code == 202


def test_finding7_named_recipients_must_be_members(hub):
    cid = hub.new_collection()
    obj = indicator("for a stranger", [TLP2_IDS[Tlp.RED]], **recipients(["anthropic", "nobody-here"]))
    odd = indicator("not a list") | recipients(True)  # found by the fuzz run: was a 500
    failed = _failed(_status(hub, cid, [obj, odd]))
    assert "nobody-here" in failed[obj["id"]] and "list of member names" in failed[odd["id"]]


def test_finding7_signed_repush_of_unsigned_objects_upgrades_the_signature_record(hub):
    cid = hub.new_collection()
    obj = indicator("signed later")
    _status(hub, cid, [obj])
    proofs = hub.http("google").get(f"/aisac/provenance/{cid}/{obj['id']}").json()["versions"]
    assert [p["signed"] for p in proofs] == [False]
    signature = sign_objects(load_private(hub.members["openai"].signing_key), "openai", [obj])
    status = _status(hub, cid, [obj], **{SIGNATURE_HEADER: signature})
    assert "signature record" in status["successes"][0]["message"]
    proofs = hub.http("google").get(f"/aisac/provenance/{cid}/{obj['id']}").json()["versions"]
    assert [p["signed"] for p in proofs] == [True]


# -- 8. unauthenticated requests: counted and rate-limited, not audited --------------------------------


def _audit_rows(hub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit)).scalar())


def test_finding8_unauthenticated_requests_are_counted_not_audited(hub):
    before = _audit_rows(hub)
    for _ in range(5):
        assert httpx.get(f"{hub.url}/taxii2/", auth=("nobody", "wrong")).status_code == 401
    assert _audit_rows(hub) == before
    counts = hub.http("chair").get("/aisac/metrics").json()["unauthenticated_requests"]
    assert counts["401"] >= 5
    assert hub.http("openai").get("/aisac/metrics").status_code == 403


def test_finding8_failed_authentications_are_rate_limited_per_address(hub):
    process = HubProcess(hub.db_url, hub.workdir, ("--unauthenticated-per-minute", "3")).start()
    try:
        codes = [httpx.get(f"{process.url}/taxii2/", auth=("nobody", "wrong")).status_code for _ in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        creds = hub.members["google"]  # a member at the same address is not held back
        assert httpx.get(f"{process.url}/taxii2/", auth=(creds.name, creds.key)).status_code == 200
    finally:
        process.stop()


# -- 9. SLA compliance hidden from observers; pattern-error cache keyed by a hash ---------------------


def test_finding9_sla_compliance_hidden_from_observers(hub):
    for member in ("observer", "liaison"):
        assert hub.http(member).get("/aisac/sla").status_code == 403
    assert hub.http("google").get("/aisac/sla").status_code == 200


def test_finding9_pattern_error_cache_is_keyed_by_hash_and_bounded(monkeypatch):
    from aisac.hub import validate

    monkeypatch.setattr(validate, "_PATTERN_CACHE_SIZE", 4)
    for i in range(10):
        validate._pattern_error(f"[ipv4-addr:value = '203.0.113.{i}'] AND [x:y = 'z{'p' * 5000}']")
    cache = validate._PATTERN_ERRORS
    assert len(cache) <= 4 and all(isinstance(k, bytes) and len(k) == 32 for k in cache)
