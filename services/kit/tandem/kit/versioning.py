"""Optimistic concurrency: a client names the version it read in `If-Match`."""

from typing import Annotated

from fastapi import Depends, Header

from tandem.kit.errors import BadRequest


class InvalidIfMatch(BadRequest):
    detail = 'If-Match must carry the version you read, e.g. If-Match: "3".'


def _expected_version(
    if_match: Annotated[
        str | None, Header(description='the version you read, e.g. "3"; omit to overwrite')
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.removeprefix("W/").strip('"'))
    except ValueError as error:
        raise InvalidIfMatch() from error


ExpectedVersion = Annotated[int | None, Depends(_expected_version)]
