"""Dead letters name their organization, so operators see only their own.

Revision ID: 0003
Revises: 0002
"""

from tandem.kit.migrations import DEAD_LETTER_ORGANIZATION_REVISION

revision, down_revision = "0003", "0002"
upgrade, downgrade = DEAD_LETTER_ORGANIZATION_REVISION
