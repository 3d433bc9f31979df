# One command to learn, one to check. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; a container or a cloud VM is often root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS ?=

.PHONY: install lab test lint format notebooks student slides site bench doctor clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the course

lab: $(STAMP) ## open the course in JupyterLab
	$(BIN)/jupyter lab $(ROOT_FLAG) $(LAB_ARGS) notebooks/00_start_here.ipynb

test: lint ## every check: lint, unit tests, notebook anatomy, strict nbval
	$(BIN)/python tools/lint_notebooks.py
	$(BIN)/python -m pytest tests notebooks --nbval

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## fix what ruff can fix
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

notebooks: $(STAMP) ## re-execute every notebook in place (NB=05 for one)
	$(BIN)/python tools/run_notebooks.py $(NB)

student: $(STAMP) ## build student copies in build/student and verify them
	$(BIN)/python tools/student_copy.py --verify

slides: $(STAMP) ## export every lesson as reveal.js slides to build/slides
	$(BIN)/jupyter nbconvert --to slides --output-dir build/slides notebooks/[0-9][0-9]_*.ipynb

site: $(STAMP) ## build the course as a static HTML site in build/site/_build/html
	$(BIN)/python tools/build_site.py

bench: $(STAMP) ## speed comparisons with peers, see benchmarks/
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

doctor: $(STAMP) ## check this installation
	$(BIN)/python -c 'import course_lib; course_lib.doctor()'

clean: ## remove build output and caches (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
