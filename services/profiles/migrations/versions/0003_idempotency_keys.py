"""Idempotency keys: the first answer to a retried write.

Revision ID: 0003
Revises: 0002
"""

from tandem.kit.migrations import IDEMPOTENCY_KEYS_REVISION

revision, down_revision = "0003", "0002"
upgrade, downgrade = IDEMPOTENCY_KEYS_REVISION
