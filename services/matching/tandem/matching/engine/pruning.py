"""How many candidates the engines start from in a large pool. Above a few thousand people the
solver starts from each person's best candidates and proves its answer over all of them: the
same answer, in a fraction of the time (benchmarks/README.md, matching and matching_mutual).
The service passes them as `keep_per_person` to `match` and `match_mutual`."""

PRUNE_ABOVE = 3000
"""People in a pool above which a solve starts from each person's best candidates."""

KEEP_PER_PERSON = 50
"""A mentor↔mentee pool's start: each person's 50 best candidates (half the time, same answer)."""

KEEP_PER_EQUAL = 10
"""A mutual pool's start: each person's 10 best pairs (8.7 s at 5,000 people, against 25 s for
the blossom on every pair)."""
