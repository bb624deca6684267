"""ocop-tracker: bringing every OCOP product of a province onto e-commerce."""

__version__ = "0.1.0"
