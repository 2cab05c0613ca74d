"""An SVG picture of how clusters link: intrusion sets, the campaigns attributed to them, the techniques
those campaigns use. Plain SVG with links to each object's page (no script); built only from objects the
member can see, so the picture shows nothing the pages do not."""

from __future__ import annotations

from html import escape
from typing import Any

COLUMNS = (("intrusion-set", "Clusters"), ("campaign", "Campaigns"), ("attack-pattern", "Techniques"))
LINKS = {"attributed-to", "uses"}
ROW, WIDTH, BOX_W, BOX_H, TOP = 34, 760, 220, 24, 40


def _label(obj: dict[str, Any]) -> str:
    name = str(obj.get("name") or obj["id"])
    return name if len(name) <= 30 else name[:29] + "…"


def picture(objects: list[dict[str, Any]]) -> str:
    """SVG text: one column per kind, a line per visible relationship between them."""
    by_id = {o["id"]: o for o in objects}
    columns = [[o for o in objects if o.get("type") == kind] for kind, _ in COLUMNS]
    place: dict[str, tuple[float, float]] = {}
    for i, col in enumerate(columns):
        x = 10 + i * (WIDTH - BOX_W - 20) / (len(COLUMNS) - 1)
        for j, obj in enumerate(sorted(col, key=_label)):
            place[obj["id"]] = (x, TOP + j * ROW)
    height = TOP + max((len(c) for c in columns), default=1) * ROW + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'role="img" aria-label="How clusters, campaigns and techniques link" font-family="DejaVu Sans" font-size="11">'
    ]
    for i, (_, title) in enumerate(COLUMNS):
        x = 10 + i * (WIDTH - BOX_W - 20) / (len(COLUMNS) - 1)
        parts.append(f'<text x="{x}" y="20" font-weight="bold">{title}</text>')
    for rel in objects:
        if rel.get("type") != "relationship" or rel.get("relationship_type") not in LINKS:
            continue
        a, b = place.get(rel.get("source_ref", "")), place.get(rel.get("target_ref", ""))
        if a and b and rel["source_ref"] in by_id and rel["target_ref"] in by_id:
            (x1, y1), (x2, y2) = sorted([a, b])
            color = "#d9822b" if rel["relationship_type"] == "attributed-to" else "#9aa5b1"
            parts.append(
                f'<line x1="{x1 + BOX_W}" y1="{y1 + BOX_H / 2}" x2="{x2}" y2="{y2 + BOX_H / 2}" '
                f'stroke="{color}" stroke-width="1.5"><title>{escape(rel["relationship_type"])}</title></line>'
            )
    for obj_id, (x, y) in place.items():
        obj = by_id[obj_id]
        parts.append(
            f'<a href="/ui/objects/{escape(obj_id)}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" '
            f'fill="#f1f4f7" stroke="#1f5f99"/><text x="{x + 6}" y="{y + 16}">{escape(_label(obj))}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)
