"""A huge or hostile response does not blow up the worker: peak RSS growth per Test.

    .venv/bin/python bench/memory.py

Starts the production command (`make serve`) with one gthread worker, and a local upstream
that answers with: 100 MB declared in Content-Length; 100 MB with no length (read until the
cap, STUDIO_MAX_RESPONSE_BYTES = 10 MB); a gzip bomb (1 MB that inflates to 1 GB); and, for
comparison, a 9 MB JSON body just under the cap, which is kept (truncated) and shown. Before
each Test the worker's peak is reset (/proc/PID/clear_refs) and after it the growth of its
peak RSS (VmHWM) over its RSS before is printed (budget 30 MB for the 100 MB body and the
bomb), measured in one run.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.servers import (
    MAKE_SERVE,
    Server,
    Site,
    create_action,
    create_connector,
    csrf_token,
    log_in,
    press_test,
)
from tests.helpers.upstream import Received, Reply, Upstream  # noqa: E402

MB = 1024 * 1024
BUDGET_MB = 30


def zeros_gzip(size: int) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        chunk = bytes(MB)
        for _ in range(size // MB):
            gz.write(chunk)
    return out.getvalue()


def stream_without_length(size: int):
    def raw(sock: socket.socket, got: Received) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
        chunk = b"x" * MB
        try:
            for _ in range(size // MB):
                sock.sendall(chunk)
        except OSError:
            pass  # the studio hung up at its cap, as it should

    return raw


def status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields


def main() -> None:
    bomb = zeros_gzip(1024 * MB)
    big_json = json.dumps({"data": ["x" * 1000] * (9 * 1024)}).encode()
    cases = [
        ("100 MB, Content-Length", Reply(body=b"x" * (100 * MB)), None),
        ("100 MB, no length", None, stream_without_length(100 * MB)),
        (
            f"gzip bomb {len(bomb) / MB:.1f} MB -> 1 GB",
            Reply(headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"}, body=bomb),
            None,
        ),
        (f"{len(big_json) / MB:.1f} MB JSON (kept)", Reply(body=big_json), None),
    ]
    site = Site(Path(tempfile.mkdtemp()))
    rows = []
    try:
        site.prepare()
        with Upstream() as upstream, Server(site, MAKE_SERVE, WEB_CONCURRENCY="1") as server:
            upstream.server.handle_error = lambda *args: None  # the studio hangs up early
            session = log_in(server.url, "alice")
            create_connector(session, server.url, "Big", upstream.url)
            action_url = create_action(session, server.url, "Big", "get", "/big")
            token = csrf_token(session, action_url)
            [worker] = server.worker_pids()
            for _ in range(3):  # warm up: imports, templates, connections, a first run
                press_test(session, action_url, token)
                session.get(action_url)
            for label, reply, raw in cases:
                upstream.reply, upstream.raw = reply or Reply(), raw
                Path(f"/proc/{worker}/clear_refs").write_text("5")  # peak := now
                before = status(worker)
                response = press_test(session, action_url, token)
                after = status(worker)
                shown = re.search(r"<strong>([^<]*)</strong>", response.text)[1]
                rows.append((label, before["VmRSS"], after["VmHWM"], shown, response.status_code))
    finally:
        site.drop()

    print(f"Worker memory per Test (one gthread worker, cap 10 MB), pid {worker}")
    print(f"{'upstream answer':<28} {'RSS before':>11} {'peak':>9} {'growth':>8}  result")
    for label, rss, peak, shown, code in rows:
        growth = (peak - rss) / MB
        print(
            f"{label:<28} {rss / MB:>9.1f}MB {peak / MB:>7.1f}MB {growth:>6.1f}MB  {code} {shown}"
        )
    worst = max((peak - rss) / MB for label, rss, peak, _, _ in rows if "kept" not in label)
    print(f"Largest growth for the 100 MB bodies and the bomb: {worst:.1f} MB (budget {BUDGET_MB})")
    assert worst < BUDGET_MB


if __name__ == "__main__":
    main()
