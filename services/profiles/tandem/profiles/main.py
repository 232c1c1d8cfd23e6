from tandem.kit.app import create_app
from tandem.profiles.router import routers
from tandem.profiles.settings import ProfilesSettings

app = create_app(ProfilesSettings, routers=routers)
