"""Every role opens its main pages on a 360×740 phone: each control can be tapped,
the page reads in order, and axe-core finds nothing at all on it.

Tap targets (WCAG 2.5.5): every visible link, button, field, select and summary
has a box of at least 44×44 CSS px, with two exceptions. A link inside a
sentence, displayed inline with words of its own parent beside it, keeps the
line's height (WCAG 2.5.8's inline exception; a " · " between links is not a
sentence). A checkbox or radio is measured by its label, which is what a
finger taps. The page also has ``lang="vi"``, one ``main``, one ``h1`` first,
and headings that never skip a level. axe runs through ``conftest.py`` on every
page; here a violation of any impact fails, not only serious ones.
"""

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

if TYPE_CHECKING:
    from tests.browser.conftest import AxeLog

PHONE = ViewportSize(width=360, height=740)
TAP = 44

# Each visible interactive element under 44×44, described for the message.
_SMALL_TARGETS = """(tap) => {
  const words = /[\\p{L}\\p{N}]/u;
  const small = [];
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const el of controls) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      target = el.closest('label') || (el.labels && el.labels[0]) || el;
    }
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(el);
    if ((box.width === 0 && box.height === 0) || style.visibility === 'hidden') continue;
    const inSentence = el.localName === 'a' && style.display === 'inline'
      && [...el.parentElement.childNodes].some(
        (n) => n.nodeType === Node.TEXT_NODE && words.test(n.textContent));
    if (inSentence) continue;
    if (box.width < tap || box.height < tap) {
      const text = (el.getAttribute('aria-label') || el.textContent || el.value || '')
        .trim().replace(/\\s+/g, ' ').slice(0, 40);
      small.push(`${el.localName}.${el.className} "${text}" `
        + `${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}"""

_OUTLINE = """() => ({
  lang: document.documentElement.lang,
  mains: document.querySelectorAll('main').length,
  headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter((h) => h.getClientRects().length > 0 || h.closest('details'))
    .map((h) => Number(h.localName[1])),
})"""

# What each role opens: a path, or ("click", selector) to follow the first link
# that matches on the page it is on (ids differ from one demo to the next).
Step = str | tuple[str, str]
ROLES: dict[str, tuple[str | None, list[Step]]] = {
    "anonymous": (None, ["/", "/login"]),
    "team-member": (
        "thanhvien.khom3",
        [
            "/worklist",
            ("click", "ul.work > li > a"),
            ("click", "a[href^='/p/']"),
            "/products/new",
            "/team",
            "/reports",
            "/account/password",
            "/account/tokens",
        ],
    ),
    "team-leader": (
        "totruong.khom3",
        [
            "/worklist",
            ("click", "ul.work > li > a"),
            ("click", "a[href$='/edit']"),
            "/producers",
            ("click", "ul.list > li > a"),
            ("click", "a[href$='/edit']"),
            "/team",
        ],
    ),
    "official": (
        "canbo.khom3",
        [
            "/verify",
            "/reports",
            "/reports/actions",
            "/producers",
            "/imports",
            "/teams",
            ("click", "ul.list > li > a"),
            "/users",
            ("click", "ul.list > li > a"),
            "/cards",
        ],
    ),
    "department": (
        "sct.soctrang",
        ["/reports", "/reports/submissions", "/verify", "/teams", "/areas"],
    ),
    "admin": ("admin", ["/", "/users", "/teams", "/areas", "/imports"]),
}


def _open(page: Page, live_server: str, step: Step) -> None:
    if isinstance(step, str):
        response = page.goto(f"{live_server}{step}")
        assert response is not None
        assert response.status == 200, (step, response.status)
    else:
        page.locator(step[1]).first.click()
        page.wait_for_load_state()


def _readable(page: Page) -> None:
    """lang="vi", one main, one h1 that comes first, no level skipped."""
    outline = page.evaluate(_OUTLINE)
    where = page.url
    assert outline["lang"] == "vi", where
    assert outline["mains"] == 1, where
    levels = outline["headings"]
    assert levels[:1] == [1], (where, levels)
    assert levels.count(1) == 1, (where, levels)
    skips = [(a, b) for a, b in pairwise(levels) if b > a + 1]
    assert not skips, (where, levels)


@pytest.mark.parametrize("role", list(ROLES))
def test_main_pages_on_a_phone(
    browser: Browser,
    live_server: str,
    artifacts: Path,
    sign_in: Callable[[Page, str], None],
    axe_every_page: "AxeLog",
    request: pytest.FixtureRequest,
    role: str,
) -> None:
    login, steps = ROLES[role]
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    if login:
        sign_in(page, login)
    folder = artifacts / "a11y"
    folder.mkdir(parents=True, exist_ok=True)
    small: list[str] = []
    opened = []
    for n, step in enumerate(steps):
        _open(page, live_server, step)
        opened.append(page.url.removeprefix(live_server))
        _readable(page)
        small += [f"{opened[-1]}: {s}" for s in page.evaluate(_SMALL_TARGETS, TAP)]
        page.screenshot(path=folder / f"{role}-{n}.png", full_page=True)
    context.close()
    assert not small, "under 44×44 px:\n" + "\n".join(small)

    # axe over every page the role opened, each one found clean.
    axe_every_page.check(request.node.nodeid)
    checks = [c for c in axe_every_page.checks if c["test"] == request.node.nodeid]
    assert set(opened) <= {c["url"] for c in checks}, (opened, checks)
    assert [(c["url"], c["rules"]) for c in checks if c["rules"]] == []
