"""`python -m bench.relevance` runs the relevance benchmark (see run.py)."""

from bench.relevance.run import main

main()
