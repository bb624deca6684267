"""The public page in Vietnamese, English and Khmer: how the language is chosen,
what each page links to, what stays as entered, the structured data, and the
catalogs kept in step with the templates."""

import datetime as dt
import gettext
import json
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core.clock import today
from ocop_tracker.core.config import get_settings
from ocop_tracker.producers.models import ConsentField, ProducerKind
from ocop_tracker.products.models import Product
from ocop_tracker.products.rules import gtin_check_digit
from ocop_tracker.public import i18n
from tests.factories import make_certificate, make_listing, make_product
from tests.public.conftest import canary_producer, consent, khom3

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page(
    client: TestClient, url: str, accept: str | None = None
) -> tuple[str, dict[str, str]]:
    headers = {"accept-language": accept} if accept is not None else {}
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.text, dict(response.headers)


def lang_of(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)">', html)
    assert found is not None
    return found[1]


@pytest.fixture
def code(session: Session) -> str:
    """A 4★ product of Khóm 3 listed on voso: its public code."""
    product = make_product(
        session,
        canary_producer(session, khom3(session)),
        stars=4,
        name="Bánh pía Sóc Trăng",
    )
    make_listing(session, product, "voso")
    session.commit()
    return product.public_code


# --- choosing the language ------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "vi"),
        ("", "vi"),
        ("km-KH,km;q=0.9,en-US;q=0.8", "km"),
        ("en-US,en;q=0.9,vi;q=0.8", "en"),
        ("vi;q=0.5, km;q=0.8", "km"),
        ("fr-FR,fr;q=0.9", "vi"),  # none of ours: Vietnamese
        ("fr;q=1, en;q=0.2", "en"),
        ("*", "vi"),
        ("km;q=0, en;q=0.1", "en"),  # q=0: not acceptable
        ("EN-gb", "en"),
        ("km;q=abc", "vi"),  # a broken weight counts as none
        ("x" * 5000 + ",km", "vi"),  # only the first 512 characters are read
    ],
)
def test_the_browser_chooses_among_our_languages(header: str | None, lang: str) -> None:
    assert i18n.from_header(header) == lang


def test_the_url_wins_over_the_browser_and_is_kept(
    client: TestClient, code: str
) -> None:
    html, headers = page(client, f"/p/{code}", accept="km-KH,km;q=0.9")
    assert lang_of(html) == "km"
    assert headers["content-language"] == "km"
    assert "accept-language" in headers["vary"].lower()
    assert "ទិញតាមអនឡាញ" in html  # "Mua trực tuyến"

    html, headers = page(client, f"/p/{code}?lang=en", accept="km-KH,km;q=0.9")
    assert lang_of(html) == "en"
    assert headers["content-language"] == "en"
    assert "Buy online" in html
    assert "4-star OCOP product" in html

    html, _ = page(client, f"/p/{code}?lang=fr&utm_source=zalo", accept="en")
    assert lang_of(html) == "en"  # an unknown ?lang= is read past

    html, _ = page(client, f"/p/{code}?lang=vi", accept="en")
    assert lang_of(html) == "vi"
    assert "Mua trực tuyến" in html


def test_each_language_links_the_others_and_names_itself(
    client: TestClient, code: str
) -> None:
    url = f"{get_settings().public_base_url}/p/{code}"
    for lang in ("vi", "en", "km"):
        html, _ = page(client, f"/p/{code}?lang={lang}")
        assert f'<link rel="canonical" href="{url}?lang={lang}">' in html
        assert f'<meta property="og:url" content="{url}?lang={lang}">' in html
        for other in ("vi", "en", "km"):
            assert (
                f'<link rel="alternate" hreflang="{other}" href="{url}?lang={other}">'
                in html
            )
            assert f'href="?lang={other}"' in html  # the visible switch
        assert f'<link rel="alternate" hreflang="x-default" href="{url}">' in html
        assert f'<meta property="og:locale" content="{i18n.OG_LOCALES[lang]}">' in html
        current = re.findall(r'<a href="\?lang=(\w+)"[^>]*aria-current="page"', html)
        assert current == [lang]
        # The product's own words stay as entered, in every language.
        assert "Bánh pía Sóc Trăng" in html
        assert "Khóm 3, Phường Sóc Trăng" in html
        assert unicodedata.is_normalized("NFC", html)


def test_pages_are_cached_and_validated_per_language(
    client: TestClient, code: str
) -> None:
    vi = client.get(f"/p/{code}")
    en = client.get(f"/p/{code}", headers={"accept-language": "en"})
    again = client.get(f"/p/{code}")  # from the cache now
    assert lang_of(vi.text) == lang_of(again.text) == "vi"
    assert lang_of(en.text) == "en"
    assert vi.headers["etag"] != en.headers["etag"]
    crossed = client.get(
        f"/p/{code}",
        headers={"accept-language": "en", "if-none-match": vi.headers["etag"]},
    )
    assert crossed.status_code == 200  # a Vietnamese copy does not validate English
    same = client.get(
        f"/p/{code}",
        headers={"accept-language": "en", "if-none-match": en.headers["etag"]},
    )
    assert same.status_code == 304
    assert same.headers["content-language"] == "en"


def test_the_missing_page_speaks_the_visitors_language(client: TestClient) -> None:
    missing = client.get("/p/" + "Z" * 22, headers={"accept-language": "en-US"})
    assert missing.status_code == 404
    assert lang_of(missing.text) == "en"
    assert "Product not found" in missing.text
    khmer = client.get("/p/" + "Z" * 22 + "?lang=km")
    assert khmer.status_code == 404
    assert "រកមិនឃើញផលិតផល" in khmer.text
    assert (
        client.get("/p/12", headers={"accept-language": "km"}).headers[
            "content-language"
        ]
        == "km"
    )


def test_unnamed_producers_and_dates_in_each_language(
    client: TestClient, session: Session
) -> None:
    producer = canary_producer(session, khom3(session), name="Hộ Bà Sáu Kín Đáo")
    product = make_product(session, producer)
    make_certificate(
        session,
        product,
        stars=4,
        decision_date=today() - dt.timedelta(days=1200),
        expires_on=dt.date(2025, 12, 31),
    )
    session.commit()
    html, _ = page(client, f"/p/{product.public_code}?lang=en")
    assert "Household business in Phường Sóc Trăng" in html
    assert "The OCOP certificate expired on December 31, 2025." in html
    assert "Hộ Bà Sáu Kín Đáo" not in html
    html, _ = page(client, f"/p/{product.public_code}?lang=km")
    assert "គ្រួសារផលិតកម្ម និងអាជីវកម្ម នៅ Phường Sóc Trăng" in html
    assert "បានផុតសុពលភាពនៅថ្ងៃទី 31 ធ្នូ 2025។" in html
    assert "Hộ Bà Sáu Kín Đáo" not in html
    html, _ = page(client, f"/p/{product.public_code}?lang=vi")
    assert "Hộ sản xuất kinh doanh tại Phường Sóc Trăng" in html
    assert "đã hết hạn ngày 31/12/2025." in html


# --- structured data ------------------------------------------------------------


def structured(html: str) -> dict[str, object]:
    found = JSON_LD.search(html)
    assert found is not None
    data = json.loads(found[1])
    assert isinstance(data, dict)
    return data


def test_structured_data_shows_what_the_page_shows(
    client: TestClient, session: Session
) -> None:
    producer = canary_producer(session, khom3(session), name="Hộ Ông Bảy Công Khai")
    product = make_product(
        session,
        producer,
        stars=5,
        description='Ngon </script><script>alert("x")</script> & giòn',
    )
    session.commit()
    html, _ = page(client, f"/p/{product.public_code}?lang=en")
    data = structured(html)
    assert data["@type"] == "Product"
    assert data["name"] == product.name
    assert data["description"] == 'Ngon </script><script>alert("x")</script> & giòn'
    assert html.count("</script>") == 1  # the data block closes once, where it ends
    assert "manufacturer" not in data  # a household's name needs its consent
    certification = data["hasCertification"]
    assert isinstance(certification, dict)
    assert certification["@type"] == "Certification"
    assert certification["certificationRating"] == {
        "@type": "Rating",
        "ratingValue": 5,
        "bestRating": 5,
    }
    assert certification["certificationIdentification"]
    for private in ("Đại Diện", "0312345678", "+84912000123"):
        assert private not in json.dumps(data, ensure_ascii=False)

    consent(session, producer, ConsentField.display_name, True)
    session.commit()
    html, _ = page(client, f"/p/{product.public_code}")
    assert structured(html)["manufacturer"] == {
        "@type": "Organization",
        "name": "Hộ Ông Bảy Công Khai",
    }


def test_no_certification_without_stars_in_force(
    client: TestClient, session: Session
) -> None:
    producer = canary_producer(session, khom3(session), kind=ProducerKind.cooperative)
    product = make_product(session, producer)
    session.commit()
    data = structured(page(client, f"/p/{product.public_code}")[0])
    assert "hasCertification" not in data
    assert data["manufacturer"] == {"@type": "Organization", "name": producer.name}


# --- the catalogs ---------------------------------------------------------------


def extracted_ids() -> set[str]:
    """The message ids Babel extracts from the sources now (``make i18n``'s first step)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map
        )
        if isinstance(message, str)
    }


@pytest.mark.parametrize("lang", ["en", "km"])
def test_the_catalog_translates_every_message_the_pages_use(lang: str) -> None:
    ids = extracted_ids()
    assert len(ids) > 20
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    messages = {m.id: m for m in catalog if isinstance(m.id, str) and m.id}
    assert set(messages) == ids, "run `make i18n` and translate the new lines"
    for message_id, message in messages.items():
        assert isinstance(message.string, str), message_id
        assert message.string.strip(), message_id
        assert not message.fuzzy, message_id
        assert unicodedata.is_normalized("NFC", message.string), message_id
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(str(message_id))
        ), message_id
        if lang == "km":
            assert re.search("[\u1780-\u17ff]", message.string), message_id


@pytest.mark.parametrize("lang", ["en", "km"])
def test_the_compiled_catalog_is_its_source(lang: str) -> None:
    folder = i18n.LOCALE_DIR / lang / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        source = {m.id: m.string for m in read_po(f) if m.id and not m.fuzzy}
    with (folder / "messages.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    shipped = {k: v for k, v in compiled._catalog.items() if k}  # type: ignore[attr-defined]
    assert shipped == source, "run `make i18n` (pybabel compile)"
    assert i18n.translations(lang).gettext("Mua trực tuyến") == source["Mua trực tuyến"]


def test_the_digital_link_keeps_an_asked_language(
    client: TestClient, session: Session, code: str
) -> None:
    product = session.scalars(select(Product).where(Product.public_code == code)).one()
    body = f"893{product.id:09d}"
    product.gtin = body + str(gtin_check_digit(body))
    session.commit()
    plain = client.get(f"/01/{product.gtin}", follow_redirects=False)
    assert plain.headers["location"] == f"/p/{code}"  # the browser's language decides
    asked = client.get(f"/01/{product.gtin}?lang=km", follow_redirects=False)
    assert asked.headers["location"] == f"/p/{code}?lang=km"


def test_a_compressed_page_varies_on_both_headers(
    client: TestClient, code: str
) -> None:
    answer = client.get(
        f"/p/{code}", headers={"accept-encoding": "gzip", "accept-language": "km"}
    )
    vary = {v.strip().lower() for v in answer.headers["vary"].split(",")}
    assert {"accept-language", "accept-encoding"} <= vary
