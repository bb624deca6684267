"""Every photo test that stores files runs on both stores: the directory (the
embedded default) and an S3-compatible object store (moto's server on
127.0.0.1). A test about the directory itself is marked ``file_store``."""

import pytest

from bench.drills.object_store import S3Server
from ocop_tracker.core import media

# Pure image processing: no store involved.
_NO_STORE = {"test_processing"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "media_backend" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module in _NO_STORE or metafunc.definition.get_closest_marker("file_store"):
        kinds = ["file"]
    else:
        kinds = ["file", "s3"]
    metafunc.parametrize("media_backend", kinds, indirect=True)


@pytest.fixture(autouse=True)
def media_backend(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The store photos go to in this test: "file" or "s3"."""
    kind: str = request.param
    if kind == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        store = _shared_store(server)
        monkeypatch.setattr(media, "store", lambda: store)
    return kind


_STORES: dict[int, media.MediaStore] = {}


def _shared_store(server: S3Server) -> media.MediaStore:
    """One bucket per run (files are content-addressed, like the directory's)."""
    found = _STORES.get(server.port)
    if found is None:
        found = _STORES[server.port] = server.store(server.bucket("photos"))
    return found
