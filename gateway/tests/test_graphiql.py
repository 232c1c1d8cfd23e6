"""GraphiQL works on a machine without internet: everything its page loads comes from the gateway,
byte for byte the files the page's integrity attributes name."""

import base64
import hashlib
from html.parser import HTMLParser

import httpx

from tandem.gateway.graphiql import ASSETS_PATH


class _Loads(HTMLParser):
    """The scripts and styles a page loads, with their integrity attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        url = attributes.get("src") if tag == "script" else attributes.get("href")
        if tag in ("script", "link") and url and not url.startswith("data:"):
            self.assets[url] = attributes.get("integrity")


def _loads(page: str) -> dict[str, str | None]:
    parser = _Loads()
    parser.feed(page)
    return parser.assets


def _sha384(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


async def test_the_graphiql_page_loads_only_what_the_gateway_serves(
    gateway: httpx.AsyncClient,
) -> None:
    page = await gateway.get("/graphql", headers={"Accept": "text/html"})

    assets = _loads(page.text)
    assert len(assets) == 7  # react, react-dom, js-cookie, graphiql and its explorer (JS and CSS)
    assert [url for url in assets if not url.startswith("/graphiql/static/")] == []
    for url, integrity in assets.items():
        served = await gateway.get(url)
        assert served.status_code == 200, url
        assert _sha384(served.content) == integrity, url


async def test_graphiql_subscribes_over_the_gateways_websocket_with_its_headers_pane(
    gateway: httpx.AsyncClient,
) -> None:
    """The page's fetcher sends subscriptions to the gateway's WebSocket, and the GraphiQL it
    serves (its bytes pinned by the page's integrity) sends the Headers pane, where the person
    put their `Authorization`, as the `connection_init` payload (connectionParams), which the
    gateway reads the token from (test_notifications.py)."""
    page = (await gateway.get("/graphql", headers={"Accept": "text/html"})).text
    bundle = (await gateway.get(f"{ASSETS_PATH}/graphiql/graphiql.min.js")).text

    assert "const subscriptionUrl = httpUrlToWebSockeUrl(fetchURL);" in page
    assert "subscriptionUrl,\n      });" in page  # given to GraphiQL.createFetcher
    assert "isHeadersEditorEnabled: true" in page
    # GraphiQL hands the Headers pane to the fetcher with each operation...
    assert "headers: _headers,\n          documentAST" in bundle
    # ...and its fetcher opens a graphql-ws client with them as the connection_init payload.
    assert (
        "createWebsocketsFetcherFromUrl(options.subscriptionUrl, (0, _chunkLMOQIXV.__spreadValues)"
        "((0, _chunkLMOQIXV.__spreadValues)({}, options.wsConnectionParams), fetcherOpts == null "
        "? void 0 : fetcherOpts.headers))"
    ) in bundle
    assert "return wsClient = createClient({\n      url,\n      connectionParams\n    })" in bundle


async def test_production_serves_no_graphiql_assets(
    production_gateway: httpx.AsyncClient,
) -> None:
    response = await production_gateway.get("/graphiql/static/graphiql/graphiql.min.js")

    assert response.status_code == 404
