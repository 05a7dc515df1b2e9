"""Benchmarks. Issue 2's (``scripts/bench``, ``python -m bench.run``) serves our API side by
side with two reference apps doing the same work: a bare Starlette app (the limit) and an
idiomatic FastAPI app (the usual alternative), and writes BENCHMARKS.md.
"""
