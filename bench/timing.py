"""Timing helpers: repeated measurements bounded by a count and a time budget."""

import math
import subprocess
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Samples:
    """Durations of repeated runs of one operation, in seconds."""

    seconds: tuple[float, ...]

    @property
    def count(self) -> int:
        """How many runs were measured."""
        return len(self.seconds)

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th percentile (0-100) in milliseconds, linearly interpolated."""
        return percentile(self.seconds, q) * 1000.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, interpolated between ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Run ``fn`` once; its result and the seconds it took."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def measure(
    inputs: Sequence[T],
    fn: Callable[[T], object],
    *,
    budget_s: float,
    warmup: int = 0,
    after: Callable[[], None] | None = None,
) -> Samples:
    """Time ``fn`` on each input in turn, stopping early once ``budget_s`` is spent.

    The first ``warmup`` inputs are run untimed (statement caches, page cache);
    the others are timed. ``after`` runs untimed after every call, e.g. to empty
    the session's identity map so every run loads its rows afresh.
    """
    for item in inputs[:warmup]:
        fn(item)
        if after is not None:
            after()
    durations: list[float] = []
    deadline = time.perf_counter() + budget_s
    for item in inputs[warmup:]:
        start = time.perf_counter()
        fn(item)
        durations.append(time.perf_counter() - start)
        if after is not None:
            after()
        if time.perf_counter() > deadline:
            break
    if not durations:
        raise ValueError("nothing measured: give more inputs than warmup")
    return Samples(tuple(durations))


def wait_healthy(
    base: str, server: "subprocess.Popen[bytes]", seconds: float = 30
) -> None:
    """Wait until the server at ``base`` answers ``/healthz`` (it died or took too long: raise)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the server at {base} did not start") from None
            time.sleep(0.2)
