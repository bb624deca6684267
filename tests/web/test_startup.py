"""A worker builds every route's request handling when it starts.

FastAPI builds a route's handling (its parameters' validators) the first time
an application matches it; for our few hundred routes that is about a second,
which the first person after each restart would wait. The lifespan builds them
all before serving.
"""

from typing import Any

import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ocop_tracker.main import create_app


def test_routes_are_built_at_start_not_on_the_first_requests(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    context = routing._EffectiveRouteContext
    original = context.from_api_route.__func__  # type: ignore[attr-defined]

    def counting(cls: Any, /, **kwargs: Any) -> Any:
        built.append(kwargs["original_route"].path)
        return original(cls, **kwargs)

    monkeypatch.setattr(context, "from_api_route", classmethod(counting))
    app = create_app()
    made = len(built)  # including the routers into the app builds a part
    with TestClient(app, base_url="https://127.0.0.1") as client:
        at_start = len(built)
        assert at_start > made  # the start builds the rest
        for path in ("/login", "/guides", "/api/v1/reports/coverage", "/healthz"):
            assert client.get(path).status_code < 500
        assert len(built) == at_start  # the first requests built nothing more
