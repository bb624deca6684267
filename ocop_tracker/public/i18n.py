"""The public pages' languages: Vietnamese (the source), English and Khmer.

The product page a card opens, its 404 and its rate-limit page speak the
visitor's language. A ``?lang=`` in the URL wins (a shared link keeps its
language); otherwise the browser's ``Accept-Language`` chooses among the three,
and Vietnamese answers everyone else. Product names, descriptions, place names
and marketplaces stay as entered.

The words are gettext catalogs: the Vietnamese text in the templates and in this
module is the message id, ``ocop_tracker/locale/{en,km}/LC_MESSAGES/messages.po``
hold the translations and their compiled ``.mo`` files ship in the package.
``make i18n`` extracts the ids with Babel (``babel.cfg``), updates the catalogs
and compiles them; ``tests/public/test_i18n.py`` fails when a catalog lags the
templates or its ``.mo`` the ``.po``.
"""

import datetime as dt
import gettext
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import parse_qsl

from babel.dates import format_date
from jinja2 import Environment

from ocop_tracker.core.templating import templates, vi_date
from ocop_tracker.producers.models import ProducerKind

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
DEFAULT = "vi"
# Each language under its own name, as a switch shows it.
LANGUAGES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English", "km": "ខ្មែរ"}
# Open Graph locales (``og:locale``).
OG_LOCALES = {"vi": "vi_VN", "en": "en_US", "km": "km_KH"}
# Accept-Language is read up to this many characters and entries (a header is
# the visitor's to write; a long one costs nothing more than a short one).
HEADER_LIMIT = 512
ENTRY_LIMIT = 16


def N_(message: str) -> str:  # the gettext name Babel extracts
    """Mark a message for extraction; translated where it is shown."""
    return message


# How the page names a producer whose name it may not show (with the commune).
PRODUCER_KINDS: dict[ProducerKind, str] = {
    ProducerKind.household: N_("Hộ sản xuất kinh doanh"),
    ProducerKind.cooperative: N_("Hợp tác xã"),
    ProducerKind.cooperative_group: N_("Tổ hợp tác"),
    ProducerKind.enterprise: N_("Doanh nghiệp"),
}


@dataclass(frozen=True)
class Choice:
    """The language a public answer speaks, and whether the URL asked for it."""

    lang: str
    explicit: bool


def _from_query(query: str) -> str | None:
    for key, value in parse_qsl(query[:HEADER_LIMIT]):
        if key == "lang" and value in LANGUAGES:
            return value
    return None


def from_header(accept_language: str | None) -> str:
    """The best of our languages for an ``Accept-Language`` header (RFC 9110).

    Entries are ranked by their ``q`` (ties keep the header's order); a region
    (``km-KH``) counts for its language; ``*`` and languages we do not have
    give nothing; no match gives Vietnamese.
    """
    if not accept_language:
        return DEFAULT
    return _best(accept_language[:HEADER_LIMIT])


@lru_cache(maxsize=512)  # browsers send a handful of distinct headers
def _best(accept_language: str) -> str:
    ranked: list[tuple[float, int, str]] = []
    for position, entry in enumerate(accept_language.split(",")[:ENTRY_LIMIT]):
        tag, _, params = entry.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = tag.strip().lower().split("-", 1)[0]
        if language in LANGUAGES and 0 < quality <= 1:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT


def choose(query: str, accept_language: str | None) -> Choice:
    """The language for a request: ``?lang=`` first, then the browser's."""
    asked = _from_query(query)
    if asked is not None:
        return Choice(asked, explicit=True)
    return Choice(from_header(accept_language), explicit=False)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (Vietnamese is the source: no catalog)."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def long_date(value: dt.date | None, lang: str) -> str:
    """A date as a reader of ``lang`` writes it: 31/12/2027, 31 December 2027."""
    if value is None:
        return ""
    if lang == DEFAULT:
        return vi_date(value)
    return format_date(value, format="long", locale=lang)


@cache
def environment(lang: str) -> Environment:
    """The app's template environment, speaking ``lang`` (one per language).

    An overlay with its own globals, filters and template cache: the gettext
    functions and the date format installed here never reach the app's other
    pages or another language.
    """
    env = templates.env.overlay(extensions=["jinja2.ext.i18n"], cache_size=64)
    env.globals = dict(templates.env.globals)  # an overlay shares its parent's
    env.filters = dict(templates.env.filters)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = lang
    env.globals["languages"] = LANGUAGES
    env.globals["og_locales"] = OG_LOCALES
    env.globals["producer_kinds"] = PRODUCER_KINDS
    env.filters["long_date"] = lambda value: long_date(value, lang)
    return env


def render(name: str, lang: str, **context: object) -> bytes:
    """A public template rendered in ``lang``, as UTF-8."""
    return environment(lang).get_template(name).render(**context).encode()
