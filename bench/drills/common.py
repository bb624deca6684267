"""What every drill shares: a spare loopback port, progress lines, PASS/FAIL findings."""

import socket
import sys


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(line: str) -> None:
    """A progress line on stderr (the findings go to stdout)."""
    sys.stderr.write(f"[drill] {line}\n")
    sys.stderr.flush()


class Checks:
    """Findings as "[PASS] …" / "[FAIL] …" lines; passed while every check holds."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ok = True

    def __call__(self, passed: bool, line: str) -> None:
        self.lines.append(f"  [{'PASS' if passed else 'FAIL'}] {line}")
        self.ok = self.ok and passed
