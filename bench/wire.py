"""Bytes on the wire: each main page in Chromium at 360×740, cold cache then warm.

Starts ``ocop-tracker serve`` over a fresh SQLite file with the demo (as the
browser tests do), signs in as the demo hamlet leader, and opens each page
twice in one browser context: first with an empty cache, then again (a new
navigation, as when a user comes back to it). What crossed the wire is read
from the DevTools protocol (``Network.loadingFinished``'s
``encodedDataLength``: headers and the body as sent, compressed or not; 0 for
what came from the cache). Prints a table and, per page, the photos' share.

Run: ``.venv/bin/python -m bench.wire [--dpr 1]`` (Debian's /usr/bin/chromium).
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import CDPSession, Page, sync_playwright

from bench.timing import wait_healthy

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "mua-lua-thom-2026"
LOGIN = "totruong.khom3"
OFFICIAL = "canbo.khom3"


@dataclass
class Load:
    """What one navigation transferred."""

    total: int = 0
    photos: int = 0
    requests: int = 0
    cached: int = 0
    sizes: dict[str, int] = field(default_factory=dict)


@contextmanager
def live_server(code: str | None) -> Iterator[str]:
    """The app on a spare port over a throwaway SQLite file with the demo data
    (the app's code from ``code`` when given: another checkout, to compare)."""
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        env = {
            **os.environ,
            "OCOP_ENV": "development",
            "OCOP_DATABASE_URL": f"sqlite:///{Path(tmp) / 'wire.db'}",
            "OCOP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "OCOP_MEDIA_DIR": str(Path(tmp) / "media"),
        }
        if code:
            env["PYTHONPATH"] = code
        subprocess.run(
            [sys.executable, "-m", "ocop_tracker", "demo"],
            env=env,
            cwd=code,
            check=True,
            capture_output=True,
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "ocop_tracker", "serve", "--port", str(port)],
            env=env,
            cwd=code,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, server, 60)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def measure(page: Page, cdp: CDPSession, url: str) -> Load:
    """Open ``url`` and add up what each request transferred."""
    load = Load()
    urls: dict[str, str] = {}
    from_cache: set[str] = set()

    def on_response(event: dict[str, object]) -> None:
        response = event["response"]
        assert isinstance(response, dict)
        urls[str(event["requestId"])] = str(response["url"])
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            from_cache.add(str(event["requestId"]))

    def on_cached(event: dict[str, object]) -> None:
        from_cache.add(str(event["requestId"]))

    def on_finished(event: dict[str, object]) -> None:
        request_id = str(event["requestId"])
        size = int(str(event["encodedDataLength"]))
        where = urls.get(request_id, "?")
        load.requests += 1
        if request_id in from_cache or size == 0:
            load.cached += 1
            return
        load.total += size
        load.sizes[where] = size
        if "/photos/" in where:
            load.photos += size

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.requestServedFromCache", on_cached)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    cdp.remove_listener("Network.responseReceived", on_response)
    cdp.remove_listener("Network.requestServedFromCache", on_cached)
    cdp.remove_listener("Network.loadingFinished", on_finished)
    return load


def run(dpr: float, code: str | None = None) -> list[tuple[str, Load, Load]]:
    """Each main page, cold then warm, at 360×740 and ``dpr``."""
    rows: list[tuple[str, Load, Load]] = []
    with live_server(code) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic"],
        )
        # Signed in once per role; each page then gets a context of its own (a
        # cold cache).
        states: dict[str, Any] = {}
        for login in (LOGIN, OFFICIAL):
            setup = browser.new_context(viewport={"width": 360, "height": 740})
            page = setup.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
            page.get_by_label("Mật khẩu").fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_load_state("load")
            if login == LOGIN:
                page.goto(f"{base}/worklist")
                page.get_by_role(
                    "link", name="Bánh pía sầu riêng trứng muối"
                ).first.click()
                product = page.url.split("?")[0]
                public = page.get_by_role(
                    "link", name="Xem trang công khai"
                ).get_attribute("href")
                page.get_by_role("link", name="Cơ sở bánh pía Kim Hoa (demo)").click()
                producer = page.url.split("?")[0]
            states[login] = setup.storage_state()
            setup.close()
        leader, official = LOGIN, OFFICIAL
        pages = [
            ("Đăng nhập (/login)", f"{base}/login", None),
            ("Việc cần làm (/worklist)", f"{base}/worklist", leader),
            ("Sản phẩm (/products/{id})", product, leader),
            ("Sửa sản phẩm (/products/{id}/edit)", f"{product}/edit", leader),
            ("Lịch sử sản phẩm (/products/{id}/history)", f"{product}/history", leader),
            ("Thêm sản phẩm (/products/new)", f"{base}/products/new", leader),
            ("Hộ sản xuất (/producers)", f"{base}/producers", leader),
            ("Một chủ thể (/producers/{id})", producer, leader),
            ("Tổ của tôi (/team)", f"{base}/team", leader),
            ("In thẻ QR (/cards)", f"{base}/cards", leader),
            ("Địa bàn (/areas)", f"{base}/areas", leader),
            ("Token API (/account/tokens)", f"{base}/account/tokens", leader),
            ("Báo cáo (/reports)", f"{base}/reports", leader),
            ("Xác minh (/verify)", f"{base}/verify", official),
            ("Nhật ký (/audit)", f"{base}/audit", official),
            ("Các tổ (/teams)", f"{base}/teams", official),
            ("Tài khoản (/users)", f"{base}/users", official),
            ("Nhập danh sách (/imports)", f"{base}/imports", official),
            ("Trang công khai (/p/{code})", f"{base}{public}", None),
        ]
        for name, url, who in pages:
            context = browser.new_context(
                viewport={"width": 360, "height": 740},
                device_scale_factor=dpr,
                storage_state=states[who] if who else None,
            )
            tab = context.new_page()
            cdp = context.new_cdp_session(tab)
            cdp.send("Network.enable")
            cold = measure(tab, cdp, url)
            warm = measure(tab, cdp, url)
            rows.append((name, cold, warm))
            context.close()
        browser.close()
    return rows


def table(rows: list[tuple[str, Load, Load]], dpr: float) -> str:
    """The figures as a Markdown table (kB = 1,000 bytes)."""
    lines = [
        f"Transferred at 360×740, device pixel ratio {dpr:g} (kB, headers included):",
        "",
        "| page | cold | of which photos | requests | warm | from cache |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, cold, warm in rows:
        lines.append(
            f"| {name} | {cold.total / 1000:.1f} | {cold.photos / 1000:.1f} "
            f"| {cold.requests} | {warm.total / 1000:.1f} | {warm.cached}/{warm.requests} |"
        )
    name, largest, _ = max(rows, key=lambda row: row[1].total)
    lines += ["", f"Largest cold: {name}, {largest.total / 1000:.1f} kB."]
    return "\n".join(lines)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dpr", type=float, default=1.0)
    parser.add_argument("--code", help="serve the app from this checkout")
    args = parser.parse_args()
    sys.stdout.write(table(run(args.dpr, args.code), args.dpr) + "\n")


if __name__ == "__main__":
    main()
