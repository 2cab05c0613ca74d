"""The /ui/ pages: sign-in, incidents with their 48-hour clocks, campaigns and clusters, objects, search,
SLA compliance, and a preview of the quarterly report. Every object, name and count comes from ui.data,
which reads under the TAXII visibility condition; incidents follow the incident API's role rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs, quote

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from aisac.contract.stix import NAMES
from aisac.hub import incidents
from aisac.hub.members import AuthError
from aisac.hub.reporting import REPORTERS
from aisac.hub.timefmt import now_us, parse_ts
from aisac.hub.tlp import level_of
from aisac.ui import auth, data, graph

router = APIRouter(prefix="/ui")
INCIDENT_ROLES = ("lab", "chair")  # as GET /aisac/incidents/
MAX_FORM = 16 * 1024


@cache
def _env():  # type: ignore[no-untyped-def]
    from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=ChoiceLoader([PackageLoader("aisac.ui", "templates"), PackageLoader("aisac.report", "templates")]),
        autoescape=select_autoescape(["j2", "html"]),
    )
    env.filters["tlp"] = lambda obj: NAMES[level_of(obj)].upper()
    return env


def page(request: Request, template: str, viewer: auth.Viewer | None, status: int = 200, **values: Any) -> HTMLResponse:
    """Render a page (with the signed-in member and its CSRF token for forms)."""
    body = _env().get_template(template).render(request=request, viewer=viewer, **values)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > MAX_FORM:
        raise auth.CsrfError("form too large")
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}


async def _viewer(request: Request) -> auth.Viewer:
    return await anyio.to_thread.run_sync(auth.viewer, request)


def _run(request: Request, fn, *args):  # type: ignore[no-untyped-def]
    """Call fn(conn, *args) on a fresh connection in a worker thread."""

    def call():  # type: ignore[no-untyped-def]
        with request.app.state.engine.connect() as conn:
            return fn(conn, *args)

    return anyio.to_thread.run_sync(call)


@router.get("/login")
def login_form(request: Request, next: str = "/ui/") -> HTMLResponse:
    return page(request, "login.html.j2", None, next=next if next.startswith("/ui/") else "/ui/")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    target = form.get("next", "/ui/")
    target = target if target.startswith("/ui/") else "/ui/"
    try:
        cookie = await anyio.to_thread.run_sync(auth.sign_in, request, form.get("member", ""), form.get("key", ""))
    except AuthError:
        return page(request, "login.html.j2", None, 401, next=target, error="Unknown member name or key.")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        auth.COOKIE,
        cookie,
        max_age=auth.SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/ui/",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    viewer = await _viewer(request)
    auth.check_csrf(viewer, (await _form(request)).get("csrf"))
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/ui/")
    return response


@router.get("/")
async def home(request: Request) -> HTMLResponse:
    viewer = await _viewer(request)
    counts = await _run(request, data.type_counts, viewer.member)
    return page(request, "home.html.j2", viewer, counts=sorted(counts.items()))


def _clock(view: incidents.IncidentView, now: int) -> str:
    left = parse_ts(view.deadline) - now
    hours, minutes = divmod(abs(left) // 60_000_000, 60)
    return f"{hours} h {minutes:02d} min left" if left > 0 else f"deadline passed {hours} h {minutes:02d} min ago"


@router.get("/incidents")
async def incident_list(request: Request) -> HTMLResponse:
    viewer = await _viewer(request)
    if viewer.member.role not in INCIDENT_ROLES:
        return page(request, "error.html.j2", viewer, 403, message=f"Role {viewer.member.role} may not read incidents.")
    views = await _run(request, lambda conn: incidents.views(conn))
    shown = await anyio.to_thread.run_sync(incidents.for_member, request.app.state.engine, viewer.member, views)
    now = now_us()
    rows = [v | {"clock": _clock(view, now)} for v, view in zip(shown, views, strict=True)]
    return page(request, "incidents.html.j2", viewer, incidents=rows)


@router.post("/incidents/{incident_id}/ack")
async def incident_ack(request: Request, incident_id: str) -> Response:
    viewer = await _viewer(request)
    auth.check_csrf(viewer, (await _form(request)).get("csrf"))
    if viewer.member.role not in INCIDENT_ROLES:
        return page(request, "error.html.j2", viewer, 403, message="Only labs and the chair acknowledge incidents.")
    try:
        await anyio.to_thread.run_sync(incidents.acknowledge, request.app.state.engine, viewer.member, incident_id)
    except KeyError:
        return page(request, "error.html.j2", viewer, 404, message="No such incident.")
    return RedirectResponse("/ui/incidents", status_code=303)


@router.get("/campaigns")
async def campaigns(request: Request) -> HTMLResponse:
    viewer = await _viewer(request)
    kinds = ["campaign", "intrusion-set", "attack-pattern", "relationship"]
    objs = await _run(request, data.visible_objects, viewer.member, kinds)
    by_id = {o["id"]: o for o in objs}
    rels = [o for o in objs if o["type"] == "relationship" and {o["source_ref"], o["target_ref"]} <= by_id.keys()]
    clusters = []
    for s in sorted((o for o in objs if o["type"] == "intrusion-set"), key=lambda o: o.get("name", "")):
        tied = [
            by_id[r["source_ref"]]
            for r in rels
            if r["relationship_type"] == "attributed-to" and r["target_ref"] == s["id"]
        ]
        clusters.append({"obj": s, "campaigns": tied})
    rows = []
    for c in sorted((o for o in objs if o["type"] == "campaign"), key=lambda o: o.get("first_seen", "")):
        uses = [by_id[r["target_ref"]] for r in rels if r["source_ref"] == c["id"] and r["relationship_type"] == "uses"]
        rows.append({"obj": c, "techniques": [u for u in uses if u["type"] == "attack-pattern"]})
    picture = graph.picture([o for o in objs if o["type"] != "relationship"] + rels)
    return page(request, "campaigns.html.j2", viewer, clusters=clusters, campaigns=rows, picture=picture)


@router.get("/objects/{stix_id}")
async def object_page(request: Request, stix_id: str) -> HTMLResponse:
    viewer = await _viewer(request)
    obj = await _run(request, data.one, viewer.member, stix_id)
    if obj is None:
        return page(request, "error.html.j2", viewer, 404, message=f"No object {stix_id} for {viewer.member.name}.")
    rels = await _run(request, data.relationships, viewer.member, stix_id)
    return page(
        request, "object.html.j2", viewer, obj=obj, rels=rels, body=json.dumps(obj, indent=2, ensure_ascii=False)
    )


@router.get("/search")
async def search(request: Request, q: str = "") -> HTMLResponse:
    viewer = await _viewer(request)
    hits = await _run(request, data.search, viewer.member, q.strip()) if len(q.strip()) >= 2 else []
    return page(request, "search.html.j2", viewer, q=q, hits=hits)


@router.get("/sla")
async def sla(request: Request) -> HTMLResponse:
    from aisac.report import charts, render

    viewer = await _viewer(request)
    rows = await _run(request, lambda conn: incidents.sla(conn))
    svg = charts.compliance("48-hour compliance per lab", [r["lab"] for r in rows], [r["compliance"] for r in rows])
    return page(request, "sla.html.j2", viewer, rows=rows, chart=render.data_uri(svg))


def _current_quarter() -> str:
    now = datetime.now(UTC)
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


@router.get("/report")
async def report_preview(request: Request, quarter: str = "") -> HTMLResponse:
    from aisac.report import render
    from aisac.report.quarterly import Quarter, build
    from aisac.report.sanitise import LeakError

    viewer = await _viewer(request)
    if viewer.member.role not in REPORTERS:
        return page(request, "error.html.j2", viewer, 403, message="Only the chair and the liaison prepare the report.")
    try:
        q = Quarter.parse(quarter or _current_quarter())
    except ValueError as exc:
        return page(request, "error.html.j2", viewer, 400, message=str(exc))
    inputs = await _run(request, data.report_inputs, viewer.member, q)
    report = build(inputs, q)
    try:
        render.html(report, inputs, viewer.member.role)  # the same leak check as the published files
    except LeakError as exc:
        return page(request, "error.html.j2", viewer, 500, message=f"Preview withheld: {exc}")
    return page(
        request, "preview.html.j2", viewer, quarter=q.label, **render.context(report, inputs, viewer.member.role)
    )


async def _sign_in_first(request: Request, _exc: Exception) -> Response:
    if request.headers.get("authorization"):
        return HTMLResponse("sign-in failed", status_code=401, headers={"WWW-Authenticate": 'Basic realm="aisac hub"'})
    return RedirectResponse(f"/ui/login?next={quote(request.url.path)}", status_code=303)


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    return page(request, "error.html.j2", None, 403, message=str(exc))


def mount(app: FastAPI) -> None:
    """Serve the pages and their stylesheet under /ui/ of the hub app."""
    from importlib import resources

    app.state.session_secret = auth.secret()
    app.include_router(router)
    app.mount(
        "/ui/static", StaticFiles(directory=str(resources.files("aisac.ui").joinpath("static"))), name="ui-static"
    )
    app.add_exception_handler(auth.SignInRequired, _sign_in_first)
    app.add_exception_handler(auth.CsrfError, _csrf_refused)
