"""Dead letters name their organization, so operators see only their own.

Revision ID: 0005
Revises: 0004
"""

from tandem.kit.migrations import DEAD_LETTER_ORGANIZATION_REVISION

revision, down_revision = "0005", "0004"
upgrade, downgrade = DEAD_LETTER_ORGANIZATION_REVISION
