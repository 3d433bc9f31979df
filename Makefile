# One command to learn, one to check. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two installs into the one venv: what a learner needs (STAMP: the course, JupyterLab,
# the offline AWS route) and everything the checks need (TEST_STAMP). Both take exact
# versions from constraints.txt and reinstall when it or pyproject.toml changes.
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
# JupyterLab refuses to run as root unless told; a container or a cloud VM is often root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS ?=

.PHONY: install work lab test lint format notebooks student slides site lite wheel bench doctor constraints clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) -e '.[lab,aws]'
	@touch $(STAMP)

$(TEST_STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) -e '.[test]'
	@touch $(STAMP) $(TEST_STAMP)

install: $(TEST_STAMP) ## create .venv and install the course with its test tools

work: $(STAMP) ## make or update your own copies of the lessons in work/ (never overwrites your edits)
	$(BIN)/python -m course_lib work

lab: work ## make your copies, then open the course in JupyterLab
	$(BIN)/jupyter lab $(ROOT_FLAG) $(LAB_ARGS) work/00_start_here.ipynb

test: lint ## every check: lint, unit tests, notebook anatomy, strict nbval
	$(BIN)/python tools/lint_notebooks.py
	$(BIN)/python -m pytest tests notebooks --nbval

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP) ## fix what ruff can fix
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

notebooks: $(TEST_STAMP) ## re-execute every notebook in place (NB=05 for one)
	$(BIN)/python tools/run_notebooks.py $(NB)

student: $(STAMP) ## build student copies in build/student and verify them
	$(BIN)/python tools/student_copy.py --verify

slides: $(TEST_STAMP) ## export every lesson as reveal.js slides to build/slides
	$(BIN)/jupyter nbconvert --to slides --output-dir build/slides notebooks/[0-9][0-9]_*.ipynb

site: $(TEST_STAMP) ## build the course as a static HTML site in build/site/_build/html
	$(BIN)/python tools/build_site.py

bench: $(TEST_STAMP) ## speed comparisons with peers, see benchmarks/
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lite: $(TEST_STAMP) ## build the course as a JupyterLite site (runs in the browser) in build/lite
	$(BIN)/python tools/build_lite.py

wheel: $(TEST_STAMP) ## build the course wheel in build/dist
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w build/dist .

doctor: $(STAMP) ## check this installation
	$(BIN)/python -m course_lib doctor

constraints: $(TEST_STAMP) ## pin constraints.txt to what .venv has now (after a deliberate upgrade)
	$(BIN)/python tools/freeze_constraints.py

clean: ## remove build output and caches (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
