"""Extracting receipts from a read paper: results, "beats" claims, critiques and candidates.

A pure-Python library like `worker.reading`: the registry of known names comes in as plain data
(`receipts.Registry`), never from the database; storing receipts is `worker.extraction`'s job.
"""
