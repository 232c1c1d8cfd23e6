from tandem.kit.app import create_app
from tandem.sessions.handlers import WIRING
from tandem.sessions.router import routers
from tandem.sessions.settings import SessionsSettings

app = create_app(SessionsSettings, routers=routers, wiring=WIRING)
