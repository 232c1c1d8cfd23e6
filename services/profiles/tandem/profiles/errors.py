from tandem.kit.errors import Conflict, NotFound


class PersonNotFound(NotFound):
    detail = "No such person."


class PersonEmailTaken(Conflict):
    detail = "Another person of the organization has this email."
