"""The matching engine: pure functions from a pool, its rules and weights to proposals."""
