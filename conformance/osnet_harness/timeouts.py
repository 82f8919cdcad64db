"""Scalable timeouts: every wait in the suite goes through T()."""
import os


def multiplier():
    try:
        m = float(os.environ.get("OSNET_TIMEOUT_MULTIPLIER", "1"))
    except ValueError:
        m = 1.0
    return m if m > 0 else 1.0


def T(seconds):
    """`seconds` scaled by OSNET_TIMEOUT_MULTIPLIER (slow machines, sanitizers)."""
    return seconds * multiplier()
