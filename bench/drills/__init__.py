"""Fault drills (SECURITY.md §I): loopback only, bounded in count and time."""
