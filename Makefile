# The course's commands. The first use creates .venv and installs requirements.txt into it.
#   make course   execute every lesson into build/ (executed notebooks + offline HTML)
#   make test     unit tests of utils/ and every notebook under nbval
#   make lab      open JupyterLab on the course
#   make sync     rewrite notebooks' shared cells/badges/syllabus and clear outputs
#   make lint     ruff over utils/, tests/, scripts/ and notebooks/
#   make clean    remove build/ (keeps .venv); make distclean also removes .venv

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements

.PHONY: setup course test lab sync lint clean distclean

setup: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

course: $(STAMP)
	$(BIN)/python -m utils.build $(if $(ONLY),--only $(ONLY))

# pytest exits 5 when it collects no tests; that is not a failure of the course.
test: $(STAMP)
	$(BIN)/python -m pytest; status=$$?; if [ $$status -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$status

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

sync: $(STAMP)
	$(BIN)/python -m utils.course

lint: $(STAMP)
	$(BIN)/ruff check utils tests scripts notebooks

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
