"""The media store chosen by settings, the object store's own rules, moving
media from disk to an S3-compatible store (``media migrate``), and backups
of either store, on a real S3 protocol server on 127.0.0.1 (moto)."""

import hashlib
import os
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bench.drills.object_store import S3Server
from ocop_tracker.backup import service as backup_service
from ocop_tracker.cli import app as cli_app
from ocop_tracker.core import media
from ocop_tracker.core.config import Settings, get_settings
from ocop_tracker.core.downloads import ranged
from tests.dbutil import fresh_database, load_demo


def _photo_bytes(seed: int) -> tuple[str, bytes]:
    data = b"\xff\xd8\xff\xe0" + hashlib.sha256(str(seed).encode()).digest() * 40
    digest = hashlib.sha256(data).hexdigest()
    return f"photos/{digest[:2]}/{digest}.jpg", data


def test_settings_choose_the_store(tmp_path: Path, s3_server: S3Server) -> None:
    on_disk = Settings(env="test", media_url=f"file://{tmp_path}/media")
    assert on_disk.media_dir == tmp_path / "media"
    assert on_disk.media_on_disk
    store = media.open_store(on_disk.media_location, on_disk)
    assert isinstance(store, media.FileStore)
    assert store.root == tmp_path / "media"
    plain = Settings(env="test", media_dir=tmp_path / "m2")
    assert plain.media_location == (tmp_path / "m2").as_uri()
    in_bucket = Settings(
        env="test",
        media_url="s3://ocop-media/tinh-soc-trang",
        s3_endpoint=s3_server.endpoint,
        s3_access_key_id="k",
        s3_secret_access_key="s",
    )
    assert not in_bucket.media_on_disk
    remote = media.open_store(in_bucket.media_location, in_bucket)
    assert isinstance(remote, media.ObjectStore)
    assert remote.location == "s3://ocop-media/tinh-soc-trang"
    assert "s" not in repr(in_bucket.s3_secret_access_key).replace("SecretStr", "")
    for bad in ("ftp://x/y", "s3://", "/var/media", "file://host/x"):
        with pytest.raises(ValidationError, match="OCOP_MEDIA_URL"):
            Settings(env="test", media_url=bad)


def test_object_store_rules(s3_server: S3Server) -> None:
    bucket = s3_server.bucket()
    one, two = s3_server.store(bucket, "tinh"), s3_server.store(bucket, "tinh")
    key, data = _photo_bytes(1)
    # Two servers storing the same content: only one of them created it.
    assert one.put(key, data).created is True
    assert two.put(key, data).created is False
    assert two.get(key) == data
    assert two.exists(key)
    listed = list(one.objects("photos/"))
    assert [(o.key, o.size) for o in listed] == [(key, len(data))]
    # The prefix keeps installations apart in one bucket.
    assert list(s3_server.store(bucket, "khac").objects()) == []
    one.delete(key)
    one.delete(key)  # already gone
    assert not two.exists(key)
    with pytest.raises(FileNotFoundError):
        one.get(key)
    with pytest.raises(ValueError, match="media key"):
        one.put("../escape", data)
    assert one.check() == "ok"
    assert s3_server.store("no-such-bucket").check() == "unavailable"


def test_unreachable_store_fails_fast_and_clearly() -> None:
    down = S3Server()  # never started: nothing listens on its port
    store = down.store("media")
    key, data = _photo_bytes(2)
    with pytest.raises(media.StoreUnavailable):
        store.put(key, data)
    with pytest.raises(media.StoreUnavailable):
        store.get(key)
    assert store.check() == "unavailable"


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, list(args))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
    return result.exit_code, " ".join(result.output.split())


def test_media_migrate_copies_verifies_and_resumes(
    tmp_path: Path, s3_server: S3Server
) -> None:
    disk = media.FileStore(tmp_path / "media")
    photos = dict(_photo_bytes(seed) for seed in range(10, 22))
    for key, data in photos.items():
        disk.put(key, data)
    (tmp_path / "media" / "photos" / ".tmp-unfinished").write_bytes(b"half")
    bucket = s3_server.bucket()
    target = f"s3://{bucket}/tinh"
    env = {**s3_server.settings(), "OCOP_MEDIA_DIR": str(tmp_path / "media")}
    code, output = _run(env, "media", "migrate", "--to", target)
    assert code == 0, output
    assert "12 tệp đã chép" in output
    remote = s3_server.store(bucket, "tinh", cache_mb=0)
    assert {o.key for o in remote.objects()} == set(photos)
    for key, data in photos.items():
        assert remote.get(key) == data
    # Again: nothing copied; every object checked. One damaged in the target
    # (as a half-finished copy by another tool would be) is put right.
    damaged = next(iter(photos))
    remote.delete(damaged)
    remote.put(damaged, b"not the photo")
    code, output = _run(env, "media", "migrate", "--to", target)
    assert code == 0, output
    assert "0 tệp đã chép" in output
    assert "11 tệp đã có sẵn và đúng, 1 tệp sai được chép lại" in output
    assert remote.get(damaged) == photos[damaged]
    # A source file whose bytes are not its name is reported, not copied.
    bad_key = _photo_bytes(99)[0]
    disk.put(bad_key, b"corrupted on disk")
    code, output = _run(env, "media", "migrate", "--to", target)
    assert code == 1
    assert "bị hỏng" in output
    assert not remote.exists(bad_key)
    # Refusals: the same place, a URL that is not one.
    code, output = _run(env, "media", "migrate", "--to", disk.location)
    assert code == 2
    assert "một nơi" in output
    code, output = _run(env, "media", "migrate", "--to", "ftp://x")
    assert code == 2
    assert "OCOP_MEDIA_URL" in output


def test_backup_and_restore_with_the_object_store(
    tmp_path: Path, s3_server: S3Server
) -> None:
    photos = dict(_photo_bytes(seed) for seed in range(30, 36))
    source = s3_server.store(s3_server.bucket(), "tinh", cache_mb=0)
    for key, data in photos.items():
        source.put(key, data)
    file = tmp_path / "backup.zip"
    with fresh_database(tmp_path, "source") as url:
        load_demo(url)
        written = backup_service.create_backup(url, source, file)
    assert {m.path for m in written.media} == set(photos)
    # Into another bucket, and into a directory: the same files.
    target = s3_server.store(s3_server.bucket(), "", cache_mb=0)
    with fresh_database(tmp_path, "target") as url:
        restored = backup_service.restore_backup(url, target, file)
    assert restored.media_files == len(photos)
    assert backup_service.media_digests(target) == {
        key: hashlib.sha256(data).hexdigest() for key, data in photos.items()
    }
    with (
        fresh_database(tmp_path, "again") as url,
        pytest.raises(backup_service.BackupError, match="đã có tệp"),
    ):
        backup_service.restore_backup(url, target, file)
    with fresh_database(tmp_path, "disk") as url:
        backup_service.restore_backup(url, tmp_path / "restored", file)
    assert backup_service.media_digests(tmp_path / "restored") == (
        backup_service.media_digests(target)
    )


def test_byte_ranges_of_a_photo_read_from_the_store() -> None:
    data = bytes(range(100))
    headers = {"ETag": '"x"'}

    def answer(range_header: str | None) -> tuple[int, bytes, str | None]:
        response = ranged(data, "image/jpeg", headers, range_header)
        return (
            response.status_code,
            bytes(response.body),
            response.headers.get("content-range"),
        )

    assert answer(None) == (200, data, None)
    assert answer("bytes=0-9") == (206, data[:10], "bytes 0-9/100")
    assert answer("bytes=90-") == (206, data[90:], "bytes 90-99/100")
    assert answer("bytes=-5") == (206, data[95:], "bytes 95-99/100")
    assert answer("bytes=95-500") == (206, data[95:], "bytes 95-99/100")
    assert answer("bytes=0-1,5-6") == (200, data, None)  # several: the whole
    assert answer("bytes=100-")[0] == 416
    assert answer("bytes=100-")[2] == "bytes */100"
    response = ranged(data, "image/jpeg", headers, "bytes=0-0")
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == '"x"'


def test_an_s3_store_without_its_client_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "obstore.store", None)  # not installed
    settings = Settings(env="test", media_url="s3://ocop-media/tinh")
    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[s3\]'"):
        media.open_store(settings.media_location, settings)


def test_serve_refuses_media_settings_it_cannot_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from ocop_tracker.main import create_app

    monkeypatch.setitem(sys.modules, "obstore.store", None)
    monkeypatch.setenv("OCOP_MEDIA_URL", "s3://ocop-media/tinh")
    get_settings.cache_clear()
    try:
        with (
            pytest.raises(RuntimeError, match="needs the S3 client"),
            TestClient(create_app()),
        ):
            pass
    finally:
        monkeypatch.delenv("OCOP_MEDIA_URL")
        get_settings.cache_clear()
