"""glibc's allocator, set for a process that decodes large photos in threads.

Two settings, measured with ``bench/photos.py`` (the server's own peak RSS over
two 12-Mpx HEIC uploads at once, one worker):

- ``MALLOC_ARENA_MAX=2``: each thread that allocates would otherwise get an
  arena of its own (libheif decodes in several), and freed memory stays in it;
  workers grew 25–56 % over a 30-minute soak and stayed flat with two.
- ``MALLOC_MMAP_THRESHOLD_`` at 1 MiB: glibc raises its threshold to the size of
  each large block freed, so after the first photo a 36 MB bitmap comes from the
  heap and is kept there instead of being handed back. A fixed threshold turns
  that off: large blocks are mapped and returned whole. Peak rise 108–197 MB
  with the arenas alone, 104–112 MB with both. Its price: fresh pages for each
  large block, a 12-Mpx JPEG upload at 117 ms p50 where it took 107.

glibc reads these variables when a process starts: a worker that ``serve``
spawns takes them from the environment, and the process already running (one
worker, the usual case) is set with ``mallopt``. A variable the operator set
wins and is left as it is. Elsewhere than glibc nothing is done.
"""

import ctypes
import ctypes.util
import os

ARENAS = 2
MMAP_THRESHOLD = 1 << 20  # bytes

# mallopt's parameter numbers (glibc's malloc.h).
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

SETTINGS = (
    ("MALLOC_ARENA_MAX", _M_ARENA_MAX, ARENAS),
    ("MALLOC_MMAP_THRESHOLD_", _M_MMAP_THRESHOLD, MMAP_THRESHOLD),
)


def tune_allocator() -> dict[str, str]:
    """Set both, for this process and the workers it spawns, unless the operator
    did; the variables as they stand after."""
    libc = _glibc()
    for name, parameter, value in SETTINGS:
        if name in os.environ:
            continue
        os.environ[name] = str(value)
        if libc is not None:
            libc.mallopt(parameter, value)
    return {name: os.environ[name] for name, _, _ in SETTINGS}


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
