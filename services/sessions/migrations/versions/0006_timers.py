"""Durable timers: each scheduled session's reminder, due a set time before it starts.

Revision ID: 0006
Revises: 0005_calendar_feeds
"""

from tandem.kit.timers import TIMERS_REVISION

revision, down_revision = "0006", "0005_calendar_feeds"
upgrade, downgrade = TIMERS_REVISION
