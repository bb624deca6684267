"""Security headers, HEAD, compression, and the error handlers (JSON and HTML)."""

import gzip
import logging
import os
import random
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import brotli
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocop_tracker.core.errors import AppError

log = logging.getLogger("ocop_tracker")

# A household's private page is a capability URL (SECURITY.md §M): its token
# never reaches a log in clear.
_CAPABILITY = re.compile(r"(/h/)[^/?#\s\"]+")


def loggable(path: str) -> str:
    """A path as logs keep it: a household link's token replaced by "…"."""
    return _CAPABILITY.sub(r"\1…", path)


class RedactCapabilityLinks(logging.Filter):
    """Keeps household links' tokens out of the access log (uvicorn's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                loggable(a) if isinstance(a, str) else a for a in record.args
            )
        return True


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# Swagger UI sets inline styles; scripts stay same-origin only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(self), geolocation=(), microphone=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


# Request ids from a generator of this process, reseeded in a forked child: not
# secret, only distinct. ``uuid4`` asked the kernel for 16 bytes on every
# request, releasing the interpreter's lock, and the event loop then waited for
# a rendering thread to give it back (5 % of a worker's samples on the public
# page's cache misses).
_request_ids = random.Random()
os.register_at_fork(after_in_child=_request_ids.seed)


def new_request_id() -> str:
    """16 hex digits naming one request in the logs and the audit trail."""
    return f"{_request_ids.getrandbits(64):016x}"


class SecurityHeadersMiddleware:
    """Adds the headers of SECURITY.md T17 to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = DOCS_CSP if path == "/docs" else CSP
        request_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"server"
                ]
                # A route may set a stricter one (a private page: no referrer).
                own = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in HEADERS if k not in own)
                headers.append((b"x-request-id", request_id.encode()))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    # A route may set a stricter policy (photos: sandboxed).
                    headers.append((b"content-security-policy", csp.encode()))
                if (
                    not path.startswith(("/static/", "/docs-assets/"))
                    and b"cache-control" not in names
                ):
                    # Pages and API answers carry area data: never kept by caches.
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGetMiddleware:
    """Answers HEAD wherever GET is answered (RFC 9110 §9.3.2), once for the app.

    Link-preview crawlers and uptime checks send HEAD. The request goes on as a
    GET, so routing, the public page's hot path and every handler see one
    method; its answer is sent with the same status and headers (Content-Length,
    ETag, Location…) and no body. ``is_head`` tells a handler that it was a HEAD
    (the public page counts no scan for one). Outermost, so every layer inside
    answers as for a GET.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        scope["method"] = "GET"
        scope.setdefault("state", {})["head"] = True

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_without_body)


def is_head(scope: Scope) -> bool:
    """True when the request came as a HEAD (answered as a GET without a body)."""
    return bool(scope.get("state", {}).get("head"))


def wants_html(request: Request) -> bool:
    """Pages get HTML errors; the API and scripts get JSON."""
    if request.url.path.startswith("/api/") or request.url.path in {"/healthz"}:
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or (request.method == "POST" and "json" not in accept)


# Who is signed in, for an error page's header: handed over by ``create_app``
# (``web.render.error_viewer``), since core imports no domain. None: anonymous.
Viewer = Callable[[Request], object | None]


async def _page_viewer(request: Request, status: int) -> object | None:
    """The signed-in user for an HTML error page's header, or None.

    A 4xx page shows the header as every other page does. A 5xx page, a
    broken session or a database that does not answer fall back to the
    anonymous header: the error page itself must never fail.
    """
    viewer: Viewer | None = getattr(request.app.state, "error_viewer", None)
    if viewer is None or status >= 500 or not wants_html(request):
        return None
    try:
        return await run_in_threadpool(viewer, request)
    except Exception as exc:
        log.warning(
            "error page shown anonymously on %s %s: %s",
            request.method,
            loggable(request.url.path),
            type(exc).__name__,
        )
        return None


def model_json(model: BaseModel) -> Response:
    """A read schema the service built (and pydantic checked) as the JSON answer.

    For a hot ``def`` read route declared with ``response_model=``: FastAPI
    would check the model again, in one more threadpool hop, and encode it in
    the event loop. The body is the same (by alias, as FastAPI writes it); the
    OpenAPI document still shows the route's ``response_model``.
    """
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


def _logged_error(
    request: Request,
    level: int,
    what: str,
    detail: str | None = None,
    *,
    exc_info: BaseException | bool | None = None,
) -> str:
    """A new error id, logged as "<what> <id> on <method> <path>[: <detail>]"
    (the path as ``loggable`` keeps it), for the answer to name."""
    error_id = uuid.uuid4().hex[:12]
    details = () if detail is None else (detail,)
    log.log(
        level,
        what + " %s on %s %s" + ": %s" * len(details),
        error_id,
        request.method,
        loggable(request.url.path),
        *details,
        exc_info=exc_info,
        stacklevel=2,
    )
    return error_id


def _error(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    fields: Mapping[str, str] | None = None,
    principal: object | None = None,
    **extra: object,
) -> Response:
    fields = dict(fields or {})
    if wants_html(request):
        from ocop_tracker.core.templating import templates

        return templates.TemplateResponse(
            request,
            "errors/error.html",
            {
                "status": status,
                "detail": detail,
                "fields": fields,
                "principal": principal,
            },
            status_code=status,
        )
    return JSONResponse(
        {"error": code, "detail": detail, "fields": fields, **extra},
        status_code=status,
    )


# A Vietnamese message per kind of pydantic refusal, for the field it names.
VALIDATION_MESSAGES = {
    "missing": "Cần điền ô này.",
    "string_too_long": "Dài quá {max_length} ký tự.",
    "string_too_short": "Cần ít nhất {min_length} ký tự.",
    "too_long": "Nhiều quá {max_length} mục.",
    "too_short": "Cần ít nhất {min_length} mục.",
    "string_type": "Cần một đoạn chữ.",
    "string_pattern_mismatch": "Giá trị không đúng dạng yêu cầu.",
    "int_parsing": "Cần một số nguyên.",
    "int_type": "Cần một số nguyên.",
    "int_from_float": "Cần một số nguyên.",
    "float_parsing": "Cần một số.",
    "float_type": "Cần một số.",
    "greater_than": "Cần một số lớn hơn {gt}.",
    "greater_than_equal": "Cần một số từ {ge} trở lên.",
    "less_than": "Cần một số nhỏ hơn {lt}.",
    "less_than_equal": "Cần một số không quá {le}.",
    "bool_parsing": "Cần chọn có hoặc không.",
    "bool_type": "Cần chọn có hoặc không.",
    "enum": "Hãy chọn một giá trị trong danh sách.",
    "literal_error": "Hãy chọn một giá trị trong danh sách.",
    "date_parsing": "Cần một ngày viết theo dạng YYYY-MM-DD.",
    "date_from_datetime_parsing": "Cần một ngày viết theo dạng YYYY-MM-DD.",
    "date_type": "Cần một ngày viết theo dạng YYYY-MM-DD.",
    "extra_forbidden": "Ô này không được nhận.",
    "json_invalid": "Nội dung JSON không hợp lệ.",
    "model_attributes_type": "Cần một đối tượng JSON.",
    "dict_type": "Cần một đối tượng JSON.",
    "list_type": "Cần một danh sách.",
    "uuid_parsing": "Mã không hợp lệ.",
}
LOCATIONS = frozenset({"body", "query", "path", "header", "cookie", "form"})


def validation_fields(errors: Sequence[Any]) -> dict[str, str]:
    """Each refused field's name (pydantic's ``loc`` without where it came
    from) with a Vietnamese message; the first refusal of a field wins."""
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in LOCATIONS:
            loc = loc[1:]
        name = ".".join(loc) or "body"
        kind = str(err.get("type", ""))
        if kind == "value_error":
            # Our validators' own messages are Vietnamese already.
            text = str(err.get("msg", "")).removeprefix("Value error, ")
            message = text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
        else:
            template = VALIDATION_MESSAGES.get(kind, "Giá trị không hợp lệ.")
            try:
                message = template.format(**(err.get("ctx") or {}))
            except (KeyError, IndexError, ValueError):
                message = "Giá trị không hợp lệ."
        fields.setdefault(name, message)
    return fields


STATUS_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập.",
    403: "Bạn không có quyền làm việc này.",
    404: "Không tìm thấy trang hoặc dữ liệu này.",
    405: "Phương thức không được hỗ trợ.",
    413: "Dữ liệu gửi lên quá lớn.",
    429: "Quá nhiều yêu cầu, vui lòng thử lại sau.",
}


RETRY_AFTER_S = 5


def database_unavailable(exc: BaseException) -> bool:
    """True for a database that cannot answer now (a retry may succeed).

    A lost or refused connection (``connection_invalidated``, PostgreSQL
    restarting or shut down), a statement or lock timeout, SQLite's "database
    is locked" after ``busy_timeout``, a full disk, or no free connection in the
    pool: all ``OperationalError`` or the pool's ``TimeoutError``. Integrity and
    data errors stay what they are: bugs or refusals, never "try again".
    """
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, sa_exc.OperationalError):
        return False
    # sqlite3 raises OperationalError for bad SQL too ("no such column"): only
    # these codes mean the database is busy, unreachable or out of space.
    name = getattr(exc.orig, "sqlite_errorname", None)
    return name is None or name.startswith(SQLITE_UNAVAILABLE)


SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_PROTOCOL",
)


def _allowed_methods(request: Request, fallback: str = "") -> str:
    """The ``Allow`` header of a 405: the methods of every route on this path.

    Routes inside included routers count too, and HEAD goes with GET
    (``HeadAsGetMiddleware``). A path served by no route with methods (a mount
    such as /static) keeps the header its app gave (``fallback``).
    """
    probe: Scope = {
        "type": "http",
        "method": request.method,
        "path": request.scope["path"],
        "root_path": request.scope.get("app_root_path", ""),
        "path_params": {},
    }
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        if not route.methods:
            continue
        match, _ = route.matches(probe)
        if match != Match.NONE:
            methods.update(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods)) or fallback


def install_error_handlers(app: FastAPI, *, viewer: Viewer | None = None) -> None:
    """One error body everywhere: {"error", "detail", "fields"}, or the error page
    for HTML. ``fields`` maps each refused field to its message ({} when none).
    ``viewer`` names who is signed in for the error page's header."""
    app.state.error_viewer = viewer

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        if wants_html(request) and exc.status_code == 401:
            target = quote(
                request.url.path
                + (f"?{request.url.query}" if request.url.query else "")
            )
            return RedirectResponse(f"/login?next={target}", status_code=303)
        if wants_html(request) and exc.code == "password_change_required":
            return RedirectResponse("/account/password", status_code=303)
        extra: dict[str, object] = {}
        rows = getattr(exc, "errors", None)
        if rows:
            extra["rows"] = [{"row": e.row, "message": e.message} for e in rows]
        current = getattr(exc, "current", None)
        if current is not None:
            # A stale write answers with the record as it is now (409).
            extra["current"] = jsonable_encoder(current)
        response = _error(
            request,
            exc.status_code,
            exc.code,
            exc.message,
            fields=exc.fields,
            principal=await _page_viewer(request, exc.status_code),
            **extra,
        )
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response.headers["retry-after"] = str(retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(
        request: Request, exc: RequestValidationError
    ) -> Response:
        # Name the fields, never echo the submitted values (they may be secrets).
        # ``detail`` keeps its old wording for clients that read it; ``fields``
        # gives each field a Vietnamese message.
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{where}: {err.get('msg', 'không hợp lệ')}")
        return _error(
            request,
            422,
            "validation_error",
            "; ".join(parts) or "Dữ liệu không hợp lệ.",
            fields=validation_fields(exc.errors()),
            principal=await _page_viewer(request, 422),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = STATUS_MESSAGES.get(exc.status_code, str(exc.detail))
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        response = _error(
            request,
            exc.status_code,
            code,
            detail,
            principal=await _page_viewer(request, exc.status_code),
        )
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            # Starlette names the methods of the first route with this path
            # only; a path served by several routes (GET and POST) has them all.
            fallback = (exc.headers or {}).get("Allow", "GET, HEAD")
            response.headers["allow"] = _allowed_methods(request, fallback)
        return response

    @app.exception_handler(sa_exc.DBAPIError)
    @app.exception_handler(sa_exc.TimeoutError)
    async def database_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, sa_exc.DataError):
            # A value the database cannot hold (PostgreSQL: an id past int4,
            # NUL in text): the request's fault. Logged, so a missing check
            # in a schema shows up; the answer echoes nothing.
            error_id = _logged_error(
                request,
                logging.WARNING,
                "data refused by the database",
                type(exc.orig).__name__,
            )
            return _error(
                request,
                422,
                "validation_error",
                f"Dữ liệu gửi lên có giá trị không hợp lệ (mã lỗi {error_id}).",
            )
        if not database_unavailable(exc):
            return await unexpected(request, exc)
        # The trace goes to the log only; the answer names nothing of the database.
        error_id = _logged_error(
            request,
            logging.WARNING,
            "database unavailable",
            type(getattr(exc, "orig", None) or exc).__name__,
            exc_info=exc,
        )
        response = _error(
            request,
            503,
            "unavailable",
            f"Hệ thống đang tạm gián đoạn, vui lòng thử lại sau ít giây (mã lỗi {error_id}).",
        )
        response.headers["retry-after"] = str(RETRY_AFTER_S)
        return response

    @app.exception_handler(OverflowError)
    async def number_too_large(request: Request, exc: OverflowError) -> Response:
        # SQLite binds integers up to 2**63 - 1; a larger id or number from a
        # request (a path id, a body field) is refused, not a server error.
        return _error(
            request, 422, "validation_error", "Giá trị số vượt quá giới hạn cho phép."
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        error_id = _logged_error(
            request, logging.ERROR, "unhandled error", exc_info=True
        )
        return _error(
            request,
            500,
            "internal_error",
            f"Lỗi hệ thống, mã lỗi {error_id}. Vui lòng thử lại hoặc báo cho quản trị viên.",
        )


# --- compression --------------------------------------------------------------------

COMPRESS_MIN_BYTES = 512
# Text compresses well; images, PDF, XLSX, ZIP are compressed already.
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/problem+json",
    "application/manifest+json",
    "image/svg+xml",
)
# Brotli's quality: fast enough per response for pages made per user, and the
# best for what caches may keep (static files, the public page), compressed once.
# Measured on a province's coverage (27 KB of JSON): quality 5 took 0.49 ms for
# 4.7 KB, quality 4 takes 0.27 ms for 5.1 KB (gzip 6: 0.38 ms, 5.0 KB).
BROTLI_QUALITY = 4
BROTLI_QUALITY_KEPT = 11
GZIP_LEVEL = 6
KEPT_MAX = 256


def accepted_encoding(header: str) -> str | None:
    """``br`` or ``gzip`` as the client's ``Accept-Encoding`` allows (br first), or None."""
    weights: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        key, _, value = params.strip().partition("=")
        if key.strip() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
        weights[name.strip().lower()] = q
    for encoding in ("br", "gzip"):
        q = weights.get(encoding, weights.get("*", 0.0))
        if q > 0:
            return encoding
    return None


def compress(body: bytes, encoding: str, *, kept: bool = False) -> bytes:
    """``body`` compressed with ``br`` or ``gzip``."""
    if encoding == "br":
        return bytes(
            brotli.compress(
                body,
                mode=brotli.MODE_TEXT,
                quality=BROTLI_QUALITY_KEPT if kept else BROTLI_QUALITY,
            )
        )
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class CompressionMiddleware:
    """Compresses text answers (HTML, CSS, JS, JSON) with brotli or gzip.

    Our own, not Starlette's ``GZipMiddleware``: that one knows gzip only, and
    compresses every answer again. Here a body of one message (every page, API
    answer and static file this app sends; a streamed download is let through
    as it is) of a compressible type and at least ``COMPRESS_MIN_BYTES`` is
    compressed with the best encoding the client accepts; ``Content-Length``
    is set to the compressed size and ``Vary: Accept-Encoding`` is added even
    when the client takes none, so a cache never hands a compressed body to a
    client that cannot read it. An answer a cache may keep (it has an ETag and
    is not ``no-store`` or ``private``: static files, the public product page)
    is compressed once per ETag and encoding, at brotli's best, and served from
    memory after; its ETag becomes weak, since the bytes differ from the
    uncompressed ones. A 206, 204 or 304, or an answer already encoded, is left
    alone. Pages carry masked CSRF tokens (``auth.security.mask_csrf``), so no
    secret repeats across compressed responses (BREACH).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kept: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = accepted_encoding(_scope_header(scope, b"accept-encoding"))
        start: Message | None = None
        passing = False

        async def send_compressed(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body: bytes = message.get("body", b"")
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            if start["status"] == 304:
                _weak_if_asked(scope, headers)
            if message.get("more_body", False) or not _compressible(
                start["status"], headers, len(body)
            ):
                passing = True
                await send({**start, "headers": headers.raw})
                await send(message)
                return
            headers.add_vary_header("Accept-Encoding")
            if encoding is not None:
                body = self._compressed(scope, headers, body, encoding)
                headers["content-encoding"] = encoding
                headers["content-length"] = str(len(body))
                etag = headers.get("etag")
                if etag and not etag.startswith("W/"):
                    headers["etag"] = f"W/{etag}"
            await send({**start, "headers": headers.raw})
            await send({**message, "body": body})

        await self.app(scope, receive, send_compressed)

    def _compressed(
        self, scope: Scope, headers: MutableHeaders, body: bytes, encoding: str
    ) -> bytes:
        cache_control = headers.get("cache-control", "")
        etag = headers.get("etag")
        if not etag or "no-store" in cache_control or "private" in cache_control:
            return compress(body, encoding)
        key = (scope["path"], etag, encoding)
        kept = self.kept.get(key)
        if kept is None:
            kept = compress(body, encoding, kept=True)
            self.kept[key] = kept
            if len(self.kept) > KEPT_MAX:
                self.kept.popitem(last=False)
        else:
            self.kept.move_to_end(key)
        return kept


def _weak_if_asked(scope: Scope, headers: MutableHeaders) -> None:
    # A 304 names the ETag the client holds: the weak one of a compressed body.
    etag = headers.get("etag")
    if etag and not etag.startswith("W/"):
        asked = _scope_header(scope, b"if-none-match")
        if f"W/{etag}" in {tag.strip() for tag in asked.split(",")}:
            headers["etag"] = f"W/{etag}"


def _compressible(status: int, headers: MutableHeaders, size: int) -> bool:
    if status in (204, 206, 304) or size < COMPRESS_MIN_BYTES:
        return False
    if "content-encoding" in headers:
        return False
    content_type = headers.get("content-type", "").lower()
    return content_type.startswith(COMPRESSIBLE)


def _scope_header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return ""
