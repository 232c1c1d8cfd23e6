"""Outbox, inbox and dead letters.

Revision ID: 0001
Revises:
"""

from tandem.kit.migrations import EVENT_TABLES_REVISION

revision, down_revision = "0001", None
upgrade, downgrade = EVENT_TABLES_REVISION
