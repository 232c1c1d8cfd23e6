"""The local launcher: the whole system on one machine, supervised."""
