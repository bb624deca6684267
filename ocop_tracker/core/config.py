"""Settings read from the environment (prefix ``OCOP_``) or a ``.env`` file."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parents[2]


def parse_media_url(url: str) -> tuple[str, str, str]:
    """``("file", "/path", "")`` or ``("s3", bucket, prefix)`` for a media URL."""
    parts = urlsplit(url)
    if parts.scheme == "file" and parts.netloc in {"", "localhost"} and parts.path:
        return "file", unquote(parts.path), ""
    if parts.scheme == "s3" and parts.netloc and not parts.query:
        return "s3", parts.netloc, unquote(parts.path).strip("/")
    raise ValueError("OCOP_MEDIA_URL must be file:///a/directory or s3://bucket/prefix")


class Env(StrEnum):
    """Where the service runs; development relaxes what plain HTTP needs."""

    development = "development"
    production = "production"
    test = "test"


class Settings(BaseSettings):
    """Every setting of the service; see the README's settings reference."""

    model_config = SettingsConfigDict(
        env_prefix="OCOP_", env_file=".env", extra="ignore"
    )

    env: Env = Env.production
    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'ocop.db'}"
    media_dir: Path = PROJECT_DIR / "var" / "media"
    # Where photos live (``core/media.py``): ``file:///a/directory`` (the same
    # as OCOP_MEDIA_DIR) or ``s3://bucket/prefix`` on an S3-compatible store,
    # reached with the four settings below; None = the media_dir directory.
    media_url: str | None = None
    s3_endpoint: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    # Public photos answered by a redirect to a short-lived signed URL of the
    # object store (the store, or a CDN before it, sends the bytes); off =
    # the service sends them itself.
    media_redirect: bool = False
    media_redirect_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # Photos read from the object store are kept in each worker's memory, up
    # to this much (MB): served from there, even while the store is down.
    media_cache_mb: int = Field(default=32, ge=0, le=4096)
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    # Host names the service answers to; anything else gets 400 (Host header attacks).
    allowed_hosts: list[str] = ["127.0.0.1", "localhost"]
    # Interactive API documentation; off in production unless asked for.
    api_docs: bool | None = None
    # Sessions (SECURITY.md §L2): teams work all day on phones over weak links.
    session_idle_hours: int = 8
    session_max_days: int = 7
    # Failed sign-ins evaluated per hour before 429: per account, per address.
    login_failures_per_account: int = 100
    login_failures_per_address: int = 300
    # Who receives the monthly report: the plan names the Department of
    # Information and Communications; the function has since moved.
    report_recipient: str = "Sở Thông tin và Truyền thông tỉnh Sóc Trăng"
    # Each worker moves the report counts to the new day just after midnight
    # (Vietnam); None = on, except in tests.
    daily_roll: bool | None = None
    # Each worker makes the QR matrices of new products in a thread, after
    # their commit (``cards/warm.py``); None = on, except in tests.
    qr_warm: bool | None = None
    # Each worker moves what it holds after start-up out of the garbage
    # collector's reach (``core/memory.freeze_start_up``); None = on, except
    # in tests.
    gc_freeze: bool | None = None
    # Each worker watches the database for changes to what public pages show,
    # committed by any worker or server, and forgets those pages within a
    # second (``public/changes.py``); None = on, except in tests.
    page_watch: bool | None = None
    # The listing link check (issue 16 item 7, SECURITY.md §M "Outbound
    # requests"): once a day each worker re-checks verified shop and product
    # URLs on the marketplaces' own domains. Off unless asked for.
    link_check: bool = False
    # Named in the check's User-Agent so a marketplace can reach the operator:
    # an e-mail address or a URL; None = the service's public address.
    link_check_contact: str | None = None
    link_check_concurrency: int = Field(default=4, ge=1, le=16)
    # The how-to sheets admins edit: a folder of YAML files; each replaces the
    # shipped sheet of the same key, or adds one (ocop_tracker/guides/).
    guides_dir: Path | None = None
    link_check_timeout_s: float = Field(default=10.0, gt=0, le=60)
    link_check_max_bytes: int = Field(default=256 * 1024, ge=1024)
    # Test seam, accepted only with OCOP_ENV=test: a marketplace host mapped to
    # a local origin (``{"voso.vn": "http://127.0.0.1:8123"}``); hosts not in
    # it are never requested in tests.
    link_check_test_origins: dict[str, str] = {}

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.env == Env.production and not self.secret_key:
            raise ValueError(
                "OCOP_SECRET_KEY is required in production "
                "(set OCOP_ENV=development for a local trial)"
            )
        self.public_base_url = self.public_base_url.rstrip("/")
        if self.media_url:
            kind, where, _ = parse_media_url(self.media_url)
            if kind == "file":
                self.media_dir = Path(where)
        if self.link_check_test_origins and self.env != Env.test:
            raise ValueError("OCOP_LINK_CHECK_TEST_ORIGINS is accepted only in tests")
        return self

    @property
    def docs_enabled(self) -> bool:
        """API docs are on in development and test, off in production by default."""
        if self.api_docs is not None:
            return self.api_docs
        return self.env != Env.production

    @property
    def plain_http_cookies(self) -> bool:
        """Development over plain HTTP drops ``Secure`` and the ``__Host-`` prefix."""
        return self.env == Env.development

    @property
    def session_cookie(self) -> str:
        """The session cookie's name."""
        return "ocop_session" if self.plain_http_cookies else "__Host-ocop_session"

    @property
    def media_location(self) -> str:
        """Where media live, as a URL: ``file:///…`` or ``s3://bucket/prefix``."""
        if self.media_url and self.media_url.startswith("s3://"):
            return self.media_url
        return self.media_dir.resolve().as_uri()

    @property
    def media_on_disk(self) -> bool:
        """True when media live in a directory of this machine."""
        return not self.media_location.startswith("s3://")

    @property
    def is_sqlite(self) -> bool:
        """True when the configured database is an SQLite file."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
