"""The team phone without a signal (issue #19): what it keeps, and how long its
queue takes to send on a slow link.

``python -m bench.offline`` starts ``ocop-tracker serve`` on the demo (the
plan's pilot hamlets) and drives Debian's Chromium at 360×740 as the member
``thanhvien.khom3``: once signed in, the phone keeps the hamlet's pages (the
table gives how many and their bytes); offline, 20 items are queued — 15 new
households and 5 product photos, each a 12-megapixel camera JPEG the page
shrinks to 2,048 px —; back online under Chromium's "Slow 3G" emulation
(2,000 ms round trip, 50,000 bytes/s each way, DevTools' preset) and without
it, the time from reconnecting to an empty queue, sent by the page (Chromium
emulates the link for pages, not for the service worker, so Background Sync
is kept off here). Each run uses a fresh demo database in a temporary folder.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image
from playwright.sync_api import FilePayload, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "mua-lua-thom-2026"
SLOW_3G = {"latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
PRODUCERS = 15
PHOTOS = 5


@contextmanager
def served(port: int) -> Iterator[str]:
    """The demo served on ``port`` over a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "OCOP_ENV": "development",
            "OCOP_DATABASE_URL": f"sqlite:///{folder}/offline.db",
            "OCOP_MEDIA_DIR": f"{folder}/media",
            "OCOP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
        run = [sys.executable, "-m", "ocop_tracker"]
        subprocess.run([*run, "demo"], env=env, check=True, capture_output=True)
        server = subprocess.Popen(
            [*run, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                        break
                except OSError:
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def camera_jpeg(seed: int) -> bytes:
    """A 4,000×3,000 JPEG, about what a cheap phone's camera makes of a
    product on a table: smooth light with the sensor's grain."""
    light = Image.linear_gradient("L").resize((4000, 3000)).rotate(seed * 30)
    grain = Image.effect_noise((4000, 3000), 12)
    image = Image.merge("RGB", (light, Image.blend(light, grain, 0.3), grain))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("thanhvien.khom3")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "() => document.documentElement.getAttribute('data-kept')", timeout=120_000
    )


def queue(page: Page, base: str, run: int) -> list[str]:
    """Queue the items offline; the product pages the photos went to."""
    for n in range(PRODUCERS):
        page.goto(f"{base}/products/new")
        page.get_by_label("Tên chủ thể").fill(f"Hộ Thử Hàng Chờ {run}-{n}")
        page.get_by_label("Số điện thoại").fill(f"0912 {run:03d} {n:03d}")
        page.get_by_role("button", name="Thêm chủ thể và tiếp tục").click()
        page.wait_for_function(
            f"() => document.getElementById('outbox-count')?.textContent.startsWith('{n + 1} ')"
        )
    page.goto(f"{base}/worklist")
    products: list[str] = []
    for n in range(PHOTOS):
        page.goto(f"{base}/offline/outbox")
        hrefs = page.evaluate(
            "() => caches.open('ocop-pages').then(c => c.keys()).then(ks => ks.map(k => new URL(k.url).pathname).filter(p => /^\\/products\\/\\d+$/.test(p)))"
        )
        target = hrefs[n % len(hrefs)]
        page.goto(f"{base}{target}")
        upload = page.locator("form[data-photo-upload]")
        upload.locator("input[type=file]").set_input_files(
            files=[
                FilePayload(
                    name=f"anh-{n}.jpg", mimeType="image/jpeg", buffer=camera_jpeg(n)
                )
            ]
        )
        upload.get_by_role("button").last.click()
        page.wait_for_function(
            f"() => document.getElementById('outbox-count')?.textContent.startsWith('{PRODUCERS + n + 1} ')",
            timeout=60_000,
        )
        products.append(target)
    return products


def measure(base: str, throttle: bool, run: int) -> dict[str, float]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="vi-VN"
        )
        # Chromium emulates a slow link for a page, not for its service worker:
        # Background Sync is kept from registering, so the page sends the queue.
        context.add_init_script(
            "if (self.SyncManager) { SyncManager.prototype.register = () => Promise.resolve(); }"
        )
        page = context.new_page()
        sign_in(page, base)
        kept = page.evaluate("document.documentElement.getAttribute('data-kept')")
        pages, kept_bytes = (int(x) for x in kept.split(":"))
        context.set_offline(True)
        queue(page, base, run)
        page.goto(f"{base}/offline/outbox")
        queued = page.evaluate(
            "() => window.ocopOutbox.all().then(items => items.reduce((n, i) => n + i.fields.reduce((m, f) => m + (f[1].size || String(f[1]).length), 0), 0))"
        )
        usage = page.evaluate("() => navigator.storage.estimate().then(e => e.usage)")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        if throttle:
            cdp.send("Network.emulateNetworkConditions", {"offline": False, **SLOW_3G})
        start = time.perf_counter()
        context.set_offline(False)
        page.wait_for_function(
            "() => document.querySelector('.outbox-bar')?.hidden",
            timeout=900_000,
            polling=200,
        )
        took = time.perf_counter() - start
        browser.close()
    return {
        "pages": pages,
        "kept_kb": kept_bytes / 1024,
        "queued_kb": queued / 1024,
        "usage_kb": usage / 1024,
        "sync_s": took,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.offline")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    rows = []
    with served(args.port) as base:
        for run, (name, throttle) in enumerate(
            (("no throttling", False), ("Slow 3G", True)), 1
        ):
            m = measure(base, throttle, run)
            rows.append(
                [
                    name,
                    f"{m['pages']:.0f}",
                    f"{m['kept_kb']:.0f}",
                    f"{PRODUCERS + PHOTOS} ({PHOTOS} photos)",
                    f"{m['queued_kb']:.0f}",
                    f"{m['usage_kb']:.0f}",
                    f"{m['sync_s']:.1f}",
                ]
            )
    header = [
        "link",
        "pages kept",
        "kept KB",
        "queued items",
        "queued KB",
        "storage used KB",
        "sync s",
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, ["-" * w for w in widths], *rows]:
        cells = " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
        sys.stdout.write(f"| {cells} |\n")


if __name__ == "__main__":
    main()
