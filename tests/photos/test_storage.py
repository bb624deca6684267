"""Storage on disk: atomic content-addressed writes, temp sweeping, ``photos gc``."""

import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ocop_tracker.cli import app
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos import storage
from ocop_tracker.photos import upkeep as photo_upkeep
from ocop_tracker.photos.models import Photo
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import Role, User
from tests.photos import corpus


def _orphan(data: bytes, age: float) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    path = storage.write(digest, data).path
    old = time.time() - age
    os.utime(path, (old, old))
    return path


def test_names_are_hashes_only(database_url: str) -> None:
    for bad in ("../../app/main.py", "..\\x.jpg", "a" * 10_000, "\u202egpj.exe"):
        with pytest.raises(ValueError, match="SHA-256"):
            storage.path_for(bad)
    digest = hashlib.sha256(b"x").hexdigest()
    path = storage.path_for(digest)
    assert path.parent.parent == storage.root()
    assert "static" not in path.parts


def test_write_is_atomic_and_idempotent(database_url: str) -> None:
    data = b"\xff\xd8\xff" + os.urandom(64)
    digest = hashlib.sha256(data).hexdigest()
    first = storage.write(digest, data)
    again = storage.write(digest, data)
    assert first.created is True
    assert again.created is False
    assert first.path.read_bytes() == data
    assert first.path.stat().st_mode & 0o777 == 0o640
    assert not list(first.path.parent.glob(".tmp-*"))


def test_old_temp_files_are_swept(database_url: str) -> None:
    data = os.urandom(32)
    folder = storage.path_for(hashlib.sha256(data).hexdigest()).parent
    folder.mkdir(parents=True, exist_ok=True)
    old, young = folder / ".tmp-old", folder / ".tmp-young"
    old.write_bytes(b"x")
    young.write_bytes(b"y")
    past = time.time() - 3600
    os.utime(old, (past, past))
    assert storage.sweep_temp() >= 1
    assert not old.exists()
    assert young.exists()
    young.unlink()


def test_gc_removes_only_unreferenced_old_files(session: Session) -> None:
    admin = session.scalar(select(User).where(User.role == Role.admin).limit(1))
    product = session.scalar(select(Product).order_by(Product.id).limit(1))
    assert admin is not None
    assert product is not None
    kept = photo_service.upload(
        session,
        admin,
        photo_service.Target(product),
        corpus.plain_jpeg(300, 200, seed=77),
        sync=False,
    ).photo
    os.utime(storage.path_for(kept.sha256), (0, 0))
    stale = _orphan(b"\xff\xd8\xff stale " + os.urandom(16), age=7200)
    fresh = _orphan(b"\xff\xd8\xff fresh " + os.urandom(16), age=0)
    dry = photo_upkeep.collect_garbage(session, dry_run=True)
    assert stale.name[:64] in dry.orphans
    assert stale.exists()
    result = photo_upkeep.collect_garbage(session)
    assert stale.name[:64] in result.orphans
    assert not stale.exists()
    assert fresh.exists()  # young: may belong to an upload in flight
    assert storage.path_for(kept.sha256).exists()
    assert storage.path_for(kept.thumb_sha256).exists()
    # No file a row points to was taken (other tests may have deleted demo
    # photos' files in transactions later rolled back: check what gc chose).
    referenced = set()
    for photo in session.scalars(select(Photo)):
        referenced |= {photo.sha256, photo.thumb_sha256}
    assert referenced.isdisjoint(dry.orphans)
    assert referenced.isdisjoint(result.orphans)


def test_gc_command(database_url: str) -> None:
    stale = _orphan(b"\xff\xd8\xff cli " + os.urandom(16), age=7200)
    result = CliRunner().invoke(app, ["photos", "gc", "--min-age-minutes", "30"])
    assert result.exit_code == 0, result.output
    assert "tệp ảnh không còn dùng" in result.output
    assert not stale.exists()
