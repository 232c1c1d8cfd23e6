"""Durable timers: each scheduled session's reminder, due a set time before it starts.

Revision ID: 0005
Revises: 0004
"""

from tandem.kit.timers import TIMERS_REVISION

revision, down_revision = "0005", "0004"
upgrade, downgrade = TIMERS_REVISION
