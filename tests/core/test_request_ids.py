"""Request ids: distinct within a worker and between a worker and its forked
children, without asking the kernel for randomness on each request."""

import os
import re

from ocop_tracker.core.http import new_request_id


def test_request_ids_are_sixteen_hex_digits_and_distinct() -> None:
    ids = [new_request_id() for _ in range(10_000)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.close(read)
        os.write(write, "".join(new_request_id() for _ in range(4)).encode())
        os._exit(0)
    os.close(write)
    mine = "".join(new_request_id() for _ in range(4))
    with os.fdopen(read) as pipe:
        theirs = pipe.read()
    os.waitpid(pid, 0)
    assert len(theirs) == 64
    assert theirs != mine
