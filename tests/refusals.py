"""Checking that a refusal names its field, and that no code is in its message."""

import html as html_lib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import TypeVar

import pytest

from ocop_tracker.core.errors import AppError

E = TypeVar("E", bound=AppError)

# What an older message began with: a field's code ("phone: …").
CODE = re.compile(r"^[a-z_]+: |\([a-z_]+\)")


def no_code(message: str) -> None:
    """A message a user reads holds no field code."""
    assert not CODE.search(message), message


@contextmanager
def refused(
    kind: type[E], field: str, pattern: str = ""
) -> Iterator[pytest.ExceptionInfo[E]]:
    """``pytest.raises(kind, match=pattern)`` that also checks the error
    names exactly ``field``, with the message for it, and holds no code."""
    with pytest.raises(kind, match=pattern) as caught:
        yield caught
    error = caught.value
    assert set(error.fields) == {field}, error.fields
    assert re.search(pattern, error.fields[field]), error.fields
    no_code(error.message)


def assert_field(body: dict[str, object], field: str, pattern: str) -> None:
    """An API error body that names exactly ``field``, with a message for it
    matching ``pattern`` (the same as ``detail``), and no code in either."""
    fields = body["fields"]
    assert isinstance(fields, dict), body
    assert set(fields) == {field}, body
    assert re.search(pattern, fields[field]), body
    assert body["detail"] == fields[field], body
    no_code(fields[field])


class _Fields(HTMLParser):
    """Controls with their attributes, and the text of every element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str]] = {}
        self.by_id: dict[str, dict[str, str]] = {}
        self.texts: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag in {"input", "select", "textarea"} and "name" in found:
            self.controls.setdefault(found["name"], found)
            if "id" in found:
                self.by_id[found["id"]] = found
        if "id" in found and tag in {"p", "span"}:
            self._open.append(found["id"])
            self.texts[found["id"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in {"p", "span"} and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for key in self._open:
            self.texts[key] += data


def field_error(html: str, name: str, prefix: str | None = None) -> str:
    """The message shown beside the control ``name`` (its ``aria-describedby``
    element), checking the control is marked invalid and holds no code.
    ``prefix`` picks the control by its id (``prefix + name``) where several
    forms on the page have one of that name."""
    page = _Fields()
    page.feed(html)
    if prefix is not None:
        control = page.by_id.get(prefix + name)
    else:
        control = page.controls.get(name)
    assert control is not None, f"no control named {name}"
    assert control.get("aria-invalid") == "true", control
    ids = control.get("aria-describedby", "").split()
    messages = [page.texts[i].strip() for i in ids if i.endswith("-error")]
    assert messages, control
    no_code(messages[0])
    return messages[0]


_ALERT = re.compile(r'<p class="errors" role="alert">(.*?)</p>', re.S)
_SUMMARY = re.compile(r'<nav class="summary-fields".*?</nav>', re.S)
_LINK = re.compile(r'<li><a href="#[^"]+">(.*?)</a></li>', re.S)


def top_message(html: str) -> str:
    """What the top of a refused page says: its error box, or, where every
    message belongs to a field, the summary's links to them (each said once)."""
    found = _ALERT.search(html)
    if found:
        return html_lib.unescape(found.group(1))
    summary = _SUMMARY.search(html)
    assert summary, "no error box nor summary on the page"
    links = [html_lib.unescape(m) for m in _LINK.findall(summary.group(0))]
    assert links, "an empty summary"
    return "; ".join(links)


def invalid_fields(html: str) -> set[str]:
    """The names of the controls marked invalid on a page."""
    page = _Fields()
    page.feed(html)
    marked = [*page.controls.values(), *page.by_id.values()]
    return {a["name"] for a in marked if a.get("aria-invalid") == "true"}
