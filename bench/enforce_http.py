"""HTTP decisions per second of `aisac guard serve` pinned to one core (taskset -c 1), wrk on the other (core 0).

Single-request POST /v1/decide and batched POST /v1/decide/batch are both measured with wrk (Lua script
cycling through realistic request bodies), falling back to nothing if wrk is not installed.

    .venv/bin/python bench/enforce_http.py --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from enforce_latency import make_requests

LUA = """
local bodies = {}
local f = io.open("%s", "r")
for line in f:lines() do bodies[#bodies + 1] = line end
f:close()
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "%s", {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, path: str, bodies: Path, seconds: int, connections: int, core: int, server: int) -> dict:
    """wrk's requests per second (wrk pinned to `core`), and requests per CPU second of the server process:
    on a shared machine the wall-clock rate also counts the time the server's core ran other jobs."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(LUA % (bodies, path))
    cpu0 = cpu_seconds(server)
    out = subprocess.run(
        ["taskset", "-c", str(core), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", lua.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = cpu_seconds(server) - cpu0
    os.unlink(lua.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses:\n{out}")
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))),
        "per_cpu_s": round(total / cpu) if cpu > 0 else None,
        "server_cpu_share": round(cpu / seconds, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--server-core", type=int, default=1, help="the one core the server process may use")
    ap.add_argument("--load-core", type=int, default=0, help="the core wrk runs on")
    ap.add_argument("--out", default=str(Path(__file__).parent / "out" / "enforce_http.json"))
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp())
    aisac = str(Path(sys.executable).parent / "aisac")
    serve = [aisac, "guard", "serve", "--port", str(port), "--appeals-db", str(work / "appeals.sqlite")]
    server = subprocess.Popen(["taskset", "-c", str(args.server_core), *serve])
    try:
        deadline = time.time() + 30
        while True:
            try:
                httpx.post(url + "/v1/decide", json={"account.id": "warm"}, timeout=1)
                break
            except httpx.HTTPError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        reqs = make_requests(20_000, 10_000, random.Random(3), True)
        now = time.time()
        for r in reqs:
            r["time"] = now  # wall-clock mode: keep the requests within the skew tolerance
        single = work / "single.txt"
        single.write_text("\n".join(json.dumps(r) for r in reqs) + "\n")
        batch = work / "batch.txt"
        chunks = [reqs[i : i + args.batch] for i in range(0, len(reqs), args.batch)]
        batch.write_text("\n".join(json.dumps(c) for c in chunks) + "\n")
        load_before = os.getloadavg()[0]
        single = wrk(url, "/v1/decide", single, args.seconds, args.connections, args.load_core, server.pid)
        batched = wrk(
            url, "/v1/decide/batch", batch, args.seconds, max(2, args.connections // 8), args.load_core, server.pid
        )
        res = {
            "server_core": args.server_core,
            "load_core": args.load_core,
            "seconds": args.seconds,
            "connections": args.connections,
            "single_decisions_per_s": single["per_s"],
            "single_decisions_per_server_cpu_s": single["per_cpu_s"],
            "single_server_cpu_share": single["server_cpu_share"],
            "batch_size": args.batch,
            "batch_requests_per_s": batched["per_s"],
            "batch_decisions_per_s": batched["per_s"] * args.batch,
            "batch_decisions_per_server_cpu_s": batched["per_cpu_s"] * args.batch,
            "load_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
        print(json.dumps(res, indent=2))
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(res, indent=2))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
