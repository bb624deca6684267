"""What the JSON API's routes share in how they are declared."""

from typing import Any


def file_answer(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The documented 200 of a route that answers a file in one of ``media_types``.

    ``responses=file_answer("The report", PDF, XLSX)``, beside
    ``response_class=Response``; other statuses are added by unpacking it into a
    larger dict.
    """
    return {
        200: {
            "content": {media_type: {} for media_type in media_types},
            "description": description,
        }
    }
