# The course's commands. The first use creates .venv and installs requirements.txt into it.
#   make course   execute every lesson into build/ (executed notebooks + offline HTML)
#   make test     unit tests of utils/ and course/, and every notebook under nbval
#   make test-backend BACKEND=jax   the unit tests and the lessons whose code differs by backend (what CI runs on JAX)
#   make test-colab   the tests on Google Colab's current stack (requirements-colab.txt, Python 3.13, in .venv-colab)
#   make lab      open JupyterLab on the course
#   make sync     rewrite notebooks' shared cells/badges/syllabus and clear outputs
#   make lint     ruff over utils/, course/, tests/, scripts/ and notebooks/ (CI runs it before the tests)
#   make gpu-check   benchmark CPU and GPU to T=4096, run lessons 03 and 05, report in build/gpu-check/
#   BACKEND=jax (or torch) with test, test-backend, course or lab: that Keras backend, installed from requirements-BACKEND.txt
#   make clean    remove build/ (keeps .venv); make distclean also removes .venv and .venv-colab

# The first Python 3.11-3.13 that runs (a pyenv shim of an inactive version does not), else python3,
# which scripts/check_python.py then refuses with what to do. Override: make test PYTHON=python3.12
runs = $(firstword $(foreach p,$(1),$(shell $(p) -c "" >/dev/null 2>&1 && command -v $(p))))
PYTHON ?= $(or $(call runs,python3.11 python3.12 python3.13),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements

BACKEND ?=
BACKEND_STAMP := $(if $(BACKEND),$(VENV)/.installed-$(BACKEND))
RUN := $(if $(BACKEND),KERAS_BACKEND=$(BACKEND) )

.PHONY: setup course test test-backend test-colab lab sync lint gpu-check clean distclean

setup: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || { $(PYTHON) scripts/check_python.py && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# The extra backend packages, on top of requirements.txt (tensorflow needs nothing more).
$(VENV)/.installed-tensorflow: $(STAMP)
	touch $@

$(VENV)/.installed-%: requirements-%.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r $<
	touch $@

course: $(STAMP) $(BACKEND_STAMP)
	$(RUN)$(BIN)/python -m course.build $(if $(ONLY),--only $(ONLY))

# Any non-zero pytest status fails, including 5 ("no tests collected"): a run that tests
# nothing must not pass. PYTEST_ARGS narrows a run, e.g. make test PYTEST_ARGS="tests -x".
# Without PYTEST_ARGS, the unit tests run in two worker processes (pytest-xdist): most of their time
# is Python, tracing and subprocesses, which two workers spread over both cores (on 2 cores:
# TensorFlow 242 -> 148 s, JAX 304 -> 243 s). The lessons then run two at a time, each whole in one
# worker (--dist loadfile: a notebook's cells stay in order in one kernel). One lesson keeps a
# 2-core machine about 1.3 cores busy (Keras' small steps), so two side by side take the nine
# lessons from 891 to 638 s at about 300 GFLOP/s; every timing check times its models interleaved,
# so a lesson beside it slows them alike (scripts/timing_under_load.py). LESSON_WORKERS=1 runs them
# one at a time, for the seconds of a lesson alone (the README's run-time table).
PYTEST ?= $(BIN)/python -m pytest
PYTEST_ARGS ?=
UNIT_WORKERS ?= 2
LESSON_WORKERS ?= 2
LESSONS_IN_WORKERS := $(if $(filter-out 0 1,$(LESSON_WORKERS)),-n $(LESSON_WORKERS) --dist loadfile )
test: $(STAMP) $(BACKEND_STAMP)
ifneq ($(strip $(PYTEST_ARGS)),)
	$(RUN)$(PYTEST) $(PYTEST_ARGS)
else
	$(RUN)$(PYTEST) -n $(UNIT_WORKERS) tests
	$(RUN)$(PYTEST) $(LESSONS_IN_WORKERS)notebooks
endif

# The lessons whose code takes a different path on each backend: lesson 03's benchmark places and
# times models per device, 04 and 05 take gradients through time (utils.gradients), 04 and 08 run
# custom layers and the scan written in keras.ops, 09 runs 08's layers on text, and 10 distributes
# with each backend's own engine (tf.distribute, keras.distribution). Lesson 07
# times models with the same utils.bench functions that 03 and 08 run, so it adds no code path.
# CI runs these, with every
# unit test, on JAX after the whole suite on TensorFlow; `make test BACKEND=jax` runs every lesson
# there. tests/test_ci.py keeps the list complete.
BACKEND_LESSONS := notebooks/03_parallelization.ipynb notebooks/04_vanishing_gradients.ipynb \
	notebooks/05_lstm_and_gru.ipynb notebooks/08_beyond_the_tradeoff.ipynb notebooks/09_text.ipynb \
	notebooks/10_many_devices.ipynb
test-backend: $(STAMP) $(BACKEND_STAMP)
ifneq ($(strip $(PYTEST_ARGS)),)
	$(RUN)$(PYTEST) tests $(BACKEND_LESSONS) $(PYTEST_ARGS)
else
	$(RUN)$(PYTEST) -n $(UNIT_WORKERS) tests
	$(RUN)$(PYTEST) $(LESSONS_IN_WORKERS)$(BACKEND_LESSONS)
endif

# Google Colab's current stack (requirements-colab.txt: its Python 3.13, TensorFlow, Keras, NumPy, ...)
# in .venv-colab. Without PYTEST_ARGS: every unit test, then the lessons named in COLAB_LESSONS
# (default: all of them, two at a time); CI names the ones it runs there (see .ci/run).
COLAB_VENV := .venv-colab
COLAB_PYTHON ?= $(or $(call runs,python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13)),python3.13)
COLAB_STAMP := $(COLAB_VENV)/.installed-requirements
COLAB_LESSONS ?= notebooks
$(COLAB_STAMP): requirements-colab.txt
	test -x $(COLAB_VENV)/bin/python || { $(COLAB_PYTHON) scripts/check_python.py 3.13 3.13 "Colab's stack" \
		&& $(COLAB_PYTHON) -m venv $(COLAB_VENV); }
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COLAB_VENV)/bin/python -m pip install --quiet -r requirements-colab.txt
	touch $@
test-colab: $(COLAB_STAMP)
ifneq ($(strip $(PYTEST_ARGS)),)
	$(COLAB_VENV)/bin/python -m pytest $(PYTEST_ARGS)
else
	$(COLAB_VENV)/bin/python -m pytest -n $(UNIT_WORKERS) tests
	$(COLAB_VENV)/bin/python -m pytest $(LESSONS_IN_WORKERS)$(COLAB_LESSONS)
endif

lab: $(STAMP) $(BACKEND_STAMP)
	$(RUN)$(BIN)/jupyter lab notebooks/

gpu-check: $(STAMP) $(BACKEND_STAMP)
	$(RUN)$(BIN)/python -m course.gpu_check

sync: $(STAMP)
	$(BIN)/python -m course.sync

lint: $(STAMP)
	$(BIN)/ruff check utils course tests scripts notebooks

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(COLAB_VENV)
