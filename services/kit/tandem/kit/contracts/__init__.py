"""Event payloads, one module per producing service."""

from tandem.kit.contracts import matching, profiles

__all__ = ["matching", "profiles"]
