"""A bounded load generator for the drills (SECURITY.md §I): loopback only.

Threads with keep-alive connections (``http.client``) send a weighted mix of
requests to ``http://127.0.0.1:PORT`` at a fixed total rate and stop after a
fixed time or count, whichever comes first. Every answer is recorded: when it
was sent, how long it took, its status, whether a 503 carried ``Retry-After``
and whether the body leaked a trace or a driver's name, and for writes the id
it acknowledged.
"""

import http.client
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# uvicorn closes a keep-alive connection idle for 5 s; a client that reuses it
# later writes into a closed socket. Like a browser, open a new one instead.
IDLE_S = 4.0
LEAKS = (b"Traceback", b'File "', b"sqlalchemy", b"psycopg", b"sqlite3")


@dataclass(frozen=True)
class Request:
    """One kind of request of the mix."""

    name: str
    method: str
    path: Callable[[random.Random, int], str]
    weight: float
    headers: dict[str, str] = field(default_factory=dict)
    body: Callable[[random.Random, int], dict[str, Any]] | None = None
    # Raw bytes instead of a JSON body (a photo), sent with ``content_type``.
    content: Callable[[random.Random, int], bytes] | None = None
    content_type: str = "application/octet-stream"


@dataclass
class Record:
    """One answer (status 0: no answer, the connection failed)."""

    name: str
    sent: float
    seconds: float
    status: int
    retry_after: bool
    leak: bool
    acknowledged: Any = None
    error: str = ""


@dataclass
class LoadResult:
    """Every answer of a run, in the order they came."""

    records: list[Record]
    started: float

    def between(self, start: float, end: float) -> list[Record]:
        """Answers to requests sent between two times (``time.monotonic``)."""
        return [r for r in self.records if start <= r.sent < end]


def _connection(port: int, timeout: float) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def run(
    port: int,
    mix: list[Request],
    *,
    seconds: float,
    rate: float,
    threads: int = 8,
    max_requests: int = 100_000,
    timeout: float = 15.0,
    seed: int = 44,
    forwarded: bool = False,
) -> LoadResult:
    """Send ``mix`` to 127.0.0.1:``port`` at about ``rate`` requests a second."""
    records: list[Record] = []
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds
    counter = iter(range(max_requests))
    weights = [r.weight for r in mix]

    def worker(index: int) -> None:
        rng = random.Random(seed + index)
        conn = _connection(port, timeout)
        interval = threads / rate
        next_at = started + rng.random() * interval
        last_used = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            if now < next_at:
                time.sleep(min(next_at - now, deadline - now))
                continue
            next_at += interval
            with lock:
                n = next(counter, None)
            if n is None:
                break
            kind = rng.choices(mix, weights)[0]
            body = json.dumps(kind.body(rng, n)).encode() if kind.body else None
            headers = {"Host": "127.0.0.1", **kind.headers}
            if kind.content is not None:
                body = kind.content(rng, n)
                headers["Content-Type"] = kind.content_type
            if forwarded:
                # Phones behind the reverse proxy: 250 loopback addresses, each
                # sending about one request in 250 (a person, not a script).
                headers["X-Forwarded-For"] = f"127.1.{index}.{n % 250 + 1}"
            if body is not None and kind.content is None:
                headers["Content-Type"] = "application/json"
            sent = time.monotonic()
            if sent - last_used > IDLE_S:
                conn.close()
                conn = _connection(port, timeout)
            try:
                conn.request(kind.method, kind.path(rng, n), body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                record = Record(
                    kind.name,
                    sent,
                    time.monotonic() - sent,
                    response.status,
                    response.getheader("retry-after") is not None,
                    any(leak in data for leak in LEAKS),
                )
                if body is not None and response.status in (200, 201):
                    record.acknowledged = json.loads(data).get("id")
                if response.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = _connection(port, timeout)
            except (OSError, http.client.HTTPException) as exc:
                record = Record(
                    kind.name, sent, time.monotonic() - sent, 0, False, False,
                    error=type(exc).__name__,
                )  # fmt: skip
                conn.close()
                conn = _connection(port, timeout)
            last_used = time.monotonic()
            with lock:
                records.append(record)
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    records.sort(key=lambda r: r.sent)
    return LoadResult(records, started)
