# Tandem: `make run` to try it, `make test` before you push. See README.md.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
TANDEM := $(BIN)/tandem
APPS := $(patsubst %/apps.py,%,$(wildcard tandem/*/apps.py))

.PHONY: run serve install install-dev test lint typecheck migrations-check pytest messages compile-messages bench clean help

help:
	@echo "make run     install, migrate, seed the demo company, serve http://127.0.0.1:8000"
	@echo "make test    lint, type check, migrations check and the whole suite"
	@echo "make messages  extract new strings into each app's zh_Hans catalogue (needs gettext)"
	@echo "make bench   benchmarks (see bench/README.md)"

$(VENV)/.python-ok:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tandem needs Python 3.11 or newer; set PY=python3.x")'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.python-ok pyproject.toml requirements.lock
	$(BIN)/pip install -q -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

compile-messages: install
	$(TANDEM) i18n-compile

run: install compile-messages
	$(TANDEM) migrate --noinput -v0
	$(TANDEM) collectstatic --noinput -v0
	$(TANDEM) seed-demo --if-empty
	$(TANDEM) serve --addr 127.0.0.1 --port 8000

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy config tandem bench

migrations-check: install-dev
	$(TANDEM) makemigrations --check --dry-run

pytest: install-dev compile-messages
	$(BIN)/pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

test: lint typecheck migrations-check pytest

messages: install-dev
	@for app in $(APPS); do mkdir -p $$app/locale; (cd $$app && ../../$(TANDEM) makemessages -l zh_Hans --no-obsolete --no-location -v0); done
	@echo "Now translate the new entries in tandem/*/locale/zh_Hans/LC_MESSAGES/django.po"

bench: install-dev
	@test -n "$$DATABASE_URL" || { echo "make bench needs DATABASE_URL pointing at a PostgreSQL database of its own (see bench/README.md)"; exit 2; }
	$(TANDEM) migrate -v0
	$(TANDEM) bench-data --if-empty
	$(TANDEM) bench --runs 30

clean:
	rm -rf $(VENV) var/staticfiles
