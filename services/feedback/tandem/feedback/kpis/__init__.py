"""Feedback's KPI computation: pure functions over figures read from the read model (no I/O)."""
