"""The matching service: match runs, the OR-Tools solver, proposals and mentorships."""
