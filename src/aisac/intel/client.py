"""A small TAXII 2.1 client for the forum hub: signed push of a bundle and incremental, resumable pull."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from aisac.contract.signing import (
    SIGNATURE_HEADER,
    SIGNER_HEADER,
    load_private,
    object_hash,
    sign_objects,
    verify_provenance,
)
from aisac.contract.stix import TAXII_MEDIA_TYPE

DEFAULT_COLLECTION = "forum"


class HubError(RuntimeError):
    """The hub answered with a TAXII error."""


@dataclass
class Hub:
    """Connection to one hub as one member."""

    url: str
    member: str
    api_key: str
    timeout: float = 60.0

    def client(self) -> httpx.Client:
        """An HTTP client with the member's credentials and TAXII headers."""
        return httpx.Client(
            base_url=self.url.rstrip("/"),
            auth=(self.member, self.api_key),
            timeout=self.timeout,
            headers={"Accept": TAXII_MEDIA_TYPE},
        )


def raise_for_hub(response: httpx.Response) -> None:
    """HubError with the hub's title and description for a 4xx/5xx (any body type)."""
    if response.status_code >= 400:
        try:
            body = response.json()
            detail = f"{body.get('title')}: {body.get('description')}"
        except ValueError:
            detail = response.text[:200]
        raise HubError(f"hub answered {response.status_code}: {detail}")


def answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a hub answer; HubError with the hub's title and description for a 4xx/5xx."""
    raise_for_hub(response)
    return response.json()


def collection_url(http: httpx.Client, collection: str) -> str:
    """The objects URL of a collection given by id or title (discovered through /taxii2/)."""
    root = answer(http.get("/taxii2/"))["default"]
    found = answer(http.get(root + "collections/")).get("collections", [])
    match = [c for c in found if collection in (c["id"], c["title"])]
    if not match:
        raise HubError(f"no collection {collection!r} visible to this member")
    return f"{root}collections/{match[0]['id']}/"


def read_objects(path: Path) -> list[dict[str, Any]]:
    """Objects of a STIX bundle (or a TAXII envelope) file."""
    data = json.loads(path.read_text("utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise ValueError(f"{path}: expected a STIX bundle or TAXII envelope with an 'objects' list")
    return data["objects"]


def push(
    hub: Hub,
    objects: list[dict[str, Any]],
    key_path: Path | None,
    collection: str = DEFAULT_COLLECTION,
    batch: int = 1000,
    in_flight: int = 2,
) -> list[dict[str, Any]]:
    """POST the objects in envelopes of `batch`, each signed when a key is given; return the statuses.

    Up to `in_flight` envelopes travel at once, so signing the next overlaps the hub's work on this one.
    """
    key = load_private(key_path) if key_path else None
    with hub.client() as http:
        url = collection_url(http, collection) + "objects/"

        def send(chunk: list[dict[str, Any]]) -> dict[str, Any]:
            headers = {"Content-Type": TAXII_MEDIA_TYPE}
            if key is not None:
                headers |= {SIGNATURE_HEADER: sign_objects(key, hub.member, chunk), SIGNER_HEADER: hub.member}
            body = json.dumps({"objects": chunk}, separators=(",", ":")).encode()
            return answer(http.post(url, content=body, headers=headers))

        chunks = [objects[i : i + batch] for i in range(0, len(objects), batch)]
        with ThreadPoolExecutor(max(1, in_flight)) as pool:
            return list(pool.map(send, chunks))


def _save_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state), "utf-8")
    os.replace(tmp, path)


def pull(
    hub: Hub,
    out: Path,
    since: str | None = None,
    collection: str = DEFAULT_COLLECTION,
    limit: int = 500,
    max_pages: int | None = None,
) -> Iterator[int]:
    """Append new objects to OUT/objects.jsonl page by page; yield each page's object count.

    OUT/pull-state.json records the cursor and the file length after every page, so an interrupted pull
    resumes at the next page (a partly written page is cut off) and a finished one continues from the
    last date_added seen next time.
    """
    out.mkdir(parents=True, exist_ok=True)
    state_path, data_path = out / "pull-state.json", out / "objects.jsonl"
    state = json.loads(state_path.read_text("utf-8")) if state_path.exists() else {}
    if since and not state.get("added_after") and not state.get("next"):
        state["added_after"] = since  # --since only starts a pull; later ones go on from the state
    with data_path.open("ab") as fh:
        fh.truncate(state.get("bytes", 0))
    with hub.client() as http, data_path.open("ab") as fh:
        url = collection_url(http, collection) + "objects/"
        pages = 0
        while max_pages is None or pages < max_pages:
            params: dict[str, Any] = {"limit": limit}
            if state.get("added_after"):
                params["added_after"] = state["added_after"]
            if state.get("next"):
                params["next"] = state["next"]
            response = http.get(url, params=params)
            envelope = answer(response)
            objects = envelope.get("objects", [])
            fh.write(b"".join(json.dumps(o, separators=(",", ":")).encode() + b"\n" for o in objects))
            fh.flush()
            os.fsync(fh.fileno())
            state["bytes"] = fh.tell()
            if envelope.get("more"):
                state["next"] = envelope["next"]
            else:
                state.pop("next", None)
                state["added_after"] = response.headers.get(
                    "X-TAXII-Date-Added-Last", state.get("added_after")
                )
            _save_state(state_path, state)
            pages += 1
            yield len(objects)
            if not envelope.get("more"):
                return


def check_provenance(hub: Hub, object_id: str, collection: str = DEFAULT_COLLECTION) -> list[dict[str, Any]]:
    """Fetch an object's versions and the hub's signature proofs; verify each here, not trusting the hub."""
    with hub.client() as http:
        base = collection_url(http, collection)
        objects = answer(http.get(f"{base}objects/{object_id}/", params={"match[version]": "all"}))["objects"]
        collection_id = base.rstrip("/").rsplit("/", 1)[-1]
        proofs = answer(http.get(f"/aisac/provenance/{collection_id}/{object_id}"))["versions"]
    by_hash = {object_hash(o): o for o in objects}
    return [
        {
            "version": p["version"],
            "signer": p["signer"],
            "signed": p["signed"],
            "verified": p["signed"] and p["sha256"] in by_hash and verify_provenance(by_hash[p["sha256"]], p),
        }
        for p in proofs
    ]


def fetch(
    hub: Hub, types: tuple[str, ...] = (), collection: str = DEFAULT_COLLECTION, limit: int = 1000
) -> list[dict[str, Any]]:
    """The newest visible version of every object of `types` (all types when empty), page by page."""
    found: list[dict[str, Any]] = []
    with hub.client() as http:
        url = collection_url(http, collection) + "objects/"
        params: dict[str, Any] = {"limit": limit}
        if types:
            params["match[type]"] = ",".join(types)
        while True:
            envelope = answer(http.get(url, params=params))
            found += envelope.get("objects", [])
            if not envelope.get("more"):
                return found
            params["next"] = envelope["next"]


def collection_id(hub: Hub, collection: str = DEFAULT_COLLECTION) -> str:
    """The id of a collection given by id or title."""
    with hub.client() as http:
        return collection_url(http, collection).rstrip("/").rsplit("/", 1)[-1]


def get_json(hub: Hub, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A plain-JSON hub resource under /aisac/ (incidents, whoami, submitters), checked like TAXII."""
    with hub.client() as http:
        return answer(http.get(path, params=params, headers={"Accept": "application/json"}))
