# Pulih: `make run` (set up and serve the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000

.PHONY: run test install bench-install migrate demo lint format messages check-deploy totp clean

$(VENV)/.installed: requirements/lock.txt requirements/base.in requirements/dev.in
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.in -c requirements/lock.txt
	touch $@

install: $(VENV)/.installed

# Benchmarks compare with Splink (DuckDB): extra packages, not needed to run Pulih.
bench-install: install
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/bench.in -c requirements/lock.txt

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_regions --if-empty
	$(BIN)/python manage.py load_demo

run: demo
	@echo "Pulih berjalan di http://$(HOST)/  (Ctrl+C untuk berhenti)"
	$(BIN)/python manage.py runserver $(HOST)

# The whole suite. DATABASE_URL=postgres://... runs it on PostgreSQL.
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract translatable strings (needs gettext) and compile the catalogues.
messages: install
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

check-deploy: install
	$(BIN)/python manage.py check --deploy --fail-level WARNING --settings=pulih.settings.production

# Current TOTP code of a demo account, for testers without an authenticator app (DEBUG only).
totp: install
	@$(BIN)/python manage.py demo_totp $(USER)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
