"""Optimistic concurrency: a client names the version it read in `If-Match`."""

import re
from typing import Annotated

from fastapi import Depends, Header

from tandem.kit.errors import BadRequest

# A version as an entity tag, weak or strong, quoted or not; nine digits keep it a 32-bit integer.
VERSION_TAG = r'^(W/)?"?[0-9]{1,9}"?$'


class InvalidIfMatch(BadRequest):
    detail = 'If-Match must carry the version you read, e.g. If-Match: "3".'


def _expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description='the version you read, e.g. "3"; omit to overwrite',
            json_schema_extra={"pattern": VERSION_TAG},
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    if not re.match(VERSION_TAG, if_match):
        raise InvalidIfMatch()
    return int(if_match.removeprefix("W/").strip('"'))


ExpectedVersion = Annotated[int | None, Depends(_expected_version)]
