"""QR product cards as PDF."""
