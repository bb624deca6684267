"""The listing link check: verified shop and product URLs re-checked once a day."""
