"""How an instant is written so that every calendar client reads the same instant back.

A local time that a clock change repeats (01:30 in London on the autumn fall-back night) or
skips (01:30 on the spring-forward night) is read differently by different clients: RFC 5545
and Python's libraries take the first of two repeated times, Mozilla's parser the second, and a
skipped time is shifted either way or dropped. Such instants are written in UTC instead.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def happens_once(wall_time: datetime, zone: ZoneInfo) -> bool:
    """Whether a local wall time (naive, or aware in `zone`) happens exactly once in `zone`: a
    repeated or skipped wall time has a different UTC offset depending on `fold`."""
    local = wall_time.replace(tzinfo=zone)
    return local.replace(fold=0).utcoffset() == local.replace(fold=1).utcoffset()


def readings(wall_time: datetime, zone: ZoneInfo) -> frozenset[datetime]:
    """Every UTC instant a client may read a local wall time in `zone` as: one, or two for a
    repeated or skipped wall time."""
    local = wall_time.replace(tzinfo=zone)
    return frozenset(local.replace(fold=fold).astimezone(UTC) for fold in (0, 1))


def writable(instant: datetime, zone: ZoneInfo) -> datetime:
    """The value to write for `instant`: its wall time in `zone` when that wall time happens
    once, else the instant in UTC."""
    local = instant.astimezone(zone)
    return local if happens_once(local, zone) else instant.astimezone(UTC)
