# Dyad: `make run` sets everything up and serves the demo; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test test-fast faults soak lint install install-test browser nginx worker scorer bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test browser

# Debian's chromium for the browser tests (Playwright's own download does not work here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium'."; fi; \
	fi

# Debian's nginx, for `make serve` and the fault suite.
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx-light; \
	  else echo "make serve and make faults need nginx: run 'sudo apt-get install nginx-light'."; exit 1; fi; \
	fi

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops)"
	DYAD_SITE_URL="$${DYAD_SITE_URL:-http://$(HOST):$(PORT)}" $(BIN)/daphne -b $(HOST) -p $(PORT) --websocket-max-message-size 65536 --websocket-max-frame-size 65536 config.asgi:application

# Production-like, on this machine: two Daphne processes and a Celery worker behind nginx, on
# PostgreSQL and Redis (DATABASE_URL, REDIS_URL; defaults in deploy/serve.sh).
serve: install nginx
	deploy/serve.sh

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO --pool=threads --concurrency=8 -Q dyad

scorer: install
	$(BIN)/celery -A config worker --loglevel=INFO --pool=threads --concurrency=2 -Q dyad-scoring -n scorer1@%h

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick subset: everything not marked slow.
test-fast: install-test
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# The fault suite: kills and restarts Daphne, workers, Redis and PostgreSQL under load
# (needs PostgreSQL, redis-server and nginx on this machine; restarts PostgreSQL).
faults: install-test nginx
	DYAD_FAULTS=1 $(BIN)/python -m pytest -p no:django tests/faults $(PYTEST_ARGS)

# The soak run (not in CI): 30 minutes of simulated participants on real services with a
# fault every 3 minutes (Daphne and worker killed, Redis and PostgreSQL restarted).
soak: install-test nginx
	DYAD_FAULTS=1 $(BIN)/python -m tests.faults.soak $(SOAK_ARGS)

# Benchmarks (need PostgreSQL and Redis); results are recorded in docs/benchmarks.md.
bench: install-test
	$(BIN)/pip install --quiet '.[bench]'
	bench/scale.sh
	$(BIN)/python -m bench.stream_bench --layer pubsub --replies 10 50 200
	$(BIN)/python -m bench.stream_bench --layer core --replies 10 50 200

# After changing a participant-facing text: update every translation (locale/<code>/...po),
# translate what is new, then compile (needs Debian's gettext). docs/translating.md.
MESSAGE_DIRS = --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles
messages: install
	$(BIN)/python manage.py makemessages --all --no-obsolete $(MESSAGE_DIRS)
	$(BIN)/python manage.py compilemessages $(MESSAGE_DIRS)

clean:
	rm -rf $(VENV) db.sqlite3 .test-db.sqlite3* staticfiles
