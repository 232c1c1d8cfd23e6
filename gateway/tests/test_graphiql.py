"""GraphiQL works on a machine without internet: everything its page loads comes from the gateway,
byte for byte the files the page's integrity attributes name."""

import base64
import hashlib
from html.parser import HTMLParser

import httpx


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


async def test_production_serves_no_graphiql_assets(
    production_gateway: httpx.AsyncClient,
) -> None:
    response = await production_gateway.get("/graphiql/static/graphiql/graphiql.min.js")

    assert response.status_code == 404
