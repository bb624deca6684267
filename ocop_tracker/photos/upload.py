"""Receiving a photo upload: its bytes from a request, with the size cap counted as
it streams, then the checks, the decode and the store (the API route and the page).

Works for a raw body (``Content-Type: image/jpeg``, what the page's script
sends) and for ``multipart/form-data`` with a ``file`` field (the plain form).
The body is read, capped, before anything parses it; a declared
``Content-Length`` over the cap is refused before a byte is read.
"""

from collections.abc import AsyncIterator, Callable

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos.processing import MAX_BYTES, Processed
from ocop_tracker.photos.readiness import MAX_PHOTOS
from ocop_tracker.photos.service import PhotoError, Target, UploadResult
from ocop_tracker.users.models import User

# Room for the multipart envelope and the small form fields around the file.
ENVELOPE = 64 * 1024
# The most a page's form body is read (and dropped) to answer "too large" with
# the page rather than a reset connection.
DRAIN = 100 * 1024 * 1024
_BODY = "_photo_body"
_TRUNCATED = "_photo_body_truncated"


def _too_large() -> PhotoError:
    return PhotoError(
        f"Ảnh quá lớn: tối đa {MAX_BYTES // (1024 * 1024)} MB mỗi ảnh.",
        status_code=413,
    )


def _capped(*, drain: bool) -> Callable[[Request], AsyncIterator[None]]:
    async def dependency(request: Request) -> AsyncIterator[None]:
        await _read_capped(request, drain=drain)
        try:
            yield
        finally:
            # Whoever parsed the form, its temporary files close with the request.
            form = getattr(request, "_form", None)
            if form is not None:
                await form.close()

    return dependency


# Dependency: read the body (≤ 20 MB + envelope) before anything parses it.
# Declared before the caller's identity so the CSRF check's form parsing reads
# the capped copy, never an unbounded stream.
capped_body = _capped(drain=False)
# The same for a page's form, whose refusal is shown beside the form: a body
# over the cap is read to its end (up to ``DRAIN``) and dropped but for its
# first bytes. The form's small fields come first, so the CSRF check still
# reads its token, and ``upload_bytes`` then refuses the photo as too large;
# the browser, having sent everything, shows the page that answers. A body
# over ``DRAIN`` is refused at once, as by ``capped_body``.
capped_form_body = _capped(drain=True)


async def _read_capped(request: Request, *, drain: bool = False) -> None:
    if request.method != "POST" or _BODY in request.scope:
        return
    limit = MAX_BYTES + ENVELOPE
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > (DRAIN if drain else limit):
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            if not drain or size > DRAIN:
                raise _too_large()
            # Past the cap: keep reading, keep nothing more.
            request.scope[_TRUNCATED] = True
            continue
        chunks.append(chunk)
    body = b"".join(chunks)
    request.scope[_BODY] = True
    # Starlette's Request.stream() and form() read this cached body from now on.
    request._body = body


async def upload_bytes(request: Request) -> bytes:
    """The uploaded file's bytes: the ``file`` field of a form, or the raw body."""
    if request.scope.get(_TRUNCATED):
        raise _too_large()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        # The form's temporary files are closed by ``capped_body``.
        files = await form_files(request, max_files=1)
        if not files:
            raise InvalidInput(
                "Chưa chọn ảnh: hãy chọn hoặc chụp một ảnh.", field="file"
            )
        return await upload_data(files[0])
    return _checked(await request.body())


async def form_files(
    request: Request, *, max_files: int = MAX_PHOTOS
) -> list[UploadFile]:
    """The files of a form's ``file`` field (several with ``multiple``); a part
    with no file chosen (no name, no bytes) is no file."""
    try:
        form = await request.form(max_files=max_files, max_fields=20)
    except MultiPartException as exc:
        raise InvalidInput(f"Biểu mẫu gửi ảnh không hợp lệ: {exc.message}") from None
    return [
        item
        for item in form.getlist("file")
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]


async def upload_data(upload: UploadFile) -> bytes:
    """One uploaded file's bytes, refused when larger than a photo may be or empty."""
    return _checked(await upload.read(MAX_BYTES + 1))


def _checked(data: bytes) -> bytes:
    if len(data) > MAX_BYTES:
        raise _too_large()
    if not data:
        raise InvalidInput("Chưa có ảnh: tệp gửi lên rỗng.")
    return data


async def prepare_photo(
    session: Session, user: User, target: Target, data: bytes, *, key: str | None
) -> Processed | None:
    """The read-only checks, then the decode (None for a retry: nothing to decode).

    The checks end with a commit (nothing is written by then), so the decode
    (~0.2 s for a 12-Mpx JPEG, seconds for HEIC) holds no database snapshot or
    connection state.
    """
    if not await run_in_threadpool(
        photo_service.needs_processing, session, user, target, data, idempotency_key=key
    ):
        return None
    await run_in_threadpool(session.commit)
    return await run_in_threadpool(photo_service.process, data)


async def receive_photo(
    session: Session,
    user: User,
    target: Target,
    data: bytes,
    *,
    key: str | None,
    public: bool | None = None,
) -> UploadResult:
    """Check, decode outside any transaction, then store: shared with the page form.

    The write transaction starts with the product's lock (``prepare_photo``
    decoded before it).
    """
    processed = await prepare_photo(session, user, target, data, key=key)
    return await run_in_threadpool(
        photo_service.upload,
        session,
        user,
        target,
        data,
        processed=processed,
        idempotency_key=key,
        public=public,
    )
