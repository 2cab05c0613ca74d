"""Client of the hub's PSI relay: open or join a session, post and fetch opaque messages, count bytes."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx

from aisac.intel.client import Hub, raise_for_hub


class Relay:
    """One HTTP connection to the relay as one member; counts the body bytes it sends and receives."""

    def __init__(self, hub: Hub):
        self.hub = hub
        self.http = httpx.Client(base_url=hub.url.rstrip("/"), auth=(hub.member, hub.api_key), timeout=hub.timeout)
        self.sent = self.received = self.requests = 0

    def close(self) -> None:
        """Close the connection."""
        self.http.close()

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        response = self.http.request(method, path, **kw)
        self.requests += 1
        self.sent += len(response.request.content or b"")
        self.received += len(response.content)
        raise_for_hub(response)
        return response

    def open(self, peer: str, kind: str, public: bytes, ttl_s: int) -> dict[str, Any]:
        """Open a session with `peer` or join the one it opened; the session as this side sees it."""
        body = {"with": peer, "kind": kind, "key": base64.b64encode(public).decode(), "ttl": ttl_s}
        return self._call("POST", "/aisac/psi/sessions", json=body).json()

    def wait_joined(self, session_id: str, deadline: float) -> bytes:
        """Wait until the peer joined; its X25519 public key."""
        for pause in _pauses(deadline, "the peer to join"):
            found = self._call("GET", f"/aisac/psi/sessions/{session_id}").json()
            if found.get("peer_key"):
                return base64.b64decode(found["peer_key"])
            time.sleep(pause)
        raise AssertionError("unreachable")

    def put(self, session_id: str, name: str, body: bytes) -> None:
        """Post one message for the peer."""
        self._call(
            "PUT",
            f"/aisac/psi/sessions/{session_id}/messages/{name}",
            content=body,
            headers={"Content-Type": "application/octet-stream"},
        )

    def get(self, session_id: str, name: str, deadline: float) -> bytes:
        """Fetch the peer's message `name`, waiting for it until `deadline` (time.monotonic)."""
        for pause in _pauses(deadline, f"the peer's message {name!r}"):
            response = self._call("GET", f"/aisac/psi/sessions/{session_id}/messages/{name}")
            if response.status_code == 200:
                return response.content
            time.sleep(pause)
        raise AssertionError("unreachable")


def _pauses(deadline: float, what: str):  # type: ignore[no-untyped-def]
    """Polling pauses growing from 5 ms to 200 ms; TimeoutError once `deadline` has passed."""
    pause = 0.005
    while True:
        yield pause
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        pause = min(pause * 1.5, 0.2)
