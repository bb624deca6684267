"""Work without a signal: the installable app, its offline copies, and the
form keys that make a queued form safe to send more than once."""
