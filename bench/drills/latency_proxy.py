"""Drill T46: the database slow, then a black hole, then resetting, under load.

What it does (loopback only, about two minutes, bounded):

1. A throwaway PostgreSQL cluster (as ``pg_restart``), the schema at head, the
   demo data and API tokens for an official and a team leader.
2. A small asyncio TCP proxy on a free 127.0.0.1 port in front of it, and
   ``ocop-tracker serve --workers 2`` whose database URL points at the proxy.
3. The field load of T44/T45 (``bench/load.py``: public pages, lists as the
   official, producers created by the team leader) at ``--rate`` requests a
   second while the proxy goes through its modes, each for ``--fault-seconds``
   (default 20) with ``--pass-seconds`` (default 15) of normal passing
   between them:

   - ``pass``: bytes forwarded both ways as they come;
   - ``latency``: every chunk from the app to PostgreSQL held ``+2 s`` before
     it is forwarded (each round trip 2 s longer, order kept);
   - ``black hole``: connections accepted, nothing forwarded either way (held
     bytes are delivered once it passes again, as TCP would after a partition);
   - ``reset``: open connections closed with RST, new ones accepted and reset.

   ``/readyz`` is polled every half second throughout.
4. Findings (SECURITY.md T46): no 500, every failure a 503 with
   ``Retry-After`` and a generic body; latency: only 503s, no pool deadlock
   (every request sent ``RECOVERY_S`` after it ends succeeds); black hole:
   every request answered within 10 s, readiness not ready, recovery once it
   passes again; reset: as T45 (503, back within 5 s); every acknowledged
   write present once with its audit row.

    .venv/bin/python -m bench.drills.latency_proxy [--rate 40] [--fault-seconds 20]
"""

import argparse
import asyncio
import os
import socket
import struct
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from bench import load
from bench.drills.common import (
    Checks,
    check_writes,
    demo_setup,
    field_mix,
    free_port,
    http_status,
    pg_cluster,
    say,
    serve,
)

LATENCY_S = 2.0
BLACK_HOLE_ANSWER_S = 10.0
RECOVERY_S = 5.0
LOAD_THREADS = 120
MODES = ("pass", "latency", "black hole", "reset")


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close a connection with RST (SO_LINGER 0), not FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with suppress(OSError):
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
    writer.transport.abort()


class FaultProxy:
    """A TCP proxy on 127.0.0.1 whose mode the drill switches (see MODES).

    It runs its own asyncio loop in a thread; ``set_mode`` may be called from
    any thread. ``stop`` closes everything.
    """

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.port = free_port()
        self.mode = "pass"
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._flowing = asyncio.Event()
        self._open: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        """Listen and forward (mode ``pass``)."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)

    def stop(self) -> None:
        """Close the listener and every connection; end the loop's thread."""
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def set_mode(self, mode: str) -> None:
        """Switch to ``mode`` (one of MODES); returns once it holds."""
        assert mode in MODES

        async def switch() -> None:
            self._switch(mode)

        asyncio.run_coroutine_threadsafe(switch(), self._loop).result(10)

    async def _listen(self) -> None:
        self._flowing.set()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for client, upstream in list(self._open):
            client.transport.abort()
            upstream.transport.abort()
        self._flowing.set()
        await asyncio.sleep(0.2)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _switch(self, mode: str) -> None:
        self.mode = mode
        if mode == "black hole":
            self._flowing.clear()
            return
        self._flowing.set()
        if mode == "reset":
            for client, upstream in list(self._open):
                _reset(client)
                upstream.transport.abort()

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        if self.mode == "reset":
            _reset(writer)
            return
        # A black hole accepts and holds: PostgreSQL sees nothing of it (no
        # backend waits for a start-up packet) until it passes again.
        await self._flowing.wait()
        if self.mode == "reset" or reader.at_eof():
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            _reset(writer)
            return
        pair = (writer, up_writer)
        self._open.add(pair)
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer, delayed=True),
                self._pipe(up_reader, writer, delayed=False),
                return_exceptions=True,
            )
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        finally:
            self._open.discard(pair)
            writer.transport.abort()
            up_writer.transport.abort()

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        *,
        delayed: bool,
    ) -> None:
        """Forward one direction; the latency applies to the app's side only."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            try:
                while data := await source.read(65536):
                    queue.put_nowait((self._loop.time(), data))
            finally:
                # End of stream, reset or cancelled: the writer stops too.
                queue.put_nowait((self._loop.time(), b""))

        reading = asyncio.create_task(read())
        try:
            while True:
                arrived, data = await queue.get()
                await self._flowing.wait()
                if delayed and self.mode == "latency":
                    await asyncio.sleep(
                        max(0.0, arrived + LATENCY_S - self._loop.time())
                    )
                    await self._flowing.wait()
                if not data:
                    break
                sink.write(data)
                await sink.drain()
        finally:
            reading.cancel()
            sink.transport.abort()


@dataclass
class Phase:
    """One mode of the proxy and when it held (``time.monotonic``)."""

    mode: str
    start: float
    end: float


def run(rate: float, fault_seconds: float, pass_seconds: float) -> Checks:
    """The whole drill; see the module docstring."""
    check = Checks()
    plan = ["pass", "latency", "pass", "black hole", "pass", "reset", "pass"]
    lengths = [fault_seconds if m != "pass" else pass_seconds for m in plan]
    seconds = sum(lengths)
    with (
        pg_cluster() as cluster,
        tempfile.TemporaryDirectory(prefix="ocop-drill-") as tmp,
    ):
        say(f"cluster on 127.0.0.1:{cluster.port}; schema and demo data")
        setup = demo_setup(cluster.url)
        proxy = FaultProxy(cluster.port)
        proxy.start()
        try:
            via_proxy = cluster.url.replace(f":{cluster.port}/", f":{proxy.port}/")
            port = free_port()
            with serve(via_proxy, port, Path(tmp) / "media"):
                say(
                    f"proxy 127.0.0.1:{proxy.port} -> {cluster.port}; serve --workers "
                    f"2 on 127.0.0.1:{port}; load {seconds:.0f} s at {rate}/s"
                )
                phases: list[Phase] = []
                readiness: list[tuple[float, float, int]] = []
                stop = threading.Event()

                def faults(start: float) -> None:
                    at = start
                    for mode, length in zip(plan, lengths, strict=True):
                        proxy.set_mode(mode)
                        say(f"proxy: {mode} for {length:.0f} s")
                        phases.append(Phase(mode, at, at + length))
                        at += length
                        stop.wait(max(0.0, at - time.monotonic()))

                def ready_poll() -> None:
                    while not stop.is_set():
                        sent = time.monotonic()
                        status = http_status(port, "/readyz", 15)
                        readiness.append((sent, time.monotonic(), status))
                        stop.wait(0.5)

                start = time.monotonic()
                fault_thread = threading.Thread(target=faults, args=(start,))
                poll_thread = threading.Thread(target=ready_poll)
                fault_thread.start()
                poll_thread.start()
                try:
                    result = load.run(
                        port,
                        field_mix(setup),
                        seconds=seconds,
                        rate=rate,
                        # Enough threads that a stalled answer does not hold
                        # the rate back (each thread waits for its answer).
                        threads=LOAD_THREADS,
                        timeout=30.0,
                        forwarded=True,
                    )
                finally:
                    stop.set()
                    fault_thread.join()
                    poll_thread.join()
                proxy.set_mode("pass")
                alive = http_status(port, "/readyz", 15)
        finally:
            proxy.stop()
        check.lines.append(f"  proxy connections accepted: {proxy.connections}")
        _analyse(check, result, phases, readiness, alive)
        check_writes(check, result, cluster.url)
    return check


def _analyse(
    check: Checks,
    result: load.LoadResult,
    phases: list[Phase],
    readiness: list[tuple[float, float, int]],
    alive: int,
) -> None:
    records = result.records
    t0 = result.started
    by_status = Counter(r.status for r in records)
    check.lines.append(
        f"  {len(records)} requests: "
        + ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(by_status.items()))
    )
    failures = [r for r in records if r.status >= 500 or r.status == 0]
    check(by_status.get(500, 0) == 0, f"no 500 answers ({by_status.get(500, 0)})")
    bad_503 = [r for r in failures if r.status == 503 and not r.retry_after]
    check(not bad_503, f"every 503 carries Retry-After ({len(bad_503)} without)")
    leaks = [r for r in records if r.leak]
    check(not leaks, f"no body names a trace or a driver ({len(leaks)})")
    other = [r for r in failures if r.status != 503]
    check(
        not other,
        f"failures are 503, not other 5xx or dropped connections ({len(other)}: "
        f"{Counter((r.status, r.error) for r in other).most_common(3)})",
    )
    for index, phase in enumerate(phases):
        if phase.mode == "pass":
            continue
        sent = [r for r in records if phase.start <= r.sent < phase.end]
        failed = [r for r in sent if r.status >= 500 or r.status == 0]
        slowest = max((r.seconds for r in sent), default=0.0)
        p50 = sorted(r.seconds for r in sent)[len(sent) // 2] if sent else 0.0
        check.lines.append(
            f"  {phase.mode} ({phase.start - t0:.0f}-{phase.end - t0:.0f} s): "
            f"{len(sent)} sent, {len(sent) - len(failed)} succeeded, "
            f"{len(failed)} failed "
            f"({dict(Counter(r.status for r in failed))}); "
            f"median {p50:.2f} s, longest {slowest:.1f} s"
        )
        if phase.mode == "latency":
            check(
                all(r.status == 503 for r in failed),
                f"latency: the only failures are 503 ({len(failed)} failures)",
            )
        if phase.mode == "black hole":
            check(
                slowest <= BLACK_HOLE_ANSWER_S,
                f"black hole: every request answered within "
                f"{BLACK_HOLE_ANSWER_S:.0f} s (longest {slowest:.1f} s)",
            )
            # Polls sent once the black hole holds (a poll waits for its
            # answer, which may come after the phase: as T45, at least one).
            polls = [s for t, _, s in readiness if phase.start + 1 <= t < phase.end]
            check(
                any(s != 200 for s in polls),
                f"black hole: readiness said not ready ({len(polls)} polls: "
                f"{dict(Counter(polls))})",
            )
        if phase.mode == "reset":
            check(
                slowest <= 8.0,
                f"reset: no wait over 8 s (longest {slowest:.1f} s)",
            )
        after = phases[index + 1] if index + 1 < len(phases) else None
        if after is None:
            continue
        late = [
            r
            for r in records
            if after.start <= r.sent < after.end and (r.status >= 500 or r.status == 0)
        ]
        last = max((r.sent for r in late), default=after.start) - after.start
        # A request sent in the last second may meet the next fault.
        settled = [
            r
            for r in records
            if after.start + RECOVERY_S <= r.sent < after.end - 1
            and (r.status >= 500 or r.status == 0)
        ]
        check(
            not settled,
            f"after {phase.mode}: every request sent {RECOVERY_S:.0f} s after it "
            f"ends succeeds ({len(settled)} failures; last failure sent "
            f"{last:.1f} s after)",
        )
    check(alive == 200, f"readiness ready at the end ({alive})")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drill and print what it found."""
    parser = argparse.ArgumentParser(prog="python -m bench.drills.latency_proxy")
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--fault-seconds", type=float, default=20.0)
    parser.add_argument("--pass-seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    if args.fault_seconds < 12 or args.pass_seconds < RECOVERY_S + 5:
        parser.error(
            f"--fault-seconds must be at least 12 and --pass-seconds at least "
            f"{RECOVERY_S + 5:.0f}"
        )
    os.environ.setdefault("OCOP_ENV", "test")  # this process's own settings
    check = run(args.rate, args.fault_seconds, args.pass_seconds)
    sys.stdout.write(
        "T46 database slow, black hole and reset behind a proxy "
        "(serve --workers 2, loopback):\n"
        + "\n".join(check.lines)
        + f"\n  outcome: {'PASS' if check.ok else 'FAIL'}\n"
    )
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
