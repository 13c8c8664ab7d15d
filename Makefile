# Every target installs what it needs: a pinned uv in .tools/, then the
# locked environment in .venv/. Nothing has to be installed by hand.
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
RUN := $(UV) run --locked --python $(PYTHON)

.PHONY: run test lint bench eval demo clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --python $(PYTHON) --quiet
	@touch $@

run: .venv/.synced  ## start the bot
	$(RUN) staffguard run

test: .venv/.synced  ## lint, then the whole test suite
	$(RUN) ruff check bot tests scripts
	$(RUN) ruff format --check bot tests scripts
	$(RUN) pytest $(PYTEST_ARGS)

lint: .venv/.synced
	$(RUN) ruff check bot tests scripts
	$(RUN) ruff format --check bot tests scripts

bench: .venv/.synced  ## screener throughput and hostile-input timings
	$(RUN) python scripts/bench_screener.py

eval: .venv/.synced  ## quality figures on the labelled dev corpus
	$(RUN) staffguard eval tests/data/dev.jsonl

demo: .venv/.synced  ## try the bot in the terminal against a simulated Telegram group
	$(RUN) staffguard demo

clean:
	rm -rf .tools .venv .pytest_cache .ruff_cache .hypothesis
