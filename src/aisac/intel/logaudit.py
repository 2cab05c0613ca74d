"""A member's audit of the hub's transparency log (`aisac share audit`).

The first run pins the log's verifier key and remembers the checkpoint it verified; each later run accepts
a new checkpoint only with a consistency proof from the remembered one, so a hub that rewrote or dropped
history it had already shown this member is caught. Every leaf that concerns the member (its own actions,
reads of its objects) and is new since the last run gets an inclusion proof, checked here.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from aisac.contract.logleaf import leaf_data
from aisac.contract.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from aisac.contract.note import NoteError, Verifier, open_checkpoint
from aisac.intel.client import Hub, HubError, raise_for_hub


class AuditError(RuntimeError):
    """The log failed a check: the message says which, and the saved state is left as it was."""


@dataclass
class AuditReport:
    """What an audit run verified."""

    size: int
    previous_size: int
    leaves: int = 0
    reads: list[dict[str, Any]] = field(default_factory=list)  # others' reads of this member's objects
    pinned_now: bool = False


def default_state_path(hub_url: str, member: str) -> Path:
    """~/.config/aisac/log-audit/<member>@<host>_<port>.json (or under $XDG_CONFIG_HOME)."""
    parts = urlsplit(hub_url)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "aisac" / "log-audit" / f"{member}@{parts.hostname}_{parts.port or parts.scheme}.json"


def _get(http: httpx.Client, path: str, **params: Any) -> httpx.Response:
    response = http.get(path, params=params or None)
    raise_for_hub(response)
    return response


def _hashes(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


def audit(hub: Hub, state_path: Path) -> AuditReport:
    """Verify the latest checkpoint against the saved one and this member's new leaves; save the state."""
    state = json.loads(state_path.read_text("utf-8")) if state_path.exists() else {}
    with hub.client() as http:
        served = _get(http, "/aisac/log/vkey").text.strip()
        if state.get("vkey") and state["vkey"] != served:
            raise AuditError(f"the hub's log key changed: pinned {state['vkey']}, now served {served}")
        try:
            verifier = Verifier.parse(state.get("vkey") or served)
            checkpoint = open_checkpoint(_get(http, "/aisac/log/checkpoint").text, verifier)
        except NoteError as exc:
            raise AuditError(f"checkpoint rejected: {exc}") from exc
        before = int(state.get("size", 0))
        report = AuditReport(checkpoint.size, before, pinned_now=not state.get("vkey"))
        try:
            if before:
                proof = _get(http, "/aisac/log/proof/consistency", first=before, second=checkpoint.size)
                verify_consistency(
                    before,
                    checkpoint.size,
                    _hashes(proof.json()["hashes"]) if before <= checkpoint.size else [],
                    base64.b64decode(state["root"]),
                    checkpoint.root,
                )
        except (ProofError, HubError) as exc:
            raise AuditError(
                f"the log at size {checkpoint.size} is not an extension of the checkpoint of size {before} "
                f"seen before: history was rewritten ({exc})"
            ) from exc
        start: int | None = before
        while start is not None and start < checkpoint.size:
            page = _get(http, "/aisac/log/leaves", start=start).json()
            for leaf in page["leaves"]:
                if leaf["index"] >= checkpoint.size:
                    break
                proof = _get(http, "/aisac/log/proof/inclusion", index=leaf["index"], size=checkpoint.size).json()
                try:
                    verify_inclusion(
                        leaf_hash(leaf_data(leaf)),
                        leaf["index"],
                        checkpoint.size,
                        _hashes(proof["hashes"]),
                        checkpoint.root,
                    )
                except ProofError as exc:
                    raise AuditError(f"leaf {leaf['index']} ({leaf['action']} {leaf['target']}): {exc}") from exc
                report.leaves += 1
                if leaf["action"] == "object.read" and leaf["subject"] == hub.member and leaf["actor"] != hub.member:
                    report.reads.append(leaf)
            start = page.get("next")
    state_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {
                "vkey": verifier.text(),
                "origin": checkpoint.origin,
                "size": checkpoint.size,
                "root": base64.b64encode(checkpoint.root).decode(),
            }
        ),
        "utf-8",
    )
    os.replace(tmp, state_path)
    return report
