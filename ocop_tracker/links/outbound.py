"""The link check's outbound requests and their rules (SECURITY.md §M).

Only a URL on a marketplace's own domain (``marketplaces.domain`` or a
subdomain of it, from data) is ever requested: https, the default port, no
user name, no IP literal, and — outside tests — a host whose every address is
public. Redirects are followed by hand, at most ``MAX_REDIRECTS``, and only
while they stay on the same marketplace; the body is read up to a cap and the
whole exchange is bounded in time. The User-Agent is fixed and names the
service and its operator. Nothing here touches the database.

Tests never leave the machine: ``OCOP_LINK_CHECK_TEST_ORIGINS`` (accepted only
with ``OCOP_ENV=test``) maps a marketplace host to a loopback origin, and in
tests a host missing from it is refused like a host off the marketplaces. The
rules above are applied to the URL as stored (``https://voso.vn/…``); only the
wire address is swapped.
"""

import ipaddress
import socket
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx2 as httpx

from ocop_tracker import __version__
from ocop_tracker.core.config import Env, Settings
from ocop_tracker.links.models import Outcome

MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
GONE = frozenset({404, 410})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})


class Refused(Exception):
    """A URL the outbound rules do not allow to be requested."""


@dataclass(frozen=True)
class Policy:
    """How the check may reach out: limits, User-Agent, the test seam."""

    user_agent: str
    timeout_s: float = 10.0
    max_bytes: int = 256 * 1024
    concurrency: int = 4
    max_redirects: int = MAX_REDIRECTS
    # Test seam: marketplace host → loopback origin (only under OCOP_ENV=test).
    origins: Mapping[str, str] = field(default_factory=dict)
    test: bool = False


@dataclass(frozen=True)
class Result:
    """What one URL answered."""

    outcome: Outcome
    status_code: int | None = None
    detail: str = ""


def policy_from(settings: Settings) -> Policy:
    """The policy the settings describe."""
    contact = settings.link_check_contact or settings.public_base_url
    origins = {
        k.lower(): v.rstrip("/") for k, v in settings.link_check_test_origins.items()
    }
    for origin in origins.values():
        parts = urlsplit(origin)
        if (
            parts.scheme not in ("http", "https")
            or parts.netloc.rsplit(":", 1)[0] not in LOOPBACK
        ):
            raise ValueError(f"link check test origin must be loopback: {origin!r}")
    return Policy(
        user_agent=f"ocop-tracker-linkcheck/{__version__} (+{contact})",
        timeout_s=settings.link_check_timeout_s,
        max_bytes=settings.link_check_max_bytes,
        concurrency=settings.link_check_concurrency,
        origins=origins,
        test=settings.env == Env.test,
    )


def on_marketplace(host: str, domain: str) -> bool:
    """``host`` is the marketplace's domain or one of its subdomains."""
    domain = domain.strip().lower().rstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def allowed_host(url: str, domain: str, policy: Policy) -> str:
    """The URL's host when the rules allow requesting it; ``Refused`` otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise Refused("not a URL") from exc
    if parts.scheme != "https":
        raise Refused("https only")
    if parts.username is not None or parts.password is not None:
        raise Refused("no user name in the URL")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise Refused("no host")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise Refused("an IP address, not a marketplace's domain")
    if not on_marketplace(host, domain):
        raise Refused("not on the marketplace's domain")
    if port not in (None, 443):
        raise Refused("not the default port")
    if policy.test and host not in policy.origins:
        raise Refused("tests request mapped hosts only")
    return host


def _check_addresses(host: str, policy: Policy) -> None:
    """Outside tests, refuse a host with any private, loopback or reserved address."""
    if host in policy.origins:
        return
    try:
        infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Refused("the host does not resolve") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise Refused("the host resolves to a private address")


def _wire(url: str, host: str, policy: Policy) -> str:
    """The address actually requested: the URL itself, or its test origin."""
    origin = policy.origins.get(host)
    if origin is None:
        return url
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{origin}{path}" + (f"?{parts.query}" if parts.query else "")


def is_home(url: str) -> bool:
    """A marketplace's home page: no path beyond ``/``."""
    return urlsplit(url).path in ("", "/")


def fetch(client: httpx.Client, url: str, domain: str, policy: Policy) -> Result:
    """Request ``url`` under the rules and say what it answered."""
    deadline = time.monotonic() + 2 * policy.timeout_s
    current = url
    redirected = False
    for _hop in range(policy.max_redirects + 1):
        try:
            host = allowed_host(current, domain, policy)
            _check_addresses(host, policy)
        except Refused as exc:
            return Result(Outcome.error, None, f"refused: {exc}")
        try:
            with client.stream("GET", _wire(current, host, policy)) as response:
                status = response.status_code
                location = response.headers.get("location")
                if status not in REDIRECTS:
                    read = 0
                    for chunk in response.iter_raw():
                        read += len(chunk)
                        if read >= policy.max_bytes or time.monotonic() > deadline:
                            break
        except httpx.TimeoutException:
            return Result(Outcome.error, None, "timeout")
        except httpx.HTTPError as exc:
            return Result(Outcome.error, None, type(exc).__name__)
        if status in REDIRECTS:
            if not location:
                return Result(Outcome.error, status, "redirect without a location")
            current = urljoin(current, location)
            redirected = True
            continue
        if status in GONE:
            return Result(Outcome.gone, status)
        if 200 <= status < 300:
            if redirected and is_home(current):
                return Result(Outcome.home, status)
            return Result(Outcome.ok, status)
        return Result(Outcome.error, status, "status")
    return Result(Outcome.error, None, "too many redirects")


def fetch_all(targets: Sequence[tuple[str, str]], policy: Policy) -> list[Result]:
    """Check each ``(url, marketplace domain)``, ``policy.concurrency`` at a time,
    in the order given."""
    if not targets:
        return []
    client = httpx.Client(
        headers={"User-Agent": policy.user_agent, "Accept": "text/html"},
        timeout=httpx.Timeout(policy.timeout_s),
        follow_redirects=False,
        trust_env=False,  # no proxy or .netrc from the environment
        limits=httpx.Limits(max_connections=policy.concurrency),
    )
    with client, ThreadPoolExecutor(max_workers=policy.concurrency) as pool:
        return list(pool.map(lambda t: fetch(client, t[0], t[1], policy), targets))
