"""Consistent backups of the database and media, and their restore."""
