# The two commands every newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := service
# Development settings for `make run` and the other targets here; anything not explicitly
# development or test runs as production and refuses the development defaults.
export AMTSWEG_ENV ?= development

.PHONY: setup run test test-random lint lock upgrade check-system definitions bench clean

LOCK := requirements/lock.txt
#: Port of `make run` (`make run PORT=5001` when 5000 is taken).
PORT ?= 5000

# Dependencies come from the lock file only; uv installs them (seconds, not minutes).
$(BIN)/uv:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep '^uv==' $(LOCK))"

$(STAMP): $(LOCK) pyproject.toml $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

# After changing dependencies in pyproject.toml: `make lock`; to upgrade every pin: `make upgrade`.
lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --quiet --no-header -o $(LOCK)

upgrade: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --quiet --no-header --upgrade -o $(LOCK)

setup: check-system $(STAMP)

# WeasyPrint needs Pango; without HarfBuzz's subsetter it is about four times slower.
check-system:
	@missing=""; \
	for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do \
	  ldconfig -p | grep -q "$$lib" || missing="$$missing $$lib"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Missing system libraries:$$missing"; \
	  echo "Install them with: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
	  case "$$missing" in *pango*) exit 1;; esac; \
	fi

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench
	$(BIN)/mypy service
	$(BIN)/lint-imports --no-cache
	$(BIN)/python .ci/budget.py

# The default suite needs no running services; .ci/run adds PostgreSQL and Redis.
test: setup lint
	@test -d tests/auth/interop/node_modules || ! command -v npm >/dev/null || npm ci --prefix tests/auth/interop --no-audit --no-fund
	@test -d tests/browser/node_modules || ! command -v npm >/dev/null || npm ci --prefix tests/browser --no-audit --no-fund
	@test -d tests/credentials/wallet/node_modules || ! command -v npm >/dev/null || npm ci --prefix tests/credentials/wallet --no-audit --no-fund
	$(BIN)/python -m pytest -m "not postgres and not redis" $(PYTEST_ARGS)

# The same suite in random order (pytest-randomly); the seed is printed at the top.
# Repeat one order with `make test-random PYTEST_ARGS=--randomly-seed=<seed>`.
test-random:
	$(MAKE) test PYTEST_ARGS="-p randomly $(PYTEST_ARGS)"

definitions: $(STAMP)
	$(BIN)/flask definitions check

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
