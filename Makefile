# Cap e-santé — the one entry point. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
CAPSANTE := $(VENV)/bin/capsante
PORT ?= 8000
PYTEST_ARGS ?=
# The slowest tests, at the end of each pass: where CI's time goes.
DURATIONS = --durations=25
# Plain-Python packages (no Django): the engine, the file parsers, the generator.
MYPY_PATHS = $(wildcard capsante/engine capsante/ingest/parsing.py capsante/ingest/staging.py capsante/ingest/connectors/*/parser.py capsante/ingest/generator) capsante/roadmaps/yaml_schema.py capsante/ui/maps.py capsante/ui/formats.py capsante/ui/tables.py capsante/ui/badges.py capsante/ui/testing.py capsante/ingest/contract.py capsante/ingest/tabular.py

.PHONY: help install install-test install-bench system-deps run dev demo test test-sqlite test-postgres quality audit fix bench clean lock

help: ## Affiche cette aide
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-15s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv

$(VENV)/.installed-run: pyproject.toml requirements.lock | $(UV)
	$(UV) pip install -q --compile-bytecode -p $(PY) -c requirements.lock -e .
	@touch $@

# The tests' OpenID Connect provider (panva's oidc-provider, from npm at a fixed version) goes
# into .venv too: nothing of it is committed.
$(VENV)/.installed-test: pyproject.toml requirements.lock scripts/oidc-provider.sh | $(UV)
	$(UV) pip install -q --compile-bytecode -p $(PY) -c requirements.lock -e '.[test,spark]'
	bash scripts/oidc-provider.sh $(VENV)/oidc-provider
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run ## Installe la plateforme dans .venv

install-test: $(VENV)/.installed-test ## Installe aussi les outils de test

system-deps: ## Installe les paquets Debian nécessaires aux tests (PostgreSQL, Chromium, Pango, poppler, Node.js)
	@bash scripts/system-deps.sh

demo: install ## Prépare la base de démonstration (territoires, feuilles de route, comptes)
	$(CAPSANTE) migrate --no-input -v0
	$(CAPSANTE) collectstatic --no-input -v0
	$(CAPSANTE) demo

# The local demo is served on plain http://127.0.0.1: no redirect to https, no HTTPS-only cookies.
# Debugging stays off, as users will see the platform; `make dev` turns it on.
# The worker (background jobs: uploads, recomputes, mails) runs beside the web server: started
# first (it puts right what a crash left), stopped when the server stops, Ctrl+C stopping both.
WITH_WORKER = $(CAPSANTE) worker --no-startup-delay -v1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM;

run: export CAPSANTE_HTTPS ?= false
run: export CAPSANTE_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: demo ## Lance la plateforme avec ses données de démonstration sur http://127.0.0.1:$(PORT), et son travailleur
	@echo ""
	@echo "  Cap e-santé est prêt : ouvrez http://127.0.0.1:$(PORT)/"
	@echo ""
	@$(WITH_WORKER) $(CAPSANTE) serve --noreload 127.0.0.1:$(PORT)

dev: export CAPSANTE_HTTPS ?= false
dev: export CAPSANTE_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
dev: export DEBUG ?= true
dev: demo ## Comme run, en mode développement (DEBUG=true : pages d'erreur détaillées, rechargement du code)
	@$(WITH_WORKER) $(CAPSANTE) runserver 127.0.0.1:$(PORT)

# The two passes run side by side (each has its own data folder, database and ports): on two
# cores the suite takes the time of the longer one rather than of both. Each pass's output is
# printed whole when it ends (--output-sync).
test: system-deps install-test ## Lance toute la suite, sur SQLite et sur PostgreSQL en parallèle
	$(MAKE) --no-print-directory quality
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# The two passes run side by side on two cores. The SQLite pass runs every test but the Spark
# cluster's; the PostgreSQL pass runs the tests that reach the database (CAPSANTE_TESTS_DATABASE_ONLY,
# see conftest.py) and the Spark cluster's test, which reads none: the SQLite pass, with the
# parsers, the engine, the generator and local Spark besides, ended minutes after the other.
test-sqlite: ## La suite sur SQLite (sauf le test du cluster Spark, passé avec PostgreSQL)
	CAPSANTE_DATA_DIR=$$(mktemp -d) $(PY) -m pytest -m "not spark_cluster" $(DURATIONS) $(PYTEST_ARGS)

test-postgres: ## La suite sur un serveur PostgreSQL démarré pour l'occasion (les tests qui lisent la base, et le cluster Spark)
	CAPSANTE_DATA_DIR=$$(mktemp -d) CAPSANTE_TESTS_DATABASE_ONLY=1 bash scripts/with-postgres.sh $(PY) -m pytest -m "not spark or spark_cluster" $(DURATIONS) $(PYTEST_ARGS)

quality: install-test ## ruff, mypy, couches (import-linter), bandit, migrations à jour, aucune adresse de registre
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $(MYPY_PATHS)
	$(VENV)/bin/lint-imports
	@# bandit warns of every marked line it visits twice (« nosec encountered… but no failed test »): noise.
	$(VENV)/bin/bandit -c pyproject.toml -r capsante -q 2> >(grep -v "nosec encountered" >&2)
	CAPSANTE_DATA_DIR=$$(mktemp -d) $(CAPSANTE) makemigrations --check --dry-run -v0
	bash scripts/check-no-registry.sh

# pip-audit compares the locked dependencies with the public database of Python vulnerabilities
# (PyPI's advisories, OSV): it needs the network, which the test machines may not have, so it is
# a target of its own rather than part of `make quality`. Run it before each release.
audit: install-test ## Vulnérabilités connues des dépendances verrouillées (pip-audit ; demande le réseau)
	$(VENV)/bin/pip-audit --strict --disable-pip --no-deps -r requirements.lock

fix: install-test ## Corrige le formatage et ce que ruff sait corriger
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: | $(UV) ## Régénère requirements.lock depuis pyproject.toml
	$(UV) pip compile pyproject.toml --extra test --extra spark --extra bench --no-header --no-annotate -p 3.11 -q -o requirements.lock

# Locust (the load test) only comes with the benchmarks: neither the platform nor its tests need it.
$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(UV) pip install -q --compile-bytecode -p $(PY) -c requirements.lock -e '.[test,spark,bench]'
	@touch $@

install-bench: $(VENV)/.installed-bench ## Installe aussi les outils des bancs d'essai (Locust)

bench: install-bench ## Lance les bancs d'essai (voir bench/RESULTS.md)
	$(PY) bench/bench_parsers.py
	$(PY) bench/bench_engine.py

clean: ## Supprime la base et les fichiers de démonstration
	rm -rf data
