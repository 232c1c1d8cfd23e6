"""Feedback's refusals, named; rendered once as problem+json by kit."""

from tandem.kit.errors import Forbidden


class KpisForbidden(Forbidden):
    detail = "Only admins and partners with `kpis:read` may read KPIs."
