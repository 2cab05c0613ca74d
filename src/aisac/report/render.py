"""The quarterly report as files: HTML (Jinja2), PDF from that same HTML (WeasyPrint), and report.json.

Nothing is written unless the rendered text passes the leak check (sanitise.assert_clean).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from aisac.report import charts
from aisac.report.quarterly import Inputs, Report, public_vocabulary
from aisac.report.sanitise import assert_clean, secrets_of


def environment():  # type: ignore[no-untyped-def]
    """The Jinja2 environment over the report's templates (autoescaped)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("aisac.report", "templates"), autoescape=select_autoescape(["j2", "html"]))


def data_uri(svg: str) -> str:
    """An SVG as a data: URI, so pages and the PDF carry their charts inline."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def chart_uris(report: Report) -> dict[str, str]:
    """The report's charts as data: URIs (the HTML stays one self-contained file)."""
    return {
        "techniques": data_uri(
            charts.horizontal(
                "Campaigns per ATLAS technique",
                [f"{t} {name}" for t, name, _ in report.techniques],
                [n for _, _, n in report.techniques],
            )
        )
        if report.techniques
        else "",
        "monthly": data_uri(
            charts.grouped(
                "Activity per month",
                [m for m, _, _ in report.monthly],
                {"campaigns active": [c for _, c, _ in report.monthly], "incidents": [i for _, _, i in report.monthly]},
            )
        ),
        "sla": data_uri(
            charts.compliance(
                "48-hour compliance per lab", [s["lab"] for s in report.sla], [s["compliance"] for s in report.sla]
            )
        ),
    }


def context(report: Report, inputs: Inputs, author_role: str) -> dict[str, Any]:
    """Template variables shared by the standalone report and the analyst pages' preview."""
    return {
        "r": report,
        "charts": chart_uris(report),
        "signatories": sorted(inputs.labs()),
        "author_role": author_role,
    }


def html(report: Report, inputs: Inputs, author_role: str) -> str:
    """The report as one HTML page, checked for leaks against everything its author could read."""
    env = environment()
    text = env.get_template("report.html.j2").render(
        css=(Path(__file__).parent / "templates" / "report.css").read_text("utf-8"),
        **context(report, inputs, author_role),
    )
    assert_clean(text, secrets_of(inputs.objects), public_vocabulary(report))
    assert_clean(json.dumps(report.summary), secrets_of(inputs.objects), public_vocabulary(report))
    return text


def write(report: Report, inputs: Inputs, out: Path, author_role: str) -> dict[str, str]:
    """Write report.html, report.pdf and report.json under `out`; return each file's SHA-256."""
    from weasyprint import HTML

    page = html(report, inputs, author_role)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.html").write_text(page, "utf-8")
    HTML(string=page, base_url=str(out)).write_pdf(out / "report.pdf")
    (out / "report.json").write_text(json.dumps(report.summary, indent=2) + "\n", "utf-8")
    return {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest()
        for name in ("report.html", "report.pdf", "report.json")
    }
