"""``ocop-tracker cards``: print QR product cards to a PDF file."""


def cards() -> None:
    """Print the QR cards of the products under an area to a PDF file."""
    raise NotImplementedError
