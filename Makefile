# Two commands do all set-up on a fresh machine with Python 3.11 and make:
#   make run    create .venv, install the locked dependencies, start the dashboard on the sample data
#   make test   create .venv, install the locked dependencies, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha256sum requirements.lock | cut -c1-12)
PORT   ?= 8501

.PHONY: run test bench lock clean

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --server.fileWatcherType none --browser.gatherUsageStats false \
		--server.maxUploadSize $${AUDIT_MAX_UPLOAD_MB:-500} \
		-- --sample

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

# Regenerate the lock after changing dependencies in pyproject.toml (needs network to PyPI).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		-o requirements.lock

clean:
	rm -rf $(VENV)
