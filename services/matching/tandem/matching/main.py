from tandem.kit.app import create_app
from tandem.matching.handlers import WIRING
from tandem.matching.router import routers
from tandem.matching.settings import MatchingSettings

app = create_app(MatchingSettings, routers=routers, wiring=WIRING)
