"""Optimistic concurrency: reads send a resource's version as its `ETag`; a client names the
version it read in `If-Match`. A write that loses a race to another is refused by the error
handlers (412 with If-Match, 409 without), never applied over the winner."""

import re
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Header, Response

from tandem.kit.errors import BadRequest, VersionMismatch

# A version as an entity tag, weak or strong, quoted or not; nine digits keep it a 32-bit integer.
VERSION_TAG = r'^(W/)?"?[0-9]{1,9}"?$'


class InvalidIfMatch(BadRequest):
    detail = 'If-Match must carry the version you read, e.g. If-Match: "3".'


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def _expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description='the version you read (its ETag), e.g. "3"; omit to overwrite',
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


def check_version(resource: Versioned, expected: int | None) -> None:
    if expected is not None and expected != resource.version:
        raise VersionMismatch(current_version=resource.version)


def tagged(response: Response, resource: V) -> V:
    """The resource, with its version sent as the `ETag` a later `If-Match` names."""
    response.headers["ETag"] = f'"{resource.version}"'
    return resource
