"""Operator tooling, kept out of the domain apps: the page and ingestion benchmarks, the load test,
fault drills, synthetic seeding at scale, and the review dump (backup and restore). The management
commands in worker/management/commands are their thin entry points."""
