"""Shared library of the Tandem services. It imports no service."""
