from tandem.feedback import survey_router
from tandem.feedback.handlers import WIRING
from tandem.feedback.router import routers
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.app import create_app

app = create_app(FeedbackSettings, routers=[*routers, *survey_router.routers], wiring=WIRING)
