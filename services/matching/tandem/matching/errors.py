from tandem.kit.errors import Conflict, Forbidden, NotFound


class RunNotFound(NotFound):
    detail = "No such match run."


class RunNotCompleted(Conflict):
    detail = "The match run has not completed."


class RunAlreadyPublished(Conflict):
    detail = "This run's proposals were published already."


class RunNoLongerFits(Conflict):
    detail = (
        "Since this run was solved, some of its people were matched or proposed elsewhere (see "
        "person_ids): run the program again."
    )


class ProgramNotMatchable(Conflict):
    detail = "The program is a draft or closed: nobody is matched in it."


class ProposalNotFound(NotFound):
    detail = "No such proposal."


class ProposalNotPending(Conflict):
    detail = "The proposal is no longer waiting for answers."


class ProposalWithdrawn(Conflict):
    detail = "The proposal was withdrawn: one of its people was matched elsewhere, or left."


class MemberTaken(Conflict):
    detail = "Some of the proposal's people (see person_ids) have no room left in the program."


class ProposalExpired(Conflict):
    detail = "The proposal expired."


class NotAMember(Forbidden):
    detail = "Only the people of this proposal or mentorship may do this."


class NotProgramAdmin(Forbidden):
    detail = "Only HR admins and this program's admins may do this."


class MentorshipNotFound(NotFound):
    detail = "No such mentorship."


class MentorshipNotActive(Conflict):
    detail = "The mentorship is not in a state that allows this."


class RematchOfferNotFound(NotFound):
    detail = "No such rematch offer."


class RematchOfferNotOpen(Conflict):
    detail = "The rematch offer was answered already."
