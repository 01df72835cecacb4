#!/usr/bin/env bash
# The whole check: lint (ruff), types (mypy --strict), tests with branch coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check evidencekit cli review tests benchmarks fixtures
.venv/bin/mypy
.venv/bin/python -m pytest --cov --cov-branch --cov-report=term:skip-covered "$@"
