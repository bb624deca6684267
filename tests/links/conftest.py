"""A marketplace stand-in on 127.0.0.1 and the settings that point the check at it.

The server answers each path as told (``Marketplace.routes``) and counts every
request it receives by host and path, so tests see what was sent, not what the
code says it sent. Nothing here ever leaves the machine.
"""

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.config import Settings, get_settings
from tests.factories import unit

HUGE = 50 * 1024 * 1024
SLOW_S = 1.5


@dataclass
class Marketplace:
    """The stand-in: answers by path, counts requests."""

    origin: str = ""
    # path → "ok", "404", "410", "home", "away", "slow", "huge", "500", "loop"
    routes: dict[str, str] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    user_agents: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str) -> int:
        """Requests received for ``path``."""
        with self.lock:
            return self.hits[path]

    def total(self) -> int:
        """Requests received in all."""
        with self.lock:
            return sum(self.hits.values())


def _handler(market: Marketplace) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with market.lock:
                market.hits[path] += 1
                market.user_agents.add(self.headers.get("User-Agent", ""))
            how = market.routes.get(path, "ok")
            if how == "ok":
                self._send(200, b"<html>ok</html>")
            elif how in ("404", "410", "500"):
                self._send(int(how), b"<html>no</html>")
            elif how == "home":
                self._send(302, Location="https://voso.vn/")
            elif how == "away":
                self._send(302, Location="https://evil.example/steal")
            elif how == "loop":
                self._send(302, Location=path)
            elif how == "slow":
                time.sleep(SLOW_S)
                self._send(200, b"late")
            elif how == "huge":
                self.send_response(200)
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                chunk = b"x" * 65536
                try:
                    for _ in range(HUGE // len(chunk)):
                        self.wfile.write(chunk)
                except OSError:  # the client stopped reading, as it should
                    pass

    return Handler


@pytest.fixture
def market() -> Iterator[Marketplace]:
    """A stand-in marketplace on 127.0.0.1 (a free port), stopped after the test."""
    stand_in = Marketplace()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    server.daemon_threads = True
    stand_in.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stand_in
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(market: Marketplace) -> Settings:
    """The run's settings with both seeded marketplaces mapped to the stand-in."""
    return get_settings().model_copy(
        update={
            "link_check_test_origins": {
                "voso.vn": market.origin,
                "postmart.vn": market.origin,
                # A host no marketplace has: mapped too, so a request to it
                # would be seen; the rules must still never send one.
                "evil.example": market.origin,
            },
            "link_check_timeout_s": 0.5,
            "link_check_contact": "ocop@example.org",
        }
    )


@pytest.fixture
def khom3(session: Session) -> AdminUnit:
    """Khóm 3 of Phường Sóc Trăng (canbo.khom3's area)."""
    return unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
