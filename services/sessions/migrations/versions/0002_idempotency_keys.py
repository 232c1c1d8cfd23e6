"""Idempotency keys: the first answer to a retried write.

Revision ID: 0002
Revises: 0001
"""

from tandem.kit.migrations import IDEMPOTENCY_KEYS_REVISION

revision, down_revision = "0002", "0001"
upgrade, downgrade = IDEMPOTENCY_KEYS_REVISION
