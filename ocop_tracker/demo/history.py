"""Demo history: months of onboarding in the pilot hamlets, for trends and reports."""

from sqlalchemy.orm import Session


def load(session: Session) -> list[str]:
    """Spread the demo's events over past months; returns lines saying what changed."""
    return []
