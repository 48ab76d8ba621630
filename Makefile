# The README's two commands: `make run` and `make test`. `make install` serves both.
SHELL := /bin/bash
PYTHON_SYSTEM ?= /usr/bin/python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock | cut -c1-16)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint typecheck pytest lock clean-venv

install: $(STAMP)

$(STAMP): requirements.lock scripts/install-system-packages.sh
	@scripts/install-system-packages.sh
	@test -x $(PY) || $(PYTHON_SYSTEM) -m venv $(VENV)
	@echo "安装 Python 依赖 / installing Python dependencies"
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements.lock 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
	@rm -f $(VENV)/.installed-*
	@touch $@

.env: | $(STAMP)
	@echo "生成本地配置 .env / creating .env with fresh secret keys"
	@$(PY) scripts/make_env.py .env.example .env

run: install .env
	@mkdir -p var
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py collectstatic --no-input -v 0
	@$(PY) manage.py demo_seed --if-empty
	@$(PY) manage.py db_worker & worker=$$!; \
		( trap 'kill $$step 2>/dev/null; exit 0' TERM; \
		  while true; do $(PY) manage.py run_deadlines & step=$$!; wait $$step; \
		  sleep 300 & step=$$!; wait $$step; done ) & deadlines=$$!; \
		trap 'kill $$worker $$deadlines 2>/dev/null' EXIT INT TERM; \
		echo "后台任务进程已启动 / background worker started (pid $$worker)"; \
		echo "到期事项每 5 分钟办理一次 / run_deadlines every 5 minutes (pid $$deadlines)"; \
		echo "网站地址 / site: http://$(HOST):$(PORT)/  （Ctrl-C 停止 / to stop）"; \
		$(PY) manage.py runserver --noreload $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy zhiku

# One pytest-xdist worker per core; `.venv/bin/pytest path::test` runs a single test in one process.
pytest: install
	$(VENV)/bin/pytest -n auto

test: lint typecheck pytest

# Refresh requirements.lock after changing pyproject.toml (needs network to PyPI).
lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu -o requirements.lock

clean-venv:
	rm -rf $(VENV)
