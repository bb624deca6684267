"""The one script every team page carries (the offline outbox, issue #19), told
apart from a page's own: pages work without script, and their weight counts it."""

import re

from fastapi.testclient import TestClient

OUTBOX = re.compile(
    r'<script src="(/static/js/outbox\.[0-9a-f]+\.js)"'
    r' data-send="/static/js/outbox-send\.[0-9a-f]+\.js" defer></script>\n?'
)


def without_outbox(html: str) -> str:
    """The page with the outbox's script tag taken out."""
    return OUTBOX.sub("", html)


def outbox_bytes(client: TestClient, html: str) -> int:
    """The bytes of the outbox script the page loads (0 when it loads none)."""
    found = OUTBOX.search(html)
    return len(client.get(found[1]).content) if found else 0
