"""Durable timers: each scheduled session's reminder, due a set time before it starts.

Revision ID: 0007
Revises: 0006_timetables
"""

from tandem.kit.timers import TIMERS_REVISION

revision, down_revision = "0007", "0006_timetables"
upgrade, downgrade = TIMERS_REVISION
