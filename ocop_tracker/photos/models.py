"""Product photos (models filled in by issue #5)."""
