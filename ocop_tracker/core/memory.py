"""glibc's allocator, set for a process that decodes large photos in threads.

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
"""

import ctypes
import ctypes.util
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
