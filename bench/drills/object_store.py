"""A real S3 protocol server on 127.0.0.1 for tests, drills and benchmarks:
moto's server mode.

``S3Server`` runs ``python -m moto.server`` as a child process (its own
clock and interpreter: a test that moves the clock moves only its own), makes
buckets, and can be stopped and started again on the same port (moto keeps
its objects in memory: a restart empties it).
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

ACCESS_KEY = "ocop-test"
SECRET_KEY = "ocop-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class S3Server:
    """One moto server process, started by ``start()`` and ended by ``stop()``."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> "S3Server":
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("the S3 test server exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the S3 test server did not start in 30 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def client(self) -> Any:
        """A boto3 client of this server (to make buckets and look inside)."""
        import boto3  # type: ignore[import-untyped]

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def bucket(self, label: str = "media") -> str:
        """A new empty bucket's name."""
        name = f"ocop-{label}-{uuid.uuid4().hex[:8]}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self) -> dict[str, str]:
        """The service's settings for this server (without OCOP_MEDIA_URL)."""
        return {
            "OCOP_S3_ENDPOINT": self.endpoint,
            "OCOP_S3_REGION": REGION,
            "OCOP_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "OCOP_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def store(self, bucket: str, prefix: str = "", cache_mb: int = 8) -> Any:
        """An ``ObjectStore`` on ``bucket`` of this server."""
        from ocop_tracker.core.media import ObjectStore

        return ObjectStore(
            bucket,
            prefix,
            endpoint=self.endpoint,
            region=REGION,
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
            cache_bytes=cache_mb * 1024 * 1024,
        )
