# Developer entry points. `make test` and `make demo` create .venv when it is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# aws-sam-cli pins boto3 and pydantic versions of its own, so it lives in a separate environment.
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
PYTHON ?= python3
CONSTRAINTS := layers/jobtracker/requirements.txt

.PHONY: help venv lint typecheck validate security unit integration test build demo clean

help:
	@echo "make test   - lint, type checks, template validation, unit and integration tests"
	@echo "make demo   - play a day of training jobs through the real handler on an embedded emulator"
	@echo "make build  - sam build (arm64 artifacts, no Docker needed)"

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# checkov too: its dependency tree conflicts with ours, and it is a scanner, not a library we import.
CHECKOV_VENV := .tools/checkov
CHECKOV := BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --skip-download --quiet --compact --framework cloudformation

$(CHECKOV_VENV)/.installed:
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet 'checkov>=3.2,<4'
	touch $@

$(SAM_VENV)/.installed:
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet 'aws-sam-cli>=1.130'
	touch $@

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy src functions

validate: venv $(SAM_VENV)/.installed
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region us-east-1
	$(VENV)/bin/cfn-lint template.yaml
	$(PY) -m tests.support.cfn translate template.yaml > .tools/translated.json
	$(VENV)/bin/cfn-lint .tools/translated.json

# Policy scan of the template as written and as CloudFormation receives it; every skip is justified in place.
security: validate $(CHECKOV_VENV)/.installed
	$(CHECKOV) -f template.yaml
	$(CHECKOV) -f .tools/translated.json

unit: venv
	$(VENV)/bin/pytest -q tests/unit

integration: venv
	$(VENV)/bin/pytest -q tests/integration

test: lint typecheck validate security
	$(VENV)/bin/pytest -q tests

demo: venv
	$(PY) -m tests.support.demo

build: $(SAM_VENV)/.installed
	SAM_CLI_TELEMETRY=0 $(SAM) build

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis

# The large load run and the full fault matrix (benchmarks/load.py): standalone, on embedded emulators, no pytest.
.PHONY: load faults
load: venv
	$(PY) -m benchmarks.load

faults: venv
	$(PY) -m benchmarks.load --matrix

# The benchmarks (benchmarks/bench.py): the tracker side by side with a hand-written boto3 function. Timing is measured
# only here, never in `make test`. Builds first, because the artifact's size is part of the report.
.PHONY: bench
bench: venv build
	$(PY) -m benchmarks.bench
