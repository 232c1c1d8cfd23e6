"""Dead letters name their organization, so operators see only their own.

Revision ID: 0007
Revises: 0006
"""

from tandem.kit.migrations import DEAD_LETTER_ORGANIZATION_REVISION

revision, down_revision = "0007", "0006"
upgrade, downgrade = DEAD_LETTER_ORGANIZATION_REVISION
