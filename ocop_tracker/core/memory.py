"""A serving process's memory: glibc's allocator, and Python's garbage collector.

**glibc's allocator**, set for a process that decodes large photos in threads.

``MALLOC_ARENA_MAX=2``: each thread that allocates would otherwise get an arena
of its own (libheif decodes in several), and freed memory stays in it; workers
grew 25–56 % over a 30-minute soak and stayed flat with two.

glibc reads the variable when a process starts: a worker that ``serve`` spawns
takes it from the environment, and the process already running (one worker,
the usual case, which the environment alone left at glibc's default) is set
with ``mallopt``. A value the operator set wins and is left as it is. Elsewhere
than glibc nothing is done.

Tried and not kept: a fixed 1 MiB mmap threshold (``MALLOC_MMAP_THRESHOLD_``).
It held two 12-Mpx HEIC uploads at once to a 105–112 MB peak rise (108–197 MB
without), but under the soak's load (8 people writing, uploads, public pages,
SQLite) every large block's fresh pages slowed the whole worker: upload p95 8.0
s against 2.7, public page p50 16 ms against 9, and 10 answers of 503 where
there were none.

**The garbage collector** (``freeze_start_up``). A worker holds about 340,000
objects once started (routes, models, templates, SQLAlchemy's and pydantic's
compiled forms), and Python's full collection walks every one of them: under
the public page's load (``bench/public_page.py``) each worker paused 189–191 ms
once in a 40-second run, and every request in flight waited (p99 48–58 ms
against a bare app's 6–9 ms). Collected once and frozen after start-up, those
objects are left out of later collections: the same pause took 14–19 ms.
Garbage made after start-up is collected as before.
"""

import ctypes
import ctypes.util
import gc
import os

ARENAS = 2
VARIABLE = "MALLOC_ARENA_MAX"
_M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)


def tune_allocator() -> dict[str, str]:
    """Two arenas for this process and the workers it spawns, unless the
    operator set the variable; the variable as it stands after."""
    if VARIABLE not in os.environ:
        os.environ[VARIABLE] = str(ARENAS)
        libc = _glibc()
        if libc is not None:
            libc.mallopt(_M_ARENA_MAX, ARENAS)
    return {VARIABLE: os.environ[VARIABLE]}


def _glibc() -> ctypes.CDLL | None:
    path = ctypes.util.find_library("c")
    if path is None:
        return None
    try:
        libc = ctypes.CDLL(path)
        libc.gnu_get_libc_version  # noqa: B018  (present in glibc only)
    except (OSError, AttributeError):
        return None
    return libc


def freeze_start_up() -> int:
    """Collect what start-up left, then keep every object alive now out of later
    collections (``gc.freeze``); how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
