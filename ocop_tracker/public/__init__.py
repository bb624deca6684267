"""The public product page a QR card opens, and its scan counts."""
