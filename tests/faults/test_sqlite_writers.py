"""A hamlet team writing at the same moment on the embedded default (SQLite).

``ocop-tracker serve --workers 2`` over a fresh SQLite file with the demo, and
eight people at once through the HTTP stack: each adds products, prints the
new product's card (a GET that keeps its QR matrix), opens its public page (a
GET that counts the scan) and signs in (a new session row). No answer may be a
503 ("database is locked"), and every product the server acknowledged must be
in the database. SQLite only: PostgreSQL runs the same load in the soak drill
(``bench/drills/soak.py``).
"""

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core.db import make_engine
from tests.dbutil import is_postgres

pytestmark = pytest.mark.skipif(
    is_postgres(), reason="the embedded default's locking (SQLite only)"
)

WRITERS = 8
ROUNDS = 4
PASSWORD = "mua-lua-thom-2026"  # the demo's (development only)
TEAM = ("totruong.khom3", "thanhvien.khom3", "canbo.khom3")
SERVE = (sys.executable, "-m", "ocop_tracker", "serve", "--workers", "2")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tokens_and_producer(url: str) -> tuple[list[str], int]:
    from ocop_tracker.auth import service as auth_service
    from ocop_tracker.producers.models import Producer
    from ocop_tracker.users import repository as user_repository

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            tokens = []
            for n in range(WRITERS):
                user = user_repository.by_login(session, TEAM[n % len(TEAM)])
                assert user is not None
                token, _ = auth_service.create_token(session, user, name=f"writer {n}")
                tokens.append(token)
            leader = user_repository.by_login(session, "totruong.khom3")
            assert leader is not None
            producer = session.scalars(
                select(Producer.id).where(Producer.hamlet_id == leader.area_id)
            ).first()
            assert producer is not None
            session.commit()
            return tokens, producer
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``serve --workers 2`` on a fresh SQLite file with the demo; (base, url)."""
    root = tmp_path_factory.mktemp("writers")
    url = f"sqlite:///{root / 'team.db'}"
    port = _free_port()
    env = {
        **os.environ,
        "OCOP_ENV": "development",
        "OCOP_DATABASE_URL": url,
        "OCOP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "OCOP_MEDIA_DIR": str(root / "media"),
    }
    subprocess.run(
        [sys.executable, "-m", "ocop_tracker", "demo"],
        env=env,
        check=True,
        capture_output=True,
    )
    log = root / "server.log"
    with open(log, "wb") as err:
        server = subprocess.Popen(
            [*SERVE, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            time.sleep(0.2)
        yield base, url
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert "database is locked" not in log.read_text()


def test_a_team_writing_at_once_gets_no_503_and_loses_nothing(
    two_workers: tuple[str, str],
) -> None:
    base, url = two_workers
    tokens, producer = _tokens_and_producer(url)
    statuses: Counter[tuple[str, int]] = Counter()
    made: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def note(what: str, response: httpx.Response) -> None:
        with lock:
            statuses[(what, response.status_code)] += 1

    def writer(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[n]}"}
        with httpx.Client(base_url=base, timeout=30) as client:
            start.wait()
            signed_in = client.post(
                "/api/v1/auth/login",
                json={"login": TEAM[n % len(TEAM)], "password": PASSWORD},
            )
            note("sign in", signed_in)
            for r in range(ROUNDS):
                created = client.post(
                    "/api/v1/products",
                    headers=headers,
                    json={
                        "producer_id": producer,
                        "name": f"Sản phẩm người {n} lượt {r}",
                        "kind": "ocop",
                    },
                )
                note("add product", created)
                if created.status_code != 201:
                    continue
                with lock:
                    made.append(int(created.json()["id"]))
                product_id, code = created.json()["id"], created.json()["public_code"]
                note(
                    "print card",
                    client.get(
                        "/api/v1/cards.pdf",
                        headers=headers,
                        params={"product_ids": str(product_id)},
                    ),
                )
                note("public page", client.get(f"/p/{code}"))
                note("me", client.get("/api/v1/me", headers=headers))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    refused = {k: v for k, v in statuses.items() if k[1] >= 400}
    assert refused == {}, statuses
    assert len(made) == WRITERS * ROUNDS
    engine = make_engine(url)
    try:
        from ocop_tracker.products.models import Product
        from ocop_tracker.public.models import QrMatrix

        with engine.connect() as conn:
            present = set(conn.scalars(select(Product.id).where(Product.id.in_(made))))
            kept = set(
                conn.scalars(
                    select(QrMatrix.product_id).where(QrMatrix.product_id.in_(made))
                )
            )
    finally:
        engine.dispose()
    assert present == set(made)
    # The cards' matrices are kept (a side write that may not fail the print,
    # but that is not silently lost either when nothing went wrong).
    assert kept == set(made)
