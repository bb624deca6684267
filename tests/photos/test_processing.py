"""Processing uploads (SECURITY.md T24–T27): type by content, bombs, metadata, orientation."""

import io
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from ocop_tracker.photos import processing
from ocop_tracker.photos.processing import PhotoRefused
from tests.photos import corpus


def _stored(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def assert_clean(data: bytes) -> None:
    """No EXIF, GPS, XMP, ICC, comment or script in a stored JPEG, by parse and by bytes."""
    im = _stored(data)
    assert im.format == "JPEG"
    assert len(im.getexif()) == 0
    assert "icc_profile" not in im.info
    assert "comment" not in im.info
    assert "xmp" not in im.info
    assert "exif" not in im.info
    for needle in (
        b"Exif\x00\x00",
        b"GPS",
        b"<x:xmpmeta",
        b"<script",
        b"ICC_PROFILE",
        b"PhoneMaker",
        b"adobe",
    ):
        assert needle not in data, needle


def test_limits_are_the_policy() -> None:
    assert Image.MAX_IMAGE_PIXELS == 50_000_000
    assert processing.MAX_PIXELS == 50_000_000
    assert processing.MAX_BYTES == 20 * 1024 * 1024
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_phone_jpeg_comes_out_upright_clean_and_sized() -> None:
    source = corpus.phone_jpeg(4000, 3000, orientation=6)
    before = _stored(source)
    assert before.getexif()[corpus.ORIENTATION] == 6
    assert "comment" in before.info
    result = processing.process(source)
    full = _stored(result.full.data)
    # Orientation 6 turns a landscape sensor image into a portrait photo.
    assert full.height > full.width
    assert max(full.size) <= 2048
    assert (full.width, full.height) == (result.full.width, result.full.height)
    # The red half (left in the sensor image) is on top once rotated 90° clockwise.
    pixel = full.convert("RGB").getpixel((full.width // 2, full.height // 4))
    assert isinstance(pixel, tuple)
    r, _, b = pixel
    assert r > 150
    assert b < 100
    assert_clean(result.full.data)
    assert_clean(result.thumb.data)
    thumb = _stored(result.thumb.data)
    assert max(thumb.size) <= 400
    assert thumb.height > thumb.width


@pytest.mark.parametrize(
    ("make", "fmt"),
    [
        (corpus.png_with_text, "PNG"),
        (corpus.webp, "WEBP"),
        (corpus.heic, "HEIF"),
        (corpus.rgba_png, "PNG"),
    ],
)
def test_other_formats_are_cleaned(make: object, fmt: str) -> None:
    source = make()  # type: ignore[operator]
    result = processing.process(source)
    assert result.source_format == fmt
    assert_clean(result.full.data)
    assert _stored(result.full.data).mode == "RGB"


def test_png_text_and_icc_are_dropped() -> None:
    source = corpus.png_with_text()
    im = _stored(source)
    assert "icc_profile" in im.info
    assert "Comment" in im.info
    assert_clean(processing.process(source).full.data)


def test_small_images_are_not_enlarged() -> None:
    result = processing.process(corpus.plain_jpeg(640, 480))
    assert (result.full.width, result.full.height) == (640, 480)


def test_same_bytes_give_same_output() -> None:
    source = corpus.plain_jpeg(1000, 800)
    assert (
        processing.process(source).full.sha256 == processing.process(source).full.sha256
    )


@pytest.mark.parametrize(
    "data",
    [
        corpus.SVG,
        corpus.EPS,
        corpus.TEXT,
        corpus.HTML,
        corpus.PHP_GIF,
        corpus.EICAR,
        corpus.PDF,
        corpus.ZIP,
        b"\xc5\xd0\xd3\xc6" + b"\x00" * 40,  # DOS EPS binary header
        b"8BPS" + b"\x00" * 40,  # PSD
        b"SIMPLE  =                    T" + b" " * 50,  # FITS
        b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 20,  # JPEG 2000
    ],
    ids=[
        "svg",
        "eps",
        "text",
        "html",
        "php-gif",
        "eicar",
        "pdf",
        "zip",
        "eps-dos",
        "psd",
        "fits",
        "jp2",
    ],
)
def test_types_outside_the_allow_list_are_415(data: bytes) -> None:
    with pytest.raises(PhotoRefused) as caught:
        processing.process(data)
    assert caught.value.status == 415
    assert "JPEG, PNG, WebP" in caught.value.message


@pytest.mark.parametrize("make", [corpus.tiff, corpus.ico, corpus.gif, corpus.avif])
def test_real_images_of_other_formats_are_415(make: object) -> None:
    with pytest.raises(PhotoRefused) as caught:
        processing.process(make())  # type: ignore[operator]
    assert caught.value.status == 415


def test_eps_never_reaches_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("Pillow was asked to open an EPS")

    monkeypatch.setattr(Image, "open", forbidden)
    with pytest.raises(PhotoRefused):
        processing.process(corpus.EPS)


def test_jpeg_bytes_named_as_png_are_read_as_jpeg() -> None:
    # The magic bytes decide; the (absent) name or declared type never does.
    assert processing.process(corpus.plain_jpeg(300, 200)).source_format == "JPEG"


def test_truncated_jpeg_is_422() -> None:
    with pytest.raises(PhotoRefused) as caught:
        processing.process(corpus.truncated_jpeg())
    assert caught.value.status == 422


def test_pixel_bomb_png_is_413_quickly() -> None:
    bomb = corpus.png_bomb(20_000)
    assert len(bomb) < 200_000
    started = time.monotonic()
    with pytest.raises(PhotoRefused) as caught:
        processing.process(bomb)
    assert caught.value.status == 413
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(("w", "h"), [(65000, 65000), (10000, 5001), (8000, 8000)])
def test_jpeg_header_claiming_too_many_pixels_is_413(w: int, h: int) -> None:
    with pytest.raises(PhotoRefused) as caught:
        processing.process(corpus.jpeg_claiming(w, h))
    assert caught.value.status == 413


def test_zero_height_is_refused() -> None:
    with pytest.raises(PhotoRefused) as caught:
        processing.process(corpus.jpeg_claiming(5000, 0))
    assert caught.value.status in (413, 422)


def test_over_20_mb_is_413_and_empty_is_422() -> None:
    with pytest.raises(PhotoRefused) as caught:
        processing.process(b"\xff\xd8\xff" + b"\x00" * (processing.MAX_BYTES))
    assert caught.value.status == 413
    with pytest.raises(PhotoRefused) as caught:
        processing.process(b"")
    assert caught.value.status == 422


def test_square_pads_on_white() -> None:
    full = processing.process(corpus.plain_jpeg(1200, 600)).full.data
    square = _stored(processing.square(full, 1000))
    assert square.size == (1000, 1000)
    assert square.getpixel((500, 5)) == pytest.approx((255, 255, 255), abs=3)


SEEDS = [
    corpus.plain_jpeg(64, 48),
    corpus.png_with_text(40, 30),
    corpus.webp(40, 30),
    corpus.heic(64, 48),  # decoded in a child: a crash there is a 422
]


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.sampled_from(SEEDS),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_fuzzed_images_give_a_photo_or_a_4xx(
    seed: bytes, flips: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(seed)
    for at, value in flips:
        data[at % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    status = 0
    try:
        result = processing.process(bytes(data))
    except PhotoRefused as exc:
        status = exc.status
    else:
        assert_clean(result.full.data)
    assert status in (0, 413, 415, 422)


def test_heic_orientation_is_applied_once() -> None:
    im = Image.new("RGB", (400, 300), (0, 200, 0))
    im.paste((255, 0, 0), (0, 0, 200, 300))
    exif = Image.Exif()
    exif[corpus.ORIENTATION] = 6
    out = io.BytesIO()
    im.save(out, "HEIF", exif=exif.tobytes())
    result = processing.process(out.getvalue())
    assert (result.full.width, result.full.height) == (300, 400)
    stored = _stored(result.full.data).convert("RGB")
    top = stored.getpixel((150, 10))
    assert isinstance(top, tuple)
    assert top[0] > 200  # the left (red) half is on top after a 90° turn
    assert_clean(result.full.data)


def test_at_most_two_decodes_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    running = 0
    peak = 0
    lock = threading.Lock()
    real = processing._process

    def counting(data: bytes, fmt: str) -> processing.Processed:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        try:
            return real(data, fmt)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(processing, "_process", counting)
    source = corpus.plain_jpeg(200, 150)
    threads = [
        threading.Thread(target=processing.process, args=(source,)) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == processing.MAX_CONCURRENT_DECODES == 2


def test_heic_decodes_one_at_a_time_beside_other_formats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    running: dict[str, int] = {"HEIF": 0, "JPEG": 0}
    peak: dict[str, int] = {"HEIF": 0, "JPEG": 0, "all": 0}
    both = 0
    lock = threading.Lock()
    real = processing._run

    def counting(data: bytes, fmt: str) -> processing.Processed:
        nonlocal both
        with lock:
            running[fmt] += 1
            peak[fmt] = max(peak[fmt], running[fmt])
            if running["HEIF"] and running["JPEG"]:
                both += 1
            peak["all"] = max(peak["all"], running["HEIF"] + running["JPEG"])
        time.sleep(0.05)
        try:
            return real(data, fmt)
        finally:
            with lock:
                running[fmt] -= 1

    monkeypatch.setattr(processing, "_run", counting)
    sources = [corpus.heic(200, 150)] * 4 + [corpus.plain_jpeg(200, 150)] * 4
    threads = [threading.Thread(target=processing.process, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak["HEIF"] == 1  # one HEIC child at a time
    assert both > 0  # a JPEG still decodes beside a HEIC
    assert peak["all"] == processing.MAX_CONCURRENT_DECODES  # and two at most


def test_heic_is_decoded_in_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_here(data: bytes, fmt: str) -> processing.Processed:
        raise AssertionError(f"{fmt} decoded in the serving process")

    source = corpus.heic(800, 600)
    here = processing.process_here(source)
    monkeypatch.setattr(processing, "_process", not_here)
    result = processing.process(source)
    assert result == here  # the same renditions, byte for byte
    assert result.source_format == "HEIF"
    assert_clean(result.full.data)
    with pytest.raises(AssertionError):
        processing.process(corpus.plain_jpeg(200, 150))  # a JPEG stays here


def test_heic_refusals_come_back_from_the_child(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = corpus.heic(800, 600)
    with pytest.raises(PhotoRefused) as caught:
        processing.process(source[: len(source) // 2])
    assert caught.value.status == 422
    assert "Không đọc được ảnh" in caught.value.message
    # The child refused it itself: no failed child was logged.
    assert not [r for r in caplog.records if "decoder" in r.getMessage()]


@pytest.mark.parametrize(
    "child",
    [
        "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",  # a decoder crash
        "import sys; sys.stdin.buffer.read(); sys.stdout.write('{}')",  # nonsense
        'import sys; sys.stdout.write(\'{"full": [1, 1, 99], "thumb": [1, 1, 1]}\\n\')',
        "import time; time.sleep(30)",  # a decoder that hangs
    ],
    ids=["crash", "nonsense", "short", "hang"],
)
def test_a_failing_child_is_an_unreadable_file(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, child: str
) -> None:
    monkeypatch.setattr(processing, "CHILD_COMMAND", (sys.executable, "-c", child))
    monkeypatch.setattr(processing, "CHILD_SECONDS", 1.5)
    started = time.monotonic()
    with pytest.raises(PhotoRefused) as caught:
        processing.process(corpus.heic(200, 150))
    assert caught.value.status == 422
    assert time.monotonic() - started < 10
    assert [r for r in caplog.records if "HEIF decoder" in r.getMessage()]
    # The next HEIC is decoded as usual: the failed child held no slot.
    monkeypatch.undo()
    assert processing.process(corpus.heic(200, 150)).full.width == 200
