# Two commands do all set-up on a fresh machine with Python 3.11 and make:
#   make run    create .venv, install the runtime lock, start the dashboard on the sample data
#   make test   create .venv, install the runtime and dev locks, run the whole test suite
# and one optional step:
#   make spark  add the Spark engine (pyspark, a ~450 MB sdist; needs Java 17) to .venv;
#               .ci/run does it so that the Spark tests run in CI (without it they skip)
#
# The locks: exact versions with sha256 hashes, installed with --require-hashes.
#   requirements-pip.lock    pip and setuptools for the venv itself, upgraded first (the ones
#                            the venv is created with carry known CVEs)
#   requirements.lock        the runtime: [project].dependencies; all that `make run` installs
#   requirements-dev.lock    the dev extra (pytest, playwright, mypy, ...), on top of
#                            requirements.lock and compiled against it
#   requirements-spark.lock  the spark extra (pyspark, py4j), on top of requirements.lock
# Each install leaves a stamp in .venv named after the hash of the locks it installed, so a
# changed lock reinstalls (and never a whole new venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes

lockhash = $(shell cat $(1) 2>/dev/null | sha256sum | cut -c1-12)
PIP_STAMP   := $(VENV)/.installed-pip-$(call lockhash,requirements-pip.lock)
RUN_STAMP   := $(VENV)/.installed-run-$(call lockhash,requirements-pip.lock requirements.lock)
DEV_STAMP   := $(VENV)/.installed-dev-$(call lockhash,requirements-pip.lock requirements.lock requirements-dev.lock)
SPARK_STAMP := $(VENV)/.installed-spark-$(call lockhash,requirements-pip.lock requirements.lock requirements-spark.lock)

.PHONY: run test spark bench lock clean

$(PIP_STAMP): requirements-pip.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements-pip.lock
	rm -f $(VENV)/.installed-pip-*
	touch $@

$(RUN_STAMP): $(PIP_STAMP) requirements.lock
	$(PIP) -r requirements.lock
	rm -f $(VENV)/.installed-run-*
	touch $@

# Both locks in one pip call, so the dev tools can never move a runtime pin.
$(DEV_STAMP): $(RUN_STAMP) requirements-dev.lock
	$(PIP) -r requirements.lock -r requirements-dev.lock
	rm -f $(VENV)/.installed-dev-*
	touch $@

# pyspark is published only as an sdist: build its wheel with the venv's own hash-checked
# setuptools (no isolated build environment fetching an unpinned one). pip caches the wheel.
$(SPARK_STAMP): $(RUN_STAMP) requirements-spark.lock
	$(PIP) --no-build-isolation -r requirements.lock -r requirements-spark.lock
	rm -f $(VENV)/.installed-spark-*
	touch $@

run: $(RUN_STAMP)
	$(BIN)/python -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --server.fileWatcherType none --browser.gatherUsageStats false \
		--client.toolbarMode viewer --runner.postScriptGC false \
		--server.maxUploadSize $${AUDIT_MAX_UPLOAD_MB:-500} \
		-- --sample

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25

spark: $(SPARK_STAMP)

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_engine.py

# make lock: regenerate every lock from pyproject.toml, after changing a dependency there
# (needs network to PyPI), then commit the four requirements*.lock files. uv runs from its own
# venv (.venv-lock), never from .venv. A version already pinned in a lock is kept while it
# still satisfies pyproject.toml; delete the lock files first to move everything to the
# newest releases. The dev and spark locks are compiled with requirements.lock as a
# constraint and leave out what it already pins, so each installs consistently on top of it.
UV_VERSION := 0.13.9
UV         := .venv-lock/bin/uv
UV_COMPILE := $(UV) pip compile --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock"
RUNTIME_PINS = $$(sed -n 's/^\([A-Za-z0-9][A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' requirements.lock)

lock:
	test -x $(UV) || { $(PYTHON) -m venv .venv-lock && \
		.venv-lock/bin/python -m pip install --quiet uv==$(UV_VERSION); }
	printf 'pip\nsetuptools\n' | $(UV_COMPILE) - -o requirements-pip.lock
	$(UV_COMPILE) pyproject.toml -o requirements.lock
	$(UV_COMPILE) pyproject.toml --extra dev -c requirements.lock $(RUNTIME_PINS) \
		-o requirements-dev.lock
	$(UV_COMPILE) pyproject.toml --extra spark -c requirements.lock $(RUNTIME_PINS) \
		-o requirements-spark.lock

clean:
	rm -rf $(VENV)
