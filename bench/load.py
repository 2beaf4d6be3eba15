"""Throughput: the list-and-board mix through gunicorn, many clients at once (issue 12).

    DATABASE_URL=postgres://… python -m bench.load --workers 4 --clients 20 --seconds 60

Starts gunicorn as docs/operations.md runs it (``config/gunicorn_conf.py``, DEBUG off) with
``--workers`` processes on a free local port, signs in a rep, a region manager and the
administrator of ``tandem bench-data``'s company (sessions in the database, as a browser's),
and lets ``--clients`` threads request, each over its own kept-alive connection, the deal list
as it opens and the board in turn, each as one of the three people, for ``--seconds`` after a
warm-up. Prints requests per second, latency p50/p95/max and the answers that were not 200;
``--json FILE`` writes them. The clients run on the same machine, so they take some of its CPU.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import interpreter

ROOT = Path(__file__).resolve().parent.parent
MIX = ("/deals/", "/deals/board/")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sessions() -> list[str]:
    """Session keys of a rep, a region manager and the administrator, signed in the way a browser
    is (a session row in the database, as Django's test client writes it)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import Client

    from bench.run import _everyone, _region_manager, _rep

    keys = []
    for user in (_rep(), _region_manager(), _everyone()):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies["sessionid"].value)
    return keys


def _wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode}) before it answered.")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz in time.")


class Clients:
    def __init__(self, port: int, sessions: list[str], clients: int) -> None:
        self.port = port
        self.sessions = sessions
        self.clients = clients
        self.timings: list[float] = []
        self.failures: dict[int, int] = {}
        self.lock = threading.Lock()
        self.measuring = False
        self.stop = False

    def client(self, number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        turn = number
        while not self.stop:
            path = MIX[turn % len(MIX)]
            session = self.sessions[(turn // len(MIX)) % len(self.sessions)]
            turn += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            if self.measuring:
                with self.lock:
                    if status == 200:
                        self.timings.append(elapsed)
                    else:
                        self.failures[status] = self.failures.get(status, 0) + 1
        connection.close()

    def run(self, warm_up: float, seconds: float) -> float:
        threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(self.clients)]
        for thread in threads:
            thread.start()
        time.sleep(warm_up)
        self.measuring = True
        started = time.perf_counter()
        time.sleep(seconds)
        self.measuring = False
        elapsed = time.perf_counter() - started
        self.stop = True
        for thread in threads:
            thread.join(timeout=70)
        return elapsed


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=10)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit(
            "bench.load needs DATABASE_URL pointing at the PostgreSQL database of tandem bench-data."
        )
    sessions = _sessions()
    port = _free_port()
    env = {**os.environ, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "config/gunicorn_conf.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, server)
        clients = Clients(port, sessions, args.clients)
        elapsed = clients.run(args.warm_up, args.seconds)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    timings = sorted(clients.timings)
    result: dict[str, Any] = {
        "workers": args.workers,
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": len(timings),
        "requests_per_second": round(len(timings) / elapsed, 1),
        "p50_ms": round(statistics.median(timings), 1) if timings else None,
        "p95_ms": round(timings[max(0, round(0.95 * (len(timings) - 1)))], 1) if timings else None,
        "max_ms": round(timings[-1], 1) if timings else None,
        "not_200": clients.failures,
        "mix": list(MIX),
        "load_average": os.getloadavg(),
        "python": interpreter(),
    }
    print(
        f"{interpreter()}, {args.workers} gunicorn workers, {args.clients} clients, {elapsed:.0f} s: "
        f"{result['requests_per_second']} requests/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"max {result['max_ms']} ms, not 200: {clients.failures or 'none'}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
