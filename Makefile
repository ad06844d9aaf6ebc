# Two commands: `make run` and `make test`. Everything else is set up on demand.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Exact versions with hashes of everything the site and its tests use, on Python 3.11 and newer.
LOCK := requirements.lock
# gunicorn's C request parser, built from source (no wheels): installed where the machine
# has a C compiler; elsewhere gunicorn uses its own Python parser, a little slower.
FAST_LOCK := requirements-fast.lock

.PHONY: run serve test lint format check lock clean

$(INSTALLED): $(LOCK) $(FAST_LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet --require-hashes -r $(FAST_LOCK) 2>/dev/null \
		|| echo "gunicorn-h1c not built (no C compiler?): gunicorn will parse requests in Python."
	touch $(INSTALLED)

# After changing the dependencies in pyproject.toml: newest versions that fit, for every Python.
lock: $(INSTALLED)
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
		--custom-compile-command "make lock" --quiet -o $(LOCK)
	echo "gunicorn-h1c>=0.6.9" | $(BIN)/uv pip compile - --universal --generate-hashes \
		--custom-compile-command "make lock" --quiet -o $(FAST_LOCK)

# DEBUG_PAGES=1 shows Django's technical 404 and 500 pages instead of the site's.
run: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py demo_login --port $(PORT)
	DEBUG=1 DEBUG_PAGES=$(DEBUG_PAGES) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production stack: DEBUG off, hashed static files, uWSGI (serve.py, with the settings in
# gunicorn.conf.py). Production sets SECRET_KEY and ALLOWED_HOSTS. Without a SECRET_KEY it is
# a trial on this machine: plain http and a public fallback key, which gunicorn.conf.py
# refuses unless BIND is loopback (checked first, so a refused start changes nothing).
ifdef SECRET_KEY
SERVE_ENV := DEBUG=0
else
SERVE_ENV := DEBUG=0 HTTPS=0 SERVE_MEDIA=1 SECRET_KEY=local-serve-only \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost}
endif
serve: $(INSTALLED)
	$(SERVE_ENV) $(BIN)/python serve.py --check
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python serve.py

# One test process per core; the browser tests run together on one of them.
test: $(INSTALLED)
	$(BIN)/python -m pytest -n auto --dist loadgroup

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(INSTALLED)
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 media
