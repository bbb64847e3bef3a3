"""Benchmark ``kneetriage serve`` on loopback: step latency under concurrent sessions, the
throughput of POST /api/v1/assess, and the server's memory over many sessions.

    python benchmarks/bench_web.py                              # the figures in docs/performance.md
    python benchmarks/bench_web.py --sessions 2000 --concurrency 20

It starts the real server (``python -m triage serve``, waitress, rate limit off) on a free
loopback port, and drives it with plain HTTP/1.1 keep-alive connections, one per simulated
browser, each with its own cookies. Every request goes to 127.0.0.1 only, in bounded loops.

- Step latency: ``--concurrency`` browsers (50) play whole questionnaires at once, answering at
  random; one step is what a person waits for after pressing Next: POST /answer and the GET of
  the next page that its 303 leads to. p50 and p95 over every step, once with no pause between
  steps (the server saturated) and once with a person's reading time (``--think``, 2 s average).
- Assess throughput: ``--assess`` requests (2,000) of POST /api/v1/assess from 8 connections,
  the forms of examples/forms.jsonl in turn.
- Memory: ``--sessions`` (10,000) short sessions (the start page, start, three answers), with the
  server's resident memory (VmRSS) read every tenth of the way. Nothing is kept between requests,
  so it should stay flat.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
STEP = re.compile(r'name="step" value="([^"]*)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Browser:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int, rng: random.Random):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.rng = rng
        self.page = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str | None]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                content = rest.split(";", 1)[0]
                if content in ("", '""') or "Max-Age=0" in value or "expires=Thu, 01 Jan 1970" in value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = content
        return response.status, text, response.getheader("Location")

    def get(self, path: str) -> int:
        status, self.page, _ = self.request("GET", path)
        return status

    def start(self) -> None:
        assert self.get("/") == 200
        status, _, location = self.request("POST", "/start", {"csrf": self.csrf(), "mode": "patient"})
        assert status == 303, status
        assert self.get(urllib.parse.urlparse(location).path) == 200

    def csrf(self) -> str:
        return CSRF.search(self.page).group(1)

    def step(self) -> bool:
        """Answer the question on the page at random (a choice or don't know); False at the end."""
        found = STEP.search(self.page)
        if not found:
            if "Continue the questions" in self.page:       # the emergency page: go on
                status, _, location = self.request("POST", "/continue", {"csrf": self.csrf()})
                self.get(urllib.parse.urlparse(location).path)
                return True
            return False
        fields = found.group(1).split(",")
        form = {"csrf": self.csrf(), "step": ",".join(fields), "action": "next",
                "at": re.search(r'name="at" value="([^"]+)"', self.page).group(1)}
        for name in fields:
            values = re.findall(rf'name="{re.escape(name)}" value="([^"]+)"', self.page)
            values = [v for v in values if v != name] or ["unknown"]
            form[name] = self.rng.choice(values) if self.rng.random() < 0.9 else "unknown"
        status, _, location = self.request("POST", "/answer", form)
        assert status == 303, (status, form)
        assert self.get(urllib.parse.urlparse(location).path) == 200
        return True


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_server(port: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "KNEETRIAGE_SECRET_KEY": "benchmark-secret-" + "x" * 32}
    process = subprocess.Popen([sys.executable, "-m", "triage", "serve", "--port", str(port), "--rate-limit", "0",
                                "--threads", str(threads)], env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def run_threads(count: int, work) -> float:
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def step_latency(port: int, concurrency: int, sessions_each: int, think: float = 0.0) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()

    def browse(i: int) -> None:
        rng = random.Random(i)
        browser = Browser(port, rng)
        for _ in range(sessions_each):
            browser.cookies.clear()
            browser.start()
            for _ in range(80):              # bounded: a questionnaire ends well before this
                if think:
                    time.sleep(rng.uniform(0, 2 * think))   # reading the question
                began = time.perf_counter()
                if not browser.step():
                    break
                took = time.perf_counter() - began
                with lock:
                    latencies.append(took)
        browser.conn.close()

    wall = run_threads(concurrency, browse)
    latencies.sort()
    return {"steps": len(latencies), "wall_s": wall,
            "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
            "steps_per_s": len(latencies) / wall}


def assess_throughput(port: int, requests: int, connections: int) -> dict:
    forms = [json.loads(line) for line in (REPO / "examples" / "forms.jsonl").read_text().splitlines() if line.strip()]
    each = requests // connections
    latencies: list[float] = []
    lock = threading.Lock()

    def post(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        for n in range(each):
            body = json.dumps(forms[(i * each + n) % len(forms)])
            began = time.perf_counter()
            conn.request("POST", "/api/v1/assess", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            with lock:
                latencies.append(time.perf_counter() - began)
        conn.close()

    wall = run_threads(connections, post)
    latencies.sort()
    return {"requests": len(latencies), "wall_s": wall, "per_s": len(latencies) / wall,
            "p50_ms": 1000 * statistics.median(latencies)}


def memory_over_sessions(port: int, pid: int, sessions: int, concurrency: int, steps: int) -> list[tuple[int, int]]:
    samples = [(0, rss_kib(pid))]
    tenth = max(1, sessions // 10)
    done = 0
    lock = threading.Lock()
    for _ in range(10):
        batch = min(tenth, sessions - done)
        if batch <= 0:
            break
        counter = iter(range(batch))

        def browse(i: int) -> None:
            rng = random.Random(done * 1000 + i)
            browser = Browser(port, rng)
            while True:
                with lock:
                    if next(counter, None) is None:
                        break
                browser.cookies.clear()
                browser.start()
                for _ in range(steps):
                    if not browser.step():
                        break
            browser.conn.close()

        run_threads(concurrency, browse)
        done += batch
        samples.append((done, rss_kib(pid)))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--sessions-each", type=int, default=2, help="whole questionnaires per browser")
    parser.add_argument("--think", type=float, nargs="+", default=[0.0, 2.0],
                        help="seconds a person reads each question, on average (0: answers at once)")
    parser.add_argument("--assess", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=3, help="answers per session in the memory run")
    parser.add_argument("--threads", type=int, default=4, help="the server's --threads")
    args = parser.parse_args()

    port = free_port()
    server = start_server(port, args.threads)
    try:
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, server threads {args.threads}")
        warm = Browser(port, random.Random(0))
        warm.start()
        while warm.step():
            pass
        for think in args.think:
            latency = step_latency(port, args.concurrency, args.sessions_each, think)
            print(f"step latency, {args.concurrency} concurrent sessions, think time {think:g} s on average: "
                  f"{latency['steps']} steps in {latency['wall_s']:.1f} s; p50 {latency['p50_ms']:.0f} ms, "
                  f"p95 {latency['p95_ms']:.0f} ms; {latency['steps_per_s']:.0f} steps/s")
        assess = assess_throughput(port, args.assess, 8)
        print(f"POST /api/v1/assess, 8 connections: {assess['requests']} in {assess['wall_s']:.1f} s; "
              f"{assess['per_s']:.0f} requests/s; p50 {assess['p50_ms']:.1f} ms")
        samples = memory_over_sessions(port, server.pid, args.sessions, args.concurrency, args.steps)
        print(f"\nserver memory over {args.sessions} sessions ({args.steps} answers each):")
        print("| sessions | server RSS (MiB) |\n|---:|---:|")
        for count, kib in samples:
            print(f"| {count:,} | {kib / 1024:.1f} |")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
