"""Issue 16 item 4: the storefront and payment steps move to the producer without loss.

The demo database is built by the code as it was before the migration (the
commit before the one that added it, taken from git into a temporary
directory), which records storefront and payment steps on every listing. Its
"as of" answers are read by that code; the database is then upgraded by
today's code and read again, by today's code: every answer for a day before
the migration is the same — before the ledger is rebuilt and after — the step
records are all still there, and each producer × marketplace with a
storefront has its seller account, each producer with a payment step an open
e-payment account, with the same who, when and evidence.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ocop_tracker.core.clock import VIETNAM

ROOT = Path(__file__).resolve().parents[2]
REVISION = "migrations/versions/2026-12-03-1105_move_steps_to_producers.py"
PROBE = Path(__file__).with_name("probe_as_of.py")
# The revision before the steps moved (the schema revision of the move revises it).
BEFORE_MOVE = "8c3d6e9a1f24"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def old_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The code as it was before the migration, in a directory of its own."""
    if shutil.which("git") is None:
        pytest.skip("needs git to take the code before the migration")
    try:
        added = _git("log", "--diff-filter=A", "--format=%H", "--", REVISION)
    except subprocess.CalledProcessError:
        pytest.skip("not a git checkout")
    if not added:
        pytest.skip("the migration is not committed yet")
    base = added.splitlines()[-1] + "^"
    target = tmp_path_factory.mktemp("before")
    archive = subprocess.run(
        [
            "git",
            "-C",
            str(ROOT),
            "archive",
            "--format=tar",
            base,
            "ocop_tracker",
            "migrations",
            "alembic.ini",
            "static",
        ],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _run(code: Path, url: str, media: Path, *args: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "OCOP_DATABASE_URL": url,
        "OCOP_MEDIA_DIR": str(media),
        "OCOP_ENV": "development",
    }
    done = subprocess.run(
        [sys.executable, *args],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout


def _probe(code: Path, url: str, media: Path, days: list[dt.date]) -> dict[str, Any]:
    out = _run(
        code, url, media, str(PROBE), ",".join(d.isoformat() for d in days)
    ).splitlines()[-1]
    answers: dict[str, Any] = json.loads(out)
    return answers


def test_the_steps_move_to_the_producer_and_past_answers_stay(
    url: str, old_code: Path, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    _run(old_code, url, media, "-m", "ocop_tracker", "demo")
    today = dt.datetime.now(VIETNAM).date()
    days = [
        dt.date(2025, 6, 30),
        dt.date(2025, 12, 31),
        dt.date(2026, 5, 15),
        today - dt.timedelta(days=40),
        today - dt.timedelta(days=1),
    ]
    before = _probe(old_code, url, media, days)
    moved = [
        r for r in before["records"] if r["step_code"] in {"storefront", "payment"}
    ]
    assert {r["step_code"] for r in moved} == {"storefront", "payment"}
    assert any(
        s["code"] == "storefront"
        for v in before["steps"].values()
        if v
        for s in v["steps"]
    )

    upgraded = _run(ROOT, url, media, "-m", "ocop_tracker", "db", "upgrade")
    after = _probe(ROOT, url, media, days)
    _same(before, after)
    _run(ROOT, url, media, "-m", "ocop_tracker", "reports", "rebuild")
    rebuilt = _probe(ROOT, url, media, days)
    _same(before, rebuilt)

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        _check_accounts(conn, moved)
        asked = conn.execute(
            sa.text(
                "SELECT m.code, s.code, s.retired_on, s.requires FROM marketplace_steps s "
                "JOIN marketplaces m ON m.id = s.marketplace_id ORDER BY m.code, s.position"
            )
        ).all()
        next_steps = conn.execute(
            sa.text("SELECT DISTINCT next_step FROM listings")
        ).scalars()
        assert not {"storefront", "payment"} & set(next_steps)
        conflicts = conn.execute(
            sa.text("SELECT DISTINCT seller_account_id FROM step_moves WHERE conflict")
        ).scalars()
        statuses = set(
            conn.execute(sa.text("SELECT status FROM seller_accounts")).scalars()
        )
    engine.dispose()
    # The demo typed a different shop URL on each of a household's listings:
    # none is guessed, a person is told which to choose.
    assert conflicts
    assert "cần người chọn" in upgraded
    assert {"open", "applied"} <= statuses
    for market, step, retired_on, requires in asked:
        assert (retired_on is not None) is (step in {"storefront", "payment"}), step
        assert (requires == "seller_open") is (step == "listing"), (market, step)
    # Down again would lose where each record went: refused, nothing changed.
    refused = subprocess.run(
        [sys.executable, "-m", "ocop_tracker", "db", "downgrade", BEFORE_MOVE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OCOP_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert refused.returncode != 0
    assert "step_moves" in " ".join((refused.stdout + refused.stderr).split())


def _same(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Equal answers, the figures' source (counts, checkpoints, segments) aside."""
    for key in ("coverage", "steps"):
        assert before[key].keys() == after[key].keys()
        for name, answer in before[key].items():
            then, now = answer, after[key][name]
            if key == "coverage":
                # Blocks added to the answer since (the shops' figures) aside.
                then = {k: v for k, v in then.items() if k != "source"}
                now = {k: v for k, v in now.items() if k in then}
            elif then is not None and now is not None:
                then, now = _recorded(then), _recorded(now)
            assert then == now, name
    assert before["records"] == after["records"]


def _recorded(view: dict[str, Any]) -> dict[str, Any]:
    """A listing's steps as recorded: the definitions' current wording aside
    (the quality step now asks for a document; a step's requirement is shown
    only while it is the next one)."""
    aside = {"evidence", "waiting_for"}
    return {
        "listing": view["listing"],
        "steps": [
            {k: v for k, v in step.items() if k not in aside} for step in view["steps"]
        ],
    }


def _check_accounts(conn: sa.Connection, moved: list[dict[str, Any]]) -> None:
    """Each storefront and payment record went somewhere, with who, when, evidence."""
    moves = {
        r.step_record_id: r
        for r in conn.execute(
            sa.text(
                "SELECT step_record_id, seller_account_id, payment_account_id, "
                "candidate_url, conflict FROM step_moves"
            )
        )
    }
    assert set(moves) == {r["id"] for r in moved}
    sellers = {
        r.id: r
        for r in conn.execute(
            sa.text(
                "SELECT id, producer_id, marketplace_id, status, shop_url, "
                "claim_status, claimed_by_id, claimed_at FROM seller_accounts"
            )
        )
    }
    payments = {
        r.id: r
        for r in conn.execute(
            sa.text("SELECT id, producer_id, status, provider FROM payment_accounts")
        )
    }
    for record in moved:
        move = moves[record["id"]]
        if record["step_code"] == "storefront":
            account = sellers[move.seller_account_id]
            assert account.producer_id == record["producer_id"]
            assert account.marketplace_id == record["marketplace_id"]
            assert move.candidate_url == record["evidence_url"]
            if record["status"] != "done":
                continue  # a blocked storefront: its reason stays on its record
            if move.conflict:
                assert account.shop_url is None
                continue
            assert account.shop_url == record["evidence_url"]
            assert account.status in {"open", "applied"}
            assert account.claimed_by_id is not None
            assert account.claim_status in {"approved", "pending"}
            assert (account.status == "open") is (account.claim_status == "approved")
        elif record["status"] == "done":
            account = payments[move.payment_account_id]
            assert account.producer_id == record["producer_id"]
            assert account.status == "open"
    # Who and when of the first storefront of each shop are its claim's.
    first: dict[int, dict[str, Any]] = {}
    for record in sorted(moved, key=lambda r: (r["done_at"], r["id"])):
        if record["step_code"] == "storefront" and record["status"] == "done":
            first.setdefault(moves[record["id"]].seller_account_id, record)
    for account_id, record in first.items():
        account = sellers[account_id]
        if account.claimed_by_id is None:
            continue
        assert account.claimed_by_id == record["done_by_id"]
        assert _utc(account.claimed_at) == _utc(record["done_at"])


def _utc(moment: dt.datetime | str) -> dt.datetime:
    """A stored instant as naive UTC (SQLite answers text, PostgreSQL datetimes)."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.replace(tzinfo=None)
