"""Trusted documents (persisted queries) for first-party web and mobile clients: the GraphQL
documents they ship are listed in a manifest the gateway loads at start-up; a request names one
by id (`documentId`, or Apollo's `extensions.persistedQuery.sha256Hash`) instead of sending it.
In production, with a manifest, no other document runs."""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from tandem.gateway.graphiql import OfflineGraphiQLRouter
from tandem.kit.errors import BadRequest

ID_PREFIX = "sha256:"


def document_id(document: str) -> str:
    """A document's id: `sha256:` and the hex digest of its UTF-8 text."""
    return ID_PREFIX + hashlib.sha256(document.encode()).hexdigest()


class DocumentNotTrusted(BadRequest):
    detail = "This gateway runs only the documents its clients ship; name one by its id."


class UnknownDocument(BadRequest):
    detail = "No trusted document has that id."


class InvalidManifest(ValueError):
    pass


class TrustedDocuments:
    def __init__(self, documents: Mapping[str, str], only: bool) -> None:
        self._by_id = dict(documents)
        self.only = only

    @classmethod
    def from_manifest(cls, path: Path, only: bool) -> Self:
        """A JSON object of id to document; every id must be the document's own."""
        manifest = json.loads(path.read_text())
        if not isinstance(manifest, dict):
            raise InvalidManifest(f"{path}: a JSON object of document id to document")
        wrong = [key for key, text in manifest.items() if _normalized(key) != document_id(text)]
        if wrong:
            raise InvalidManifest(f"{path}: ids that are not their document's: {wrong[:3]}")
        return cls({document_id(text): text for text in manifest.values()}, only)

    def resolve(self, body: dict[str, Any]) -> dict[str, Any]:
        """The request with the document it names, or refused."""
        named = body.get("documentId") or _apollo_hash(body.get("extensions"))
        if isinstance(named, str):
            document = self._by_id.get(_normalized(named))
            if document is None:
                raise UnknownDocument()
            return body | {"query": document}
        query = body.get("query")
        if self.only and not (isinstance(query, str) and document_id(query) in self._by_id):
            raise DocumentNotTrusted()
        return body


def _normalized(named: str) -> str:
    return named if named.startswith(ID_PREFIX) else ID_PREFIX + named


def _apollo_hash(extensions: object) -> object:
    if not isinstance(extensions, dict):
        return None
    persisted = extensions.get("persistedQuery")
    return persisted.get("sha256Hash") if isinstance(persisted, dict) else None


class GatewayGraphQLRouter(OfflineGraphiQLRouter):
    """The GraphQL endpoint, resolving trusted documents before a request is parsed further."""

    def __init__(self, *args: Any, trusted: TrustedDocuments | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trusted = trusted

    def parse_json(self, data: str | bytes) -> Any:
        body = super().parse_json(data)
        if self.trusted is not None and isinstance(body, dict):
            return self.trusted.resolve(body)
        return body
