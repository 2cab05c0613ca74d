"""Screenshots of the analyst pages and PNG renders of a quarterly report's PDF pages, for docs/img/.

Starts a real hub on SQLite in a temporary directory, plants a quarter of the multi-lab forum (the test
suite's data set, canaries included), publishes the quarterly report as the chair, and photographs the main
pages in Debian's Chromium through Playwright. PDF pages are rendered with pdftoppm (poppler-utils).

    PYTHONPATH=src:tests/report python bench/ui_screenshots.py --out docs/img
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "report"))

from forumdata import aisac, plant

from aisac.hub.db import make_engine, migrate
from tests.support.hubfixtures import MEMBERS, Hub
from tests.support.hubserver import HubProcess, enrol

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SHOTS = {  # file -> (member, path)
    "ui-incidents.png": ("google", "/ui/incidents"),
    "ui-campaigns.png": ("chair", "/ui/campaigns"),
    "ui-search.png": ("liaison", "/ui/search?q=operation"),
    "ui-sla.png": ("chair", "/ui/sla"),
    "ui-report-preview.png": ("chair", "/ui/report"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = f"sqlite:///{work / 'hub.db'}"
        engine = make_engine(db)
        migrate(engine)
        members = enrol(engine, work, MEMBERS)
        process = HubProcess(db, work).start()
        try:
            hub = Hub(process.url, db, engine, process, members, work)
            forum = plant(hub)
            report = work / "report"
            run = aisac(hub, "chair", "report", "quarterly", "--hub", hub.url, "--quarter", forum.quarter.label,
                        "--out", str(report))  # fmt: skip
            if run.returncode:
                raise SystemExit(run.stderr)
            subprocess.run(["pdftoppm", "-png", "-r", "60", str(report / "report.pdf"), str(out / "report-page")],
                           check=True)  # fmt: skip
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for name, (member, path) in SHOTS.items():
                    page = browser.new_page(viewport={"width": 1200, "height": 800})
                    page.goto(f"{hub.url}/ui/login")
                    page.fill("input[name=member]", member)
                    page.fill("input[name=key]", members[member].key)
                    page.click("button[type=submit]")
                    page.goto(f"{hub.url}{path}")
                    page.screenshot(path=str(out / name), full_page=name != "ui-report-preview.png")
                    page.close()
                browser.close()
        finally:
            process.stop()
            engine.dispose()
    print("\n".join(sorted(str(p) for p in out.glob("*.png"))))


if __name__ == "__main__":
    main()
