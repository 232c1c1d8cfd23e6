"""GraphiQL that works without internet: strawberry's page loads its scripts and styles from
unpkg.com; the gateway serves the very same files itself (static/README.md says where each
comes from) and the page points there."""

import functools
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from strawberry.fastapi import GraphQLRouter
from strawberry.http.ides import get_graphql_ide_html

ASSETS_PATH = "/graphiql/static"
_ASSETS_DIRECTORY = Path(__file__).parent / "static"
# Every URL strawberry's graphiql.html loads, and our copy of it. The page keeps its integrity
# (sha384) attributes, so a browser refuses a copy that is not byte for byte the published file.
_ASSETS = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react/react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom/react-dom.production.min.js"
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js-cookie/js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql/graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql/graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer/style.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer/index.umd.js"
    ),
}


@functools.cache
def graphiql_page() -> str:
    page = get_graphql_ide_html("graphiql")
    for url, asset in _ASSETS.items():
        page = page.replace(url, f"{ASSETS_PATH}/{asset}")
    return page


class OfflineGraphiQLRouter(GraphQLRouter[Any, None]):
    @property
    def graphql_ide_html(self) -> str:
        return graphiql_page()


def serve_graphiql_assets(app: FastAPI) -> None:
    app.mount(ASSETS_PATH, StaticFiles(directory=_ASSETS_DIRECTORY), name="graphiql-assets")
