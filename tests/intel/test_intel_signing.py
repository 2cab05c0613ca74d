"""Ed25519 signatures over per-object hashes: round trip, tampering, wrong key or signer."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.contract.signing import generate_key, load_private, load_public_raw, object_hash, sign_objects, verify

OBJ = {
    "type": "campaign",
    "id": "campaign--8f886039-ad73-4b12-a346-f9d36a97c172",
    "name": "wave",
    "confidence": 80,
}


def test_keygen_round_trip(tmp_path):
    public = generate_key(tmp_path / "lab.pem")
    assert (tmp_path / "lab.pem").stat().st_mode & 0o777 == 0o600
    key = load_private(tmp_path / "lab.pem")
    raw = load_public_raw(public)
    assert raw == key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sig = sign_objects(key, "openai", [OBJ])
    assert verify(raw, sig, "openai", [object_hash(OBJ)])
    assert not verify(raw, sig, "anthropic", [object_hash(OBJ)])  # the signer's name is signed too
    other = load_public_raw(generate_key(tmp_path / "other.pem"))
    assert not verify(other, sig, "openai", [object_hash(OBJ)])
    assert not verify(raw, "not base64!", "openai", [object_hash(OBJ)])
    assert not verify(raw, base64.b64encode(b"x" * 64).decode(), "openai", [object_hash(OBJ)])


def test_hash_ignores_key_order_and_whitespace():
    assert object_hash(OBJ) == object_hash(dict(reversed(list(OBJ.items()))))


@settings(max_examples=50, deadline=None)
@given(
    key=st.sampled_from(sorted(OBJ)),
    value=st.one_of(st.text(max_size=10), st.integers(-(10**6), 10**6), st.booleans(), st.none()),
)
def test_any_change_to_a_signed_object_breaks_the_signature(tmp_path_factory, key, value):
    path = tmp_path_factory.mktemp("k") / "lab.pem"
    raw = load_public_raw(generate_key(path))
    sig = sign_objects(load_private(path), "openai", [OBJ])
    changed = dict(OBJ, **{key: value})
    assert verify(raw, sig, "openai", [object_hash(changed)]) == (changed == OBJ)
