"""The report's inputs read over the hub's HTTP API as the calling member: TAXII for the objects, the hub's
report routes for submitters, incident facts, SLA figures and clearances. The hub decides what the member may
read, so a report can never see more than its author could fetch over TAXII."""

from __future__ import annotations

from typing import Any

import httpx

from aisac.intel.client import Hub, answer
from aisac.report.quarterly import Inputs, Quarter, newest

PAGE = 1000


def _collections(http: httpx.Client) -> list[str]:
    root = answer(http.get("/taxii2/"))["default"]
    found = answer(http.get(root + "collections/")).get("collections", [])
    return [f"{root}collections/{c['id']}/objects/" for c in found if c.get("can_read")]


def objects(http: httpx.Client) -> list[dict[str, Any]]:
    """The newest visible version of every object in every collection the member may read."""
    found: list[dict[str, Any]] = []
    for url in _collections(http):
        params: dict[str, Any] = {"limit": PAGE}
        while True:
            envelope = answer(http.get(url, params=params))
            found += envelope.get("objects", [])
            if not envelope.get("more"):
                break
            params["next"] = envelope["next"]
    return newest(found)


def sources(http: httpx.Client, ids: list[str]) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """Who submitted each object (and whether they consented to government sharing), in batches."""
    submitters: dict[str, list[str]] = {}
    members: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), PAGE):
        got = answer(http.post("/aisac/report/sources", json={"ids": ids[i : i + PAGE]}))
        submitters |= got["objects"]
        members |= got["members"]
    return submitters, members


def inputs(hub: Hub, quarter: Quarter | None) -> Inputs:
    """Everything a report needs, as `hub.member` may read it (incidents and SLA only for a quarter)."""
    with hub.client() as http:
        objs = objects(http)
        submitters, members = sources(http, [o["id"] for o in objs])
        incidents: list[dict[str, Any]] = []
        sla: list[dict[str, Any]] = []
        if quarter is not None:
            since, until = quarter.rfc3339()
            window = {"since": since, "until": until}
            incidents = answer(http.get("/aisac/report/incidents", params=window))["incidents"]
            sla = answer(http.get("/aisac/sla", params=window))["labs"]
            for row in sla:  # labs with no submissions in view are still signatories
                members.setdefault(row["lab"], {"role": "lab", "government": False})
        clearances = answer(http.get("/aisac/report/clearances"))["clearances"]
    return Inputs(objs, submitters, members, incidents, sla, clearances)


def role(hub: Hub) -> str:
    """The calling member's role, as the hub knows it."""
    with hub.client() as http:
        return str(answer(http.get("/aisac/me"))["role"])


def deliveries(hub: Hub) -> list[dict[str, Any]]:
    """The forum's earlier deliveries (public reports and agency exports), oldest first."""
    with hub.client() as http:
        return answer(http.get("/aisac/report/deliveries"))["deliveries"]


def record(hub: Hub, body: dict[str, Any]) -> dict[str, Any]:
    """Record a delivery at the hub (kind, label, sha256, attributions)."""
    with hub.client() as http:
        return answer(http.post("/aisac/report/deliveries", json=body))


def clear(hub: Hub, intrusion_set: str, reason: str) -> dict[str, Any]:
    """Clear an intrusion set for public naming (liaison)."""
    with hub.client() as http:
        return answer(http.post("/aisac/report/clearances", json={"intrusion_set": intrusion_set, "reason": reason}))


def consent(hub: Hub, government: bool) -> dict[str, Any]:
    """Set the calling lab's consent to government sharing."""
    with hub.client() as http:
        return answer(http.put("/aisac/consent", json={"government": government}))
