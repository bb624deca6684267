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
