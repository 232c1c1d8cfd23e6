"""Field types the services' schemas share."""

from datetime import date, time
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema


def _written_as_text(value: Any) -> Any:
    """JSON carries a date or time as ISO text; pydantic alone would also read a number (Unix
    time)."""
    if isinstance(value, int | float):
        raise ValueError("a date or time is written as text, e.g. 2027-01-04 or 2027-01-04T09:00Z")
    return value


Day = Annotated[date, BeforeValidator(_written_as_text)]
Moment = Annotated[AwareDatetime, BeforeValidator(_written_as_text)]
"""A date and time with its offset."""
# JSON Schema's "time" format requires an offset; a series' weekly time is a wall-clock time.
WallClock = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "description": "local HH:MM:SS"}
    ),
]
