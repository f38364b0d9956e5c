# `make run` and `make test` each work alone on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test browser-deps install install-dev migrate reference ingest lint format migrations-check worker beat bench loadtest faults clean vendor-plotly

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

reference: migrate
	$(PY) manage.py load_reference_data

# Fill the review: from arXiv when it answers, else from the shared corpus of real PDFs. A failed
# ingestion never stops the server from starting.
ingest: reference
	@if $(PY) -c "import socket; socket.create_connection(('export.arxiv.org', 443), timeout=5)" 2>/dev/null; then \
		$(PY) manage.py ingest --review llm-quantization --max 300 || true; \
	elif [ -d ../shared/corpus/pdfs ]; then \
		echo "arXiv is not reachable: ingesting the PDFs in ../shared/corpus/pdfs"; \
		$(PY) manage.py ingest --review llm-quantization --from-dir ../shared/corpus/pdfs || true; \
	else \
		echo "arXiv is not reachable and ../shared/corpus is absent."; \
		echo "Ingest your own PDFs with: $(PY) manage.py ingest --review llm-quantization --from-dir DIR"; \
	fi

run: ingest
	@echo "Serving the living review on http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: install-dev
	$(PY) manage.py makemigrations --check --dry-run

# Browser tests drive Debian's Chromium (never a downloaded browser); install it when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "chromium is missing and we are not root: browser tests will be skipped"; fi; }

test: install-dev browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO -Q default,ingest,derived

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# Page latency needs a large review: by default it is seeded once into bench.sqlite3 (minutes);
# with DATABASE_URL set it runs against that database instead.
BENCH_DATABASE_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL),sqlite:///$(CURDIR)/bench.sqlite3)

bench: install-dev migrate
	$(PY) manage.py bench_ingestion
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench_pages

# 50 connections for 60 s over the public pages of the 100,000-paper review (seeded once).
loadtest: install-dev migrate
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py loadtest

# Fuzz the feed and PDF parsers with 10,000 mutated corpus files each, and serve pages across a
# Redis outage (a private redis-server; the machine's own is left alone).
faults: install-dev migrate
	$(PY) manage.py faults

# plotly.js's basic partial bundle (scatter and bar: all benchmarks/charts.py draws, log axes included),
# 1.2 MB against the full bundle's 4.8 MB. Committed under static/vendor/ so a clone needs no npm;
# this refreshes it from the npm registry at the pinned version.
PLOTLY_BASIC := plotly.js-basic-dist-min@4.1.1

vendor-plotly:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent $(PLOTLY_BASIC) >/dev/null && tar xzf *.tgz && \
		cp package/plotly-basic.min.js $(CURDIR)/static/vendor/plotly-basic.min.js && \
		cp package/LICENSE $(CURDIR)/static/vendor/plotly-basic.LICENSE && rm -rf $$tmp

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
