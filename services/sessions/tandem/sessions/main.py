from tandem.kit.app import create_app
from tandem.sessions.settings import SessionsSettings

app = create_app(SessionsSettings, routers=[])
