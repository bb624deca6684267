"""Turning uploaded bytes into clean, web-sized JPEG renditions (no database).

Order matters (SECURITY.md T24–T27): sniff the type by magic bytes against an
allow-list (EPS, SVG and anything else never reach Pillow); open with only that
format; refuse on the header's size before decoding; JPEG draft decoding; apply
the EXIF orientation; convert to sRGB; copy the pixels into a fresh image so no
EXIF, GPS, XMP, ICC, comment or text chunk survives; resize; encode JPEG.
"""

import contextlib
import hashlib
import io
import json
import logging
import math
import os
import subprocess
import sys
import threading
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
FULL_SIDE = 2048
THUMB_SIDE = 400
# JPEG draft decoding may shrink by a power of two while the long side stays
# at least this long (a 4000 px phone photo decodes at 2000 px: 4× less work).
DRAFT_MIN_SIDE = 1600
FULL_QUALITY = 85
THUMB_QUALITY = 80
CONTENT_TYPE = "image/jpeg"

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False
warnings.simplefilter("error", Image.DecompressionBombWarning)
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_GENERIC = frozenset({b"mif1", b"msf1"})
_SRGB = ImageCms.createProfile("sRGB")
# At most two decodes at once per process (SECURITY.md T29): eight concurrent
# 12-Mpx uploads on one worker queue here instead of holding eight bitmaps.
MAX_CONCURRENT_DECODES = 2
_DECODES = threading.BoundedSemaphore(MAX_CONCURRENT_DECODES)
# HEIC/HEIF is decoded at full size (libheif has no reduced decode, unlike a
# JPEG's draft), in a child process: one at a time per worker, so two uploads at
# once hold one child's memory, not two.
_HEIF_DECODES = threading.BoundedSemaphore(1)
# The child: this interpreter, without the working directory on its path.
CHILD_COMMAND = (sys.executable, "-P", "-m", "ocop_tracker.photos.decoder")
# A 12-Mpx HEIC takes about a second; a 50-Mpx one on a loaded machine, several.
CHILD_SECONDS = 60.0

log = logging.getLogger(__name__)


class PhotoRefused(Exception):
    """An upload that cannot become a photo; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Rendition:
    """One encoded JPEG and its size."""

    data: bytes
    width: int
    height: int
    sha256: str


@dataclass(frozen=True)
class Processed:
    """What an upload became: the full rendition, the thumbnail, the source format."""

    full: Rendition
    thumb: Rendition
    source_format: str


def _heif_brands(head: bytes) -> tuple[bytes, set[bytes]] | None:
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    box = int.from_bytes(head[0:4], "big")
    if box < 16 or box > len(head):
        box = min(len(head), 64)
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, box - 3, 4)}
    return major, compatible


def sniff(data: bytes) -> str | None:
    """The allowed format the magic bytes announce (JPEG, PNG, WEBP, HEIF), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[0:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    brands = _heif_brands(data[:64])
    if brands is not None:
        major, compatible = brands
        if (
            b"avif" in compatible
            or b"avis" in compatible
            or major in {b"avif", b"avis"}
        ):
            return None
        if major in _HEIF_BRANDS or (
            major in _HEIF_GENERIC and compatible & _HEIF_BRANDS
        ):
            return "HEIF"
    return None


def _too_large() -> PhotoRefused:
    return PhotoRefused(
        413,
        f"Ảnh quá lớn: tối đa {MAX_PIXELS // 1_000_000} megapixel. Hãy chụp lại ở độ phân giải thấp hơn.",
    )


def _undecodable() -> PhotoRefused:
    return PhotoRefused(
        422,
        "Không đọc được ảnh (tệp hỏng hoặc tải lên chưa hết). Hãy chụp hoặc chọn lại ảnh.",
    )


def _to_srgb(im: Image.Image) -> Image.Image:
    """RGB pixels in sRGB, converting through an embedded ICC profile if any."""
    icc = im.info.get("icc_profile")
    if im.mode in ("RGBA", "LA", "PA") or (
        im.mode == "P" and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba).convert("RGB")
        icc = None if im.mode != "RGB" else icc
    if icc and im.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(im, source, _SRGB, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to a plain conversion
    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        im = ImageOps.autocontrast(
            im.convert("I").point(lambda v: v / 256).convert("L")
        )
    return im.convert("RGB")


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _encode(im: Image.Image, quality: int) -> Rendition:
    # A fresh image holds pixels only: no info dict, EXIF, ICC, XMP or comment.
    fresh = Image.new("RGB", im.size)
    fresh.paste(im)
    out = io.BytesIO()
    # Baseline, not progressive: progressive encoding took 4× longer here (55 ms
    # against 14 ms for a 2000×1500 photo) for a 15% smaller file.
    fresh.save(out, "JPEG", quality=quality, optimize=False)
    data = out.getvalue()
    return Rendition(data, fresh.width, fresh.height, hashlib.sha256(data).hexdigest())


def check_size(data: bytes) -> None:
    """413 for an upload over the byte limit, 422 for an empty one."""
    if len(data) > MAX_BYTES:
        raise PhotoRefused(
            413,
            f"Ảnh quá lớn: tối đa {MAX_BYTES // (1024 * 1024)} MB mỗi ảnh.",
        )
    if not data:
        raise PhotoRefused(422, "Chưa có ảnh: tệp gửi lên rỗng.")


def check_type(data: bytes) -> str:
    """The sniffed format, or 415 naming the accepted types."""
    found = sniff(data)
    if found is None:
        raise PhotoRefused(
            415,
            "Định dạng không được nhận: chỉ nhận ảnh JPEG, PNG, WebP hoặc HEIC/HEIF.",
        )
    return found


def process(data: bytes) -> Processed:
    """Check, decode, clean and re-encode an upload; PhotoRefused on bad input.

    A HEIC/HEIF is decoded in a child process (``photos.decoder``): libheif
    decodes at full size, about 155 MB for a 12-Mpx phone photo, and glibc
    kept that memory in the worker after the photo was stored. The child's
    memory goes back to the system when it ends, and a file that crashes or
    hangs the decoder ends only the child (a 422, as for any unreadable file).
    """
    check_size(data)
    fmt = check_type(data)
    with (
        # The HEIF turn first: a HEIC waiting for it holds no decode slot.
        _HEIF_DECODES if fmt == "HEIF" else contextlib.nullcontext(),
        _DECODES,
    ):
        return _run(data, fmt)


def process_here(data: bytes) -> Processed:
    """``process`` in this process, whatever the format (the child's own work)."""
    check_size(data)
    return _decode(data, check_type(data))


def _run(data: bytes, fmt: str) -> Processed:
    if fmt == "HEIF":
        return _in_child(data)
    return _decode(data, fmt)


def _decode(data: bytes, fmt: str) -> Processed:
    try:
        with warnings.catch_warnings():
            # Pillow warns about damaged metadata (EXIF tags past the end, bad
            # chunks); the pixels still decode and the metadata is dropped anyway.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _process(data, fmt)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large() from None
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        IndexError,
        KeyError,
        TypeError,
        ZeroDivisionError,
        RuntimeError,
        MemoryError,
    ):
        raise _undecodable() from None
    except Exception as exc:  # struct.error and plugin-specific errors
        if type(exc).__module__.startswith(("struct", "PIL", "pillow_heif", "_struct")):
            raise _undecodable() from None
        raise


def _in_child(data: bytes) -> Processed:
    """``process_here`` in a fresh ``python -m ocop_tracker.photos.decoder``.

    The bytes go in on stdin; the answer comes back on stdout as one JSON line
    (the renditions' sizes, or the refusal's status and message) and then the
    two JPEGs. A child that fails, dies or runs past ``CHILD_SECONDS`` is a
    file that cannot be read: it is killed and the upload refused with 422.
    """
    env = dict(os.environ)
    env.setdefault("MALLOC_ARENA_MAX", "2")
    try:
        done = subprocess.run(
            [*CHILD_COMMAND],
            input=data,
            capture_output=True,
            timeout=CHILD_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning("HEIF decoder ran past %s s and was stopped", CHILD_SECONDS)
        raise _undecodable() from None
    head, _, body = done.stdout.partition(b"\n")
    try:
        if done.returncode != 0:
            raise ValueError(f"exit {done.returncode}")
        answer = json.loads(head)
        if "refused" in answer:
            status, message = answer["refused"]
            raise PhotoRefused(int(status), str(message))
        full_size, thumb_size = answer["full"], answer["thumb"]
        cut = int(full_size[2])
        if cut + int(thumb_size[2]) != len(body):
            raise ValueError("short answer")
        return Processed(
            full=_rendition(body[:cut], full_size),
            thumb=_rendition(body[cut:], thumb_size),
            source_format=str(answer["format"]),
        )
    except PhotoRefused:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        log.warning(
            "HEIF decoder failed (%s): %s",
            exc,
            done.stderr.decode("utf-8", "replace")[-2000:],
        )
        raise _undecodable() from None


def _rendition(data: bytes, size: list[int]) -> Rendition:
    return Rendition(data, int(size[0]), int(size[1]), hashlib.sha256(data).hexdigest())


def _process(data: bytes, fmt: str) -> Processed:
    # The bomb warning is an error (module filter above); the explicit check
    # below holds even if a caller reset the warning filters.
    im = Image.open(io.BytesIO(data), formats=[fmt])
    with im:
        width, height = im.size
        if width <= 0 or height <= 0:
            raise _undecodable()
        if width * height > MAX_PIXELS:
            raise _too_large()
        if fmt == "JPEG":
            long_side = max(width, height)
            scale = 1
            while scale < 8 and long_side // (scale * 2) >= DRAFT_MIN_SIDE:
                scale *= 2
            if scale > 1:
                im.draft("RGB", (math.ceil(width / scale), math.ceil(height / scale)))
        im.load()
        # In place: a turned copy beside the decoded bitmap would double the
        # peak (12-Mpx HEIC: 130 MB instead of 90 MB).
        ImageOps.exif_transpose(im, in_place=True)
        rgb = _to_srgb(im)
        full_size = _fit(rgb.size, FULL_SIDE)
        full_im = (
            rgb
            if full_size == rgb.size
            else rgb.resize(full_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        full = _encode(full_im, FULL_QUALITY)
        thumb_im = full_im.resize(
            _fit(full_im.size, THUMB_SIDE),
            Image.Resampling.LANCZOS,
            reducing_gap=2.0,
        )
        thumb = _encode(thumb_im, THUMB_QUALITY)
    return Processed(full=full, thumb=thumb, source_format=fmt)


def square(data: bytes, side: int) -> bytes:
    """A stored rendition padded on white to a ``side``×``side`` JPEG (photo packs)."""
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as im:
        im.load()
        fitted = im.convert("RGB")
        scale = side / max(fitted.size)
        width = max(1, min(side, round(fitted.width * scale)))
        height = max(1, min(side, round(fitted.height * scale)))
        if (width, height) != fitted.size:
            fitted = fitted.resize((width, height), Image.Resampling.LANCZOS)
        canvas = Image.new("RGB", (side, side), (255, 255, 255))
        canvas.paste(fitted, ((side - width) // 2, (side - height) // 2))
        out = io.BytesIO()
        canvas.save(out, "JPEG", quality=88)
        return out.getvalue()
