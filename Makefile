# Every target creates .venv from the committed lock file when it is missing or stale.
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
DEMO_DIR ?= data/demo
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
# Your own hindsight.toml when present, else the demo world's (after `make demo`). The warehouse is the
# one that configuration names (the demo's: data/demo/warehouse.duckdb); none: data/warehouse.duckdb.
HINDSIGHT_CONFIG ?= $(firstword $(wildcard $(CURDIR)/hindsight.toml) $(wildcard $(CURDIR)/data/demo/hindsight.toml))
ifneq ($(strip $(HINDSIGHT_CONFIG)),)
export HINDSIGHT_CONFIG
endif

.PHONY: install demo test bench dev dashboard lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/hindsight demo --out $(DEMO_DIR)

test: install
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

bench: install
	$(PY) -m benchmarks.run

dev: install
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1

dashboard: install
	$(VENV)/bin/hindsight dashboard

# Re-resolve the newest versions and rewrite the lock (then commit it).
lock:
	rm -rf .lockvenv && python3 -m venv .lockvenv && .lockvenv/bin/pip install -q -e '.[dev]'
	.lockvenv/bin/pip freeze --exclude-editable | grep -v '^hindsight' > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) data/warehouse.duckdb* data/landing data/exports data/demo
