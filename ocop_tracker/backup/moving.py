"""Moving media between stores: ``ocop-tracker media migrate --to s3://…``.

Every object of the source (the directory, usually) is copied to the target
and read back there, and its SHA-256 compared with the source's; a photo's own
name is its hash, so a damaged source file is found too and left out. An
object already in the target is read and checked, not copied again: a second
run copies nothing, and a run stopped half-way picks up where it stopped.
The service may keep running meanwhile: objects are never changed, only added
or deleted, and passes repeat until one finds nothing new.
"""

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ocop_tracker.core.errors import AppError
from ocop_tracker.core.media import MediaStore

# A new pass lists the source again while the one before found new objects.
MAX_PASSES = 10
_HASH_NAME = re.compile(r"(?:^|/)([0-9a-f]{64})\.[a-z]+$")


class MoveError(AppError):
    """The move cannot go on (the target gave back other bytes)."""


@dataclass
class MoveResult:
    """What a move did, object by object."""

    copied: int = 0
    present: int = 0
    replaced: int = 0
    vanished: int = 0
    damaged: list[str] = field(default_factory=list)
    bytes_copied: int = 0
    passes: int = 0
    seconds: float = 0.0

    @property
    def checked(self) -> int:
        """Objects now in the target with the source's bytes."""
        return self.copied + self.present + self.replaced


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def move(
    source: MediaStore,
    target: MediaStore,
    *,
    found: Callable[[int], None] | None = None,
    advance: Callable[[int], None] | None = None,
) -> MoveResult:
    """Copy every object of ``source`` into ``target``, each one verified.

    ``found(n)`` is told of the objects each pass lists; ``advance(1)`` of each
    one handled. Nothing is deleted from the source.
    """
    started = time.perf_counter()
    result = MoveResult()
    handled: set[str] = set()
    in_target = {item.key: item.size for item in target.objects()}
    for _ in range(MAX_PASSES):
        todo = [item for item in source.objects() if item.key not in handled]
        if not todo:
            break
        result.passes += 1
        if found:
            found(len(todo))
        for item in todo:
            handled.add(item.key)
            _move_one(source, target, item.key, in_target, result)
            if advance:
                advance(1)
    result.seconds = time.perf_counter() - started
    return result


def _move_one(
    source: MediaStore,
    target: MediaStore,
    key: str,
    in_target: dict[str, int],
    result: MoveResult,
) -> None:
    try:
        data = source.get(key)
    except FileNotFoundError:
        result.vanished += 1  # deleted by the service since the listing
        return
    digest = _sha(data)
    named = _HASH_NAME.search(key)
    if named and named[1] != digest:
        result.damaged.append(key)  # the source file is not what its name says
        return
    if key in in_target:
        try:
            if _sha(target.get(key)) == digest:
                result.present += 1
                return
        except FileNotFoundError:
            pass
        target.delete(key)  # another's bytes under this name: put ours
        result.replaced += 1
    else:
        result.copied += 1
    target.put(key, data)
    if _sha(target.get(key)) != digest:
        raise MoveError(f"kho đích trả về tệp khác với bản vừa ghi: {key}")
    in_target[key] = len(data)
    result.bytes_copied += len(data)
