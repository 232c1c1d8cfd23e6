"""Schemathesis against a service: every check, a bounded and seeded number of examples.

The app under test is a copy of the service's own (built by its app factory), which
schemathesis starts in an event loop of its own, on the test's own database
(`own_database_url`): its requests commit for real. `served` starts it and gives a client to
seed it with; `undocumented_answers` returns one line per failure, so a test asserts the list
is empty and shows each answer the document does not describe.
"""

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import schemathesis
from fastapi import FastAPI
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.core import EventStream
from schemathesis.python import asgi
from schemathesis.python.asgi import ASGIClient

EXAMPLES_PER_OPERATION = 10
SEED = 20261207
CONFIG: dict[str, Any] = {
    "seed": SEED,
    # A busy CI machine may be slow; only a hung request should fail (the default is 10 s).
    "request-timeout": 60,
    # The same requests on every run: no randomness, and no failures replayed from a database.
    "generation": {
        "max-examples": EXAMPLES_PER_OPERATION,
        "deterministic": True,
        "database": "none",
    },
    # Stateful runs need links between operations, which the documents do not declare.
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        # "A schema-valid request is accepted" holds only where the schema can say every
        # rule. Ours have rules JSON Schema cannot say: a time zone's name, dates in order, a
        # cursor this API gave out, text PostgreSQL can store. Those answer a documented 400
        # or 422.
        "positive_data_acceptance": {"enabled": False},
    },
}


@contextlib.contextmanager
def served(app: FastAPI) -> Iterator[ASGIClient]:
    """`app` started in schemathesis' event loop, with a client of it; stopped at the end."""
    try:
        # Starlette types an ASGI scope as a mapping, schemathesis as a dict: the same thing.
        with asgi.get_client(app) as client:  # type: ignore[arg-type]
            yield client
    finally:
        asgi.shutdown_lifespans()


def undocumented_answers(
    app: FastAPI,
    token: str,
    parameters: Mapping[str, str],
    operations: list[dict[str, Any]] | None = None,
) -> list[str]:
    """Every operation of `app` (being `served`), asked as `token`, with the path and query
    parameters named in `parameters` fixed to seeded ids; `operations` holds per-operation
    settings, as schemathesis.toml's `[[operations]]` does."""
    config = schemathesis.Config.from_dict(
        CONFIG
        | {
            "headers": {"Authorization": f"Bearer {token}"},
            "parameters": dict(parameters),
            "operations": operations or [],
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    return _failures(from_schema(schema).execute())


def undocumented_answers_at(
    document_url: str, base_url: str, token: str, examples: int = EXAMPLES_PER_OPERATION
) -> list[str]:
    """The same, for the operations of the document at `document_url`, asked of running servers
    at `base_url` (as the gateway serves every service's), `examples` each."""
    config = schemathesis.Config.from_dict(
        CONFIG
        | {
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": CONFIG["generation"] | {"max-examples": examples},
        }
    )
    schema = schemathesis.openapi.from_url(document_url, config=config)
    return _failures(from_schema(schema).execute())


def _failures(stream: EventStream) -> list[str]:
    found: list[str] = []
    for event in stream:
        if isinstance(event, events.FatalError):
            found.append(f"schemathesis stopped: {event.exception!r}")
        elif isinstance(event, events.NonFatalError):
            found.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.ScenarioFinished) and event.status is Status.FAILURE:
            found.extend(
                f"{event.label} [{check.name}] {check.failure_info.failure.title}: "
                f"{check.failure_info.failure.message} -- {check.failure_info.code_sample}"
                for checks in event.recorder.checks.values()
                for check in checks
                if check.status is Status.FAILURE and check.failure_info is not None
            )
    return found
