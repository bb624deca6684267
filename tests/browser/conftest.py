"""A live server on loopback and Debian's Chromium, headless, for page tests."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser."""
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    """Debian's Chromium, not a downloaded one; no network chatter at start."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ocop-tracker serve`` on a spare port over a fresh SQLite file with the demo."""
    db = tmp_path_factory.mktemp("live") / "live.db"
    port = _free_port()
    env = {
        **os.environ,
        "OCOP_ENV": "development",
        "OCOP_DATABASE_URL": f"sqlite:///{db}",
        "OCOP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "OCOP_MEDIA_DIR": str(tmp_path_factory.mktemp("live-media")),
    }
    subprocess.run(
        [sys.executable, "-m", "ocop_tracker", "demo"],
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "ocop_tracker", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the live server did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (kept by CI for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
