"""Product photos: safe upload, re-encoding, readiness per marketplace, photo packs."""
