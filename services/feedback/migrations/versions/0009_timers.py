"""Durable timers: members' periodic check-ins falling due, and survey reminders.

Revision ID: 0009_timers
Revises: 0008_surveys
"""

from tandem.kit.timers import TIMERS_REVISION

revision, down_revision = "0009_timers", "0008_surveys"
upgrade, downgrade = TIMERS_REVISION
