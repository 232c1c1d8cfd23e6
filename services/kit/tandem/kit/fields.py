"""Field types the services' schemas share."""

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator


def _written_as_text(value: Any) -> Any:
    """JSON carries a date as ISO text; pydantic alone would also read a number (Unix time)."""
    if isinstance(value, int | float):
        raise ValueError("a date is written as text, e.g. 2027-01-04")
    return value


Day = Annotated[date, BeforeValidator(_written_as_text)]
