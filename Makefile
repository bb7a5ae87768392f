# signkit: set-up, tests, docs and benchmarks. PYTHON may point into a virtual environment.
PYTHON ?= python3

.PHONY: install test man bench

install:
	$(PYTHON) -m pip install -e ".[test]"

test:
	$(PYTHON) -m pytest -q

man:
	$(PYTHON) -m signkit.commands.manpages man

bench:
	$(PYTHON) benchmarks/main_job.py
