"""The throughput and latency benchmark of the settings API (issue 2), run by ``scripts/bench``.

Our server runs side by side with two reference apps that do the same work: a bare
Starlette app (the limit) and an idiomatic FastAPI app (the usual alternative).
"""
