"""Event payloads, one module per producing service."""

from tandem.kit.contracts import profiles

__all__ = ["profiles"]
