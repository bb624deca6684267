"""The child process that decodes one HEIC/HEIF upload (``processing._in_child``).

Reads the upload on stdin and writes one JSON line to stdout, then the bytes:
``{"full": [w, h, n], "thumb": [w, h, n], "format": "HEIF"}`` followed by the
full rendition's ``n`` bytes and the thumbnail's, or ``{"refused": [status,
message]}`` for a file the checks refuse. Anything else (a crash, a hang, an
exit code other than 0) is the parent's to answer.
"""

import json
import sys

from ocop_tracker.photos import processing


def main() -> int:
    data = sys.stdin.buffer.read()
    out = sys.stdout.buffer
    try:
        done = processing.process_here(data)
    except processing.PhotoRefused as refused:
        answer = {"refused": [refused.status, refused.message]}
        out.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
        return 0
    head = {
        "full": [done.full.width, done.full.height, len(done.full.data)],
        "thumb": [done.thumb.width, done.thumb.height, len(done.thumb.data)],
        "format": done.source_format,
    }
    out.write(json.dumps(head).encode() + b"\n")
    out.write(done.full.data)
    out.write(done.thumb.data)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
