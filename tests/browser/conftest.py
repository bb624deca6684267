"""A live server on loopback and Debian's Chromium, headless, for page tests.

Every page a browser test opens is checked by axe-core (axe-playwright-python):
each time a page of any context finishes loading, and when its context closes,
its document is kept as it stands (script on or off), and after the test axe
runs over each kept document in a page of the same size with script on. A serious or critical violation
fails the test; the counts by impact over all pages go to
``test-results/axe-summary.json``.
"""

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "mua-lua-thom-2026"
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
def sign_in(live_server: str) -> Callable[[Page, str], None]:
    """Signs a page in with a demo account (every demo account has one password)."""

    def sign_in(page: Page, login: str) -> None:
        page.goto(f"{live_server}/login")
        page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    return sign_in


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (kept by CI for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# axe-core's impacts, worst first; the first two fail a test.
IMPACTS = ("critical", "serious", "moderate", "minor")
FAILING = {"critical", "serious"}

# The document as the browser holds it now (after the page's own script, if any).
_SNAPSHOT = """() => [document.contentType,
  (document.doctype ? '<!DOCTYPE ' + document.doctype.name + '>' : '')
  + document.documentElement.outerHTML]"""


@dataclass(frozen=True)
class Snapshot:
    """One loaded document of a test's page, with the viewport it was laid out in."""

    url: str
    html: str
    width: int
    height: int


@dataclass
class AxeLog:
    """What axe found on every page of the session, and what it could not check."""

    checks: list[dict[str, Any]] = field(default_factory=list)
    missed: list[dict[str, str]] = field(default_factory=list)
    kept: list[Snapshot] = field(default_factory=list)
    # What axe said of each document already checked (a test may open one again).
    seen: dict[str, tuple[dict[str, Any], list[str]]] = field(default_factory=dict)
    engine: str = ""
    # Where axe runs: a page with script on for each viewport size, in contexts
    # made by ``open_context`` (the browser's own, so they are not watched).
    open_context: Callable[..., BrowserContext] | None = None
    pages: dict[tuple[int, int], Page] = field(default_factory=dict)

    def keep(self, page: Page) -> None:
        """A page finished loading: keep its document for axe (run after the test)."""
        try:
            kind, html = page.evaluate(_SNAPSHOT)
        except PlaywrightError as error:  # it navigated or closed at once
            self.missed.append({"url": _path(page.url), "why": error.message[:120]})
            return
        size = page.viewport_size or {"width": 1280, "height": 720}
        if kind == "text/html":
            self.kept.append(Snapshot(page.url, html, size["width"], size["height"]))

    def watch(self, context: BrowserContext) -> None:
        """Keep each page of the context as it loads, and as it stands at close."""
        context.on("page", lambda page: page.on("load", self.keep))
        close = context.close

        def keep_then_close(reason: str | None = None) -> None:
            for page in context.pages:
                self.keep(page)  # a test often closes as soon as its last page loads
            close(reason=reason)

        context.close = keep_then_close  # type: ignore[method-assign]

    def page(self, width: int, height: int) -> Page:
        if (width, height) not in self.pages:
            assert self.open_context is not None
            context = self.open_context(viewport={"width": width, "height": height})
            self.pages[width, height] = context.new_page()
        return self.pages[width, height]

    def check(self, test: str) -> list[str]:
        """Run axe over the documents kept during a test; its failing findings."""
        failures: list[str] = []
        kept, self.kept = self.kept, []
        for snap in kept:
            key = hashlib.sha256(
                f"{snap.width}x{snap.height} {snap.url}\n{snap.html}".encode()
            ).hexdigest()
            if key in self.seen:
                record, found = self.seen[key]
                self.checks.append({**record, "test": test, "repeat": True})
            else:
                found = self._run(self.page(snap.width, snap.height), snap, test)
                self.seen[key] = self.checks[-1], found
            failures += found
        return failures

    def _run(self, page: Page, snap: Snapshot, test: str) -> list[str]:
        document = snap.url.split("#", 1)[0]

        def serve(route: Route) -> None:
            request = route.request
            if request.url == document and request.resource_type == "document":
                route.fulfill(body=snap.html, content_type="text/html; charset=utf-8")
            elif request.resource_type == "script":  # the document is as it was
                route.abort()
            else:
                route.continue_()

        page.route("**/*", serve)
        try:
            page.goto(snap.url)
            response = Axe().run(page).response
        finally:
            page.unroute("**/*")
        self.engine = response["testEngine"]["version"]
        counts: Counter[str] = Counter()
        failures = []
        for violation in response["violations"]:
            impact = violation["impact"] or "minor"
            counts[impact] += len(violation["nodes"])
            if impact in FAILING:
                where = "; ".join(
                    " ".join(node["target"]) for node in violation["nodes"][:5]
                )
                failures.append(
                    f"{_path(snap.url)} ({snap.width}px): {impact} {violation['id']}:"
                    f" {violation['help']} at {where}"
                )
        self.checks.append(
            {
                "test": test,
                "url": _path(snap.url),
                "viewport": f"{snap.width}x{snap.height}",
                "violations": dict(counts),
                "rules": sorted({v["id"] for v in response["violations"]}),
            }
        )
        return failures

    def summary(self) -> dict[str, Any]:
        checked = {check["url"] for check in self.checks}
        totals: Counter[str] = Counter()
        for check in self.checks:
            if not check.get("repeat"):
                totals.update(check["violations"])
        return {
            "axe_core": self.engine,
            "failing_impacts": sorted(FAILING),
            "documents_checked": sum(not c.get("repeat") for c in self.checks),
            "pages": len(checked),
            "violations_by_impact": {impact: totals[impact] for impact in IMPACTS},
            # Caught as they navigated away or closed, and never kept afterwards.
            "not_checked": [m for m in self.missed if m["url"] not in checked],
            "checks": self.checks,
        }


def _path(url: str) -> str:
    """A URL without the live server's host and port (they change every run)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="session")
def axe_log(browser: Browser, artifacts: Path) -> Iterator[AxeLog]:
    """Watches every context the tests make; writes the summary at the end."""
    original = browser.new_context
    log = AxeLog(open_context=original)

    def new_context(**kwargs: Any) -> BrowserContext:
        context = original(**kwargs)
        log.watch(context)
        return context

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(browser, "new_context", new_context)
        yield log
    for page in log.pages.values():
        page.context.close()
    artifacts.mkdir(exist_ok=True)
    (artifacts / "axe-summary.json").write_text(
        json.dumps(log.summary(), ensure_ascii=False, indent=1) + "\n"
    )


@pytest.fixture(autouse=True)
def axe_every_page(
    request: pytest.FixtureRequest,
    axe_log: AxeLog,
) -> Iterator[AxeLog]:
    """After each browser test: axe over every page it opened; serious or worse fails."""
    yield axe_log
    failures = axe_log.check(request.node.nodeid)
    if failures:
        pytest.fail(
            "axe-core: serious or critical violations\n" + "\n".join(failures),
            pytrace=False,
        )
