"""Reading a paper: PDF bytes to pages, words, tables, captions, sentences, references and quotes.

A pure-Python library: no Django, no app imports (an import-linter contract in `make test` holds it
to that), so it runs in Celery workers, scripts and plain unit tests alike.
"""
