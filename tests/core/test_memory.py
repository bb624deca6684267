"""``serve``'s allocator setting: set for itself and its workers, unless the
operator set it."""

import json
import os
import subprocess
import sys

SHOW = """
import json
from ocop_tracker.core import memory
print(json.dumps(memory.tune_allocator()))
"""


def _tuned(**preset: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**env, **preset},
        check=True,
        capture_output=True,
        text=True,
    )
    shown: dict[str, str] = json.loads(done.stdout)
    return shown


def test_two_arenas_by_default() -> None:
    assert _tuned() == {"MALLOC_ARENA_MAX": "2"}


def test_a_value_the_operator_set_wins() -> None:
    assert _tuned(MALLOC_ARENA_MAX="4") == {"MALLOC_ARENA_MAX": "4"}


FROZEN = """
import gc, json
from fastapi.testclient import TestClient
from ocop_tracker.main import create_app

with TestClient(create_app(), base_url="https://127.0.0.1") as client:
    frozen = gc.get_freeze_count()
    assert client.get("/healthz").status_code == 200
    cycle: list[object] = []
    cycle.append(cycle)  # garbage made after start-up, in a cycle
    del cycle
    print(json.dumps({"frozen": frozen, "collected": gc.collect()}))
"""


def _started(database_url: str, **preset: str) -> dict[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "OCOP_GC_FREEZE"}
    done = subprocess.run(
        [sys.executable, "-c", FROZEN],
        env={**env, "OCOP_ENV": "test", "OCOP_DATABASE_URL": database_url, **preset},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return shown


def test_a_started_worker_freezes_what_start_up_made(database_url: str) -> None:
    on = _started(database_url, OCOP_GC_FREEZE="true")
    assert on["frozen"] > 100_000  # routes, models, templates: left out of passes
    assert on["collected"] >= 1  # what is made after is still collected
    assert _started(database_url)["frozen"] == 0  # off under OCOP_ENV=test
