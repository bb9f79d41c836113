"""The one error every ops command raises for input it refuses, before anything changed."""

from __future__ import annotations


class OpsError(Exception):
    """Refused before anything changed: the message says what is wrong and how to fix it."""
