"""Event payloads, one module per producing service."""

from tandem.kit.contracts import feedback, matching, profiles

__all__ = ["feedback", "matching", "profiles"]
