"""Benchmarks of product photos (issue #5): the upload route against a bare Pillow pipeline.

On a throwaway SQLite database migrated by Alembic and loaded with the demo:

1. **Route vs bare, side by side in one run**: a synthetic 12-megapixel phone
   JPEG (4000×3000, photographic noise, EXIF orientation 6, ~4 MB) and a
   12-megapixel HEIC are uploaded through the whole route
   (``POST /api/v1/products/{id}/photos`` on an in-process TestClient: the
   capped body read, authorization, sniffing, decoding with JPEG draft,
   orientation, sRGB, fresh copy, resizing, encoding, atomic writes, the row,
   readiness), interleaved with a bare Pillow pipeline doing the same decode
   (draft) → exif_transpose → resize ≤ 2048 → thumbnail ≤ 400 → JPEG encodes.
   p50 and p99 in ms; the ratio route/bare (goal ≤ 1.5×).
2. **Peak memory per photo**: each pipeline in a fresh subprocess warmed up
   on a small photo of the same format; the rise of the process's peak RSS
   (``VmHWM``) across three full-size photos (goal < 120 MB).
3. **Photos per second with 2 workers**: ``uvicorn --workers 2`` on loopback,
   four client threads posting a fixed count of distinct photos.

Every upload differs by a counter in a JPEG comment (or an appended byte for
HEIC), so the same-bytes retry rule never short-cuts the work. Run alone:
``.venv/bin/python -m bench.photos``.
"""

import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.drills.common import running
from bench.report import Row, fmt_num, markdown_table
from bench.timing import Samples, percentile, wait_healthy

ROUTE_RUNS = 24
HEIC_RUNS = 10
WORKER_PHOTOS = 24
HEIC_WORKER_PHOTOS = 10
LOGIN = "totruong.khom3"
MARK = b"bench-seq-000000"


def phone_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A photograph-like JPEG (smooth gradients plus sensor noise), orientation 6."""
    return phone_jpegs(1, width, height)[0]


def phone_jpegs(count: int, width: int = 4000, height: int = 3000) -> list[bytes]:
    """``count`` such JPEGs whose pixels differ (a patch moves), so every stored
    rendition is a new file, as with real photos."""
    from PIL import Image, ImageChops

    channels = []
    for angle, sigma in ((0, 30), (90, 24), (45, 18)):
        gradient = Image.linear_gradient("L").rotate(angle).resize((width, height))
        noise = Image.effect_noise((width, height), sigma)
        channels.append(ImageChops.add(gradient, noise, scale=2.0, offset=20))
    picture = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "BenchPhone"
    made: list[bytes] = []
    for n in range(count):
        box = ((n * 131) % (width - 64), (n * 97) % (height - 64))
        patch = picture.crop((box[0], box[1], box[0] + 64, box[1] + 64))
        picture.paste(((n * 53) % 256, 90, 200), (*box, box[0] + 64, box[1] + 64))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=90, exif=exif.tobytes(), comment=MARK)
        picture.paste(patch, box)
        made.append(out.getvalue())
    return made


def phone_heic(jpeg: bytes) -> bytes:
    """The same picture as a HEIC, as an iPhone would send it."""
    from PIL import Image

    from ocop_tracker.photos import processing  # noqa: F401  (registers HEIF)

    with Image.open(io.BytesIO(jpeg)) as im:
        out = io.BytesIO()
        im.save(out, "HEIF", quality=80, exif=im.getexif().tobytes())
        return out.getvalue()


def variant(data: bytes, n: int) -> bytes:
    """The same picture with different bytes (the n-th upload)."""
    if MARK in data:
        return data.replace(MARK, f"bench-seq-{n:06d}".encode(), 1)
    return data + n.to_bytes(4, "big")  # HEIF ignores trailing bytes


def bare_pipeline(data: bytes) -> tuple[bytes, bytes]:
    """Decode (draft for JPEG) → orient → resize ≤ 2048 → thumbnail ≤ 400 → JPEG."""
    import pillow_heif
    from PIL import Image, ImageOps

    pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(data)) as im:
        if im.format == "JPEG":
            im.draft("RGB", (im.width // 2, im.height // 2))
        im.load()
        upright = ImageOps.exif_transpose(im).convert("RGB")
        scale = min(1.0, 2048 / max(upright.size))
        full = upright.resize(
            (round(upright.width * scale), round(upright.height * scale)),
            Image.Resampling.LANCZOS,
            reducing_gap=3.0,
        )
        thumb = full.copy()
        thumb.thumbnail((400, 400), Image.Resampling.LANCZOS, reducing_gap=2.0)
        out_full, out_thumb = io.BytesIO(), io.BytesIO()
        full.save(out_full, "JPEG", quality=85)
        thumb.save(out_thumb, "JPEG", quality=80)
        return out_full.getvalue(), out_thumb.getvalue()


@contextmanager
def environment() -> Iterator[dict[str, str]]:
    """A throwaway database (migrated, demo loaded) and media directory."""
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as tmp:
        env = {
            "OCOP_ENV": "development",
            "OCOP_DATABASE_URL": f"sqlite:///{Path(tmp) / 'photos.db'}",
            "OCOP_MEDIA_DIR": str(Path(tmp) / "media"),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        _reset()
        try:
            subprocess.run(
                [sys.executable, "-m", "ocop_tracker", "demo"],
                env={**os.environ, **env},
                check=True,
                capture_output=True,
            )
            yield env
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            _reset()


def _reset() -> None:
    from ocop_tracker.core import db as core_db
    from ocop_tracker.core.config import get_settings

    get_settings.cache_clear()
    if core_db.get_engine.cache_info().currsize:
        core_db.get_engine().dispose()
    core_db.get_engine.cache_clear()
    core_db.get_sessionmaker.cache_clear()
    core_db.get_read_sessionmaker.cache_clear()


class Products:
    """Fresh products in the leader's hamlet, a new one every 12 photos."""

    def __init__(self) -> None:
        self.count = 0
        self.current = 0

    def next_id(self) -> int:
        if self.count % 12 == 0:
            self.current = new_product()
        self.count += 1
        return self.current


def new_product() -> int:
    """A product of a new producer in the bench leader's hamlet (committed)."""
    from ocop_tracker.core.db import get_sessionmaker
    from ocop_tracker.producers import service as producer_service
    from ocop_tracker.producers.models import ProducerKind
    from ocop_tracker.products import service as product_service
    from ocop_tracker.products.models import ProductKind
    from ocop_tracker.users import repository as user_repository

    with get_sessionmaker()() as session:
        user = user_repository.by_login(session, LOGIN)
        assert user is not None
        assert user.area_id is not None
        tag = f"{time.time_ns()}"
        producer = producer_service.create_producer(
            session,
            user,
            hamlet_id=user.area_id,
            kind=ProducerKind.household,
            name=f"Hộ đo ảnh {tag}",
        )
        product = product_service.create_product(
            session,
            user,
            producer_id=producer.id,
            name=f"Sản phẩm đo {tag}",
            kind=ProductKind.agricultural,
        )
        session.commit()
        return product.id


def session_cookie() -> tuple[str, str, str]:
    """(cookie name, token, CSRF token) of a fresh session of the bench leader."""
    from ocop_tracker.auth import service as auth_service
    from ocop_tracker.core.config import get_settings
    from ocop_tracker.core.db import get_sessionmaker
    from ocop_tracker.users import repository as user_repository

    with get_sessionmaker()() as session:
        user = user_repository.by_login(session, LOGIN)
        assert user is not None
        token, auth = auth_service.open_session(
            session, user, client_ip="127.0.0.1", user_agent="bench"
        )
        session.commit()
        return get_settings().session_cookie, token, auth.csrf_token


def side_by_side(inputs: list[bytes], runs: int) -> tuple[Samples, Samples]:
    """Route and bare pipeline timings, interleaved so noise hits both alike."""
    from fastapi.testclient import TestClient

    from ocop_tracker.main import create_app

    name, token, csrf = session_cookie()
    products = Products()
    route: list[float] = []
    bare: list[float] = []
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        client.cookies.set(name, token)
        client.headers["X-CSRF-Token"] = csrf

        def upload(n: int) -> None:
            response = client.post(
                f"/api/v1/products/{products.next_id()}/photos",
                content=variant(inputs[n % len(inputs)], n),
                headers={"Content-Type": "application/octet-stream"},
            )
            if response.status_code != 201:
                raise RuntimeError(
                    f"upload answered {response.status_code}: {response.text}"
                )

        upload(0)
        bare_pipeline(inputs[0])  # warm both paths
        for n in range(1, runs + 1):
            start = time.perf_counter()
            upload(n)
            route.append(time.perf_counter() - start)
            start = time.perf_counter()
            bare_pipeline(variant(inputs[n % len(inputs)], n))
            bare.append(time.perf_counter() - start)
    return Samples(tuple(route)), Samples(tuple(bare))


_MEMORY_CHILD = """
import io, sys, time
def hwm():
    # Peak RSS of this address space (ru_maxrss would inherit the parent's
    # peak through fork/exec).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
sys.path.insert(0, {root!r})
import pillow_heif
pillow_heif.register_heif_opener()
from bench import photos as b
data = open({path!r}, "rb").read()
mode = sys.argv[1]
if mode in ("route", "route2"):
    from fastapi.testclient import TestClient
    from ocop_tracker.main import create_app
    name, token, csrf = b.session_cookie()
    products = b.Products()
    client = TestClient(create_app(), base_url="http://127.0.0.1")
    client.__enter__()
    client.cookies.set(name, token)
    client.headers["X-CSRF-Token"] = csrf
    def run(n):
        r = client.post(f"/api/v1/products/{{products.next_id()}}/photos",
                        content=b.variant(data, n),
                        headers={{"Content-Type": "application/octet-stream"}})
        assert r.status_code == 201, r.text
else:
    def run(n):
        b.bare_pipeline(b.variant(data, n))
big = data
data = open({small!r}, "rb").read()
run(1)  # a small photo of the same format: imports, codecs, connections
base = hwm()
data = big
if mode == "route2":  # two uploads at once, twice
    import threading
    for n in (2, 4):
        pair = [threading.Thread(target=run, args=(m,)) for m in (n, n + 1)]
        for t in pair:
            t.start()
        for t in pair:
            t.join()
else:
    for n in range(2, 5):
        run(n)
peak = hwm()
print((peak - base) / 1024.0)
"""


def peak_memory_mb(path: Path, mode: str, env: dict[str, str]) -> float:
    """Rise of peak RSS over a process warmed up on a small photo of the same
    format, across three full-size photos (MB)."""
    from PIL import Image

    root = str(Path(__file__).resolve().parents[1])
    small = path.with_name(f"small-{path.name}")
    with Image.open(path) as im:
        fmt = im.format
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (90, 120, 60)).save(out, fmt)
    small.write_bytes(out.getvalue())
    script = _MEMORY_CHILD.format(root=root, path=str(path), small=str(small))
    done = subprocess.run(
        [sys.executable, "-c", script, mode],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _upload_request(
    base: str, product_id: int, body: bytes, cookie: str, csrf: str
) -> urllib.request.Request:
    """A raw photo upload to a product, as the signed-in bench leader."""
    return urllib.request.Request(
        f"{base}/api/v1/products/{product_id}/photos",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/octet-stream",
            "Cookie": cookie,
            "X-CSRF-Token": csrf,
        },
    )


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def served_peak_mb(path: Path, env: dict[str, str]) -> tuple[float, float]:
    """Rise of the server's own peak RSS (MB) over two pairs of uploads at once,
    and its resident size before them: ``ocop-tracker serve`` as an operator
    runs it (one worker, in its own process), warmed up on a small photo of the
    same format. Only the server is measured; the client is this process."""
    from PIL import Image

    small = io.BytesIO()
    with Image.open(path) as im:
        fmt = im.format
    Image.new("RGB", (160, 120), (90, 120, 60)).save(small, fmt)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        tempfile.TemporaryDirectory() as logs,
        running(
            [sys.executable, "-m", "ocop_tracker", "serve", "--port", str(port)],
            {**os.environ, **env},
            port,
            Path(logs) / "server.log",
        ) as server,
    ):
        name, token, csrf = session_cookie()
        products = Products()
        data = path.read_bytes()

        def upload(body: bytes) -> None:
            request = _upload_request(
                base, products.next_id(), body, f"{name}={token}", csrf
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                assert response.status == 201, response.status

        upload(small.getvalue())  # imports, codecs, connections
        upload(variant(data, 1))  # one full-size photo: the worker's usual size
        # Reset the peak to the present size (Linux: "5" to clear_refs).
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")
        before = _status_kb(server.pid, "VmRSS")
        for n in (2, 4):
            pair = [
                threading.Thread(target=upload, args=(variant(data, m),))
                for m in (n, n + 1)
            ]
            for t in pair:
                t.start()
            for t in pair:
                t.join()
        peak = _status_kb(server.pid, "VmHWM")
        return (peak - before) / 1024.0, before / 1024.0


_DECODER_PEAK = """
import resource, subprocess, sys
with open(sys.argv[1], "rb") as f:
    data = f.read()
subprocess.run([sys.executable, "-P", "-m", "ocop_tracker.photos.decoder"],
               input=data, capture_output=True, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0)
"""


def decoder_peak_mb(path: Path, env: dict[str, str]) -> float:
    """Peak RSS (MB) of the child process a worker starts to decode one HEIC
    (``photos.decoder``), the whole process, read when it has ended."""
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", _DECODER_PEAK, str(path)],
        env={**os.environ, **env, "MALLOC_ARENA_MAX": "2"},
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workers_rate(
    inputs: list[bytes], photos: int, env: dict[str, str]
) -> tuple[float, float]:
    """Photos per second through uvicorn --workers 2, four client threads; p50 ms."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "ocop_tracker.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-access-log",
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server)
        name, token, csrf = session_cookie()
        targets = [new_product() for _ in range((photos + 11) // 12)]
        jobs = [
            (targets[i // 12], variant(inputs[i % len(inputs)], 10_000 + i))
            for i in range(photos)
        ]
        lock = threading.Lock()
        latencies: list[float] = []
        errors: list[str] = []

        def worker() -> None:
            while True:
                with lock:
                    if not jobs:
                        return
                    product_id, body = jobs.pop()
                request = _upload_request(
                    base, product_id, body, f"{name}={token}", csrf
                )
                start = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        response.read()
                except OSError as exc:
                    errors.append(str(exc))
                with lock:
                    latencies.append(time.perf_counter() - start)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        if errors:
            raise RuntimeError(f"{len(errors)} uploads failed: {errors[:3]}")
        return photos / elapsed, percentile(latencies, 50) * 1000
    finally:
        server.terminate()
        server.wait(timeout=15)


def _ratio_row(
    label: str, route: Samples, bare: Samples, size: int, goal: str = "≤ 1.5× bare"
) -> list[Row]:
    ratio = route.percentile_ms(50) / bare.percentile_ms(50)
    return [
        Row(
            f"photo upload route, {label}",
            "sqlite",
            count=f"{route.count} runs",
            value=fmt_num(route.percentile_ms(50)),
            p95=fmt_num(route.percentile_ms(99)),
            notes=f"ms (p50, p99 in the p95 column); input {size / 1e6:.1f} MB",
            goal=goal,
            ratio=f"{ratio:.2f}×",
        ),
        Row(
            f"bare Pillow pipeline, {label}",
            "sqlite",
            count=f"{bare.count} runs",
            value=fmt_num(bare.percentile_ms(50)),
            p95=fmt_num(bare.percentile_ms(99)),
            notes="ms (p50, p99); draft decode → orient → resize → 2 JPEGs",
        ),
    ]


def run(
    *,
    route_runs: int = ROUTE_RUNS,
    heic_runs: int = HEIC_RUNS,
    worker_photos: int = WORKER_PHOTOS,
    heic_worker_photos: int = HEIC_WORKER_PHOTOS,
    progress: Callable[[str], Any] = lambda _m: None,
) -> list[Row]:
    """Every photo benchmark on a throwaway SQLite database; rows for the table."""
    rows: list[Row] = []
    progress("photos: making 12-Mpx phone JPEGs and a HEIC")
    jpegs = phone_jpegs(route_runs + 1 + worker_photos)
    jpeg = jpegs[0]
    heic = phone_heic(jpeg)
    with environment() as env, tempfile.TemporaryDirectory() as tmp:
        jpeg_path, heic_path = Path(tmp) / "phone.jpg", Path(tmp) / "phone.heic"
        jpeg_path.write_bytes(jpeg)
        heic_path.write_bytes(heic)
        progress("photos: route vs bare, JPEG")
        route, bare = side_by_side(jpegs[: route_runs + 1], route_runs)
        rows += _ratio_row("12-Mpx JPEG", route, bare, len(jpeg))
        progress(markdown_table(rows))
        progress("photos: route vs bare, HEIC")
        route_h, bare_h = side_by_side([heic], heic_runs)
        rows += _ratio_row("12-Mpx HEIC", route_h, bare_h, len(heic))
        progress(markdown_table(rows))
        progress("photos: peak memory")
        for label, path in (("12-Mpx JPEG", jpeg_path), ("12-Mpx HEIC", heic_path)):
            mem_route = peak_memory_mb(path, "route", env)
            mem_bare = peak_memory_mb(path, "bare", env)
            mem_pairs = peak_memory_mb(path, "route2", env)
            rows.append(
                Row(
                    f"peak RSS rise per photo, {label}",
                    "sqlite",
                    count="3 uploads",
                    value=fmt_num(mem_route),
                    notes=f"MB, whole route; bare pipeline {fmt_num(mem_bare)} MB",
                    goal="< 120 MB",
                    ratio=f"{mem_route / 120:.2f}×",
                )
            )
            rows.append(
                Row(
                    f"peak RSS rise, 2 uploads at once, {label}",
                    "sqlite",
                    count="2 × 2 uploads",
                    value=fmt_num(mem_pairs),
                    notes="MB, whole route, one worker; HEIC decodes one at a time",
                    goal="< 120 MB",
                    ratio=f"{mem_pairs / 120:.2f}×",
                )
            )
            served, resident = served_peak_mb(path, env)
            rows.append(
                Row(
                    f"server's peak RSS rise, 2 uploads at once, {label}",
                    "sqlite",
                    count="2 × 2 uploads",
                    value=fmt_num(served),
                    notes="MB, `ocop-tracker serve` alone (VmHWM), one worker; "
                    f"{fmt_num(resident)} MB resident before",
                    goal="< 120 MB",
                    ratio=f"{served / 120:.2f}×",
                )
            )
            if label.endswith("HEIC"):
                child = decoder_peak_mb(path, env)
                rows.append(
                    Row(
                        "HEIC decoder's peak RSS, the child process alone",
                        "sqlite",
                        count="1 photo",
                        value=fmt_num(child),
                        notes="MB, whole process (interpreter included), "
                        "returned to the system when it ends; one at a time per worker",
                    )
                )
        progress("photos: 2 workers")
        for label, inputs, count in (
            ("12-Mpx JPEG", jpegs[route_runs + 1 :], worker_photos),
            ("12-Mpx HEIC", [heic], heic_worker_photos),
        ):
            rate, p50 = workers_rate(inputs, count, env)
            rows.append(
                Row(
                    f"uploads, uvicorn --workers 2, {label}",
                    "sqlite",
                    count=f"{count} photos",
                    value=fmt_num(rate),
                    notes=f"photos/s, 4 client threads; p50 {fmt_num(p50)} ms",
                )
            )
    return rows


if __name__ == "__main__":
    sys.stdout.write(markdown_table(run(progress=lambda m: sys.stderr.write(f"{m}\n"))))
