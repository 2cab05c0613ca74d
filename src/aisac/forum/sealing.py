"""Encryption of PSI messages to the peer, so the hub relays only ciphertext.

Each side makes an X25519 key for one session and posts the public half when it opens or joins; both derive
one ChaCha20-Poly1305 key per direction with HKDF-SHA256 over the shared secret, the session id and both
names. The nonce comes from the message name, which the hub accepts once per sender and session.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class SealError(ValueError):
    """A message that does not decrypt: altered in transit, or not from the peer."""


class Channel:
    """Seal messages for the peer and open the peer's, within one session."""

    def __init__(self, secret: X25519PrivateKey, peer_public: bytes, session_id: str, me: str, peer: str):
        shared = secret.exchange(X25519PublicKey.from_public_bytes(peer_public))
        self.session_id, self.me, self.peer = session_id, me, peer
        self._send = ChaCha20Poly1305(self._key(shared, me, peer))
        self._recv = ChaCha20Poly1305(self._key(shared, peer, me))

    def _key(self, shared: bytes, sender: str, recipient: str) -> bytes:
        info = f"aisac-psi-v1 {self.session_id} {sender}>{recipient}".encode()
        return HKDF(hashes.SHA256(), 32, self.session_id.encode(), info).derive(shared)

    def _nonce_aad(self, sender: str, name: str) -> tuple[bytes, bytes]:
        aad = f"{self.session_id}|{sender}|{name}".encode()
        return hashlib.sha256(aad).digest()[:12], aad

    def seal(self, name: str, data: bytes) -> bytes:
        """Encrypt and authenticate one message for the peer."""
        nonce, aad = self._nonce_aad(self.me, name)
        return self._send.encrypt(nonce, data, aad)

    def open(self, name: str, data: bytes) -> bytes:
        """Decrypt one of the peer's messages; SealError when it was not sealed by the peer for this name."""
        nonce, aad = self._nonce_aad(self.peer, name)
        try:
            return self._recv.decrypt(nonce, data, aad)
        except InvalidTag as exc:
            raise SealError(f"message {name!r} does not decrypt with the session key: altered or forged") from exc


def new_secret() -> tuple[X25519PrivateKey, bytes]:
    """A session's X25519 key and its public half (32 bytes) to post."""
    secret = X25519PrivateKey.generate()
    return secret, secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
