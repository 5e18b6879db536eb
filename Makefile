# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up by them.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
DEMO_DB := var/demo.sqlite3

.PHONY: demo test venv serve-demo clean bench

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 ($(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Apache ECharts (the dashboards) comes from the npm registry, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 与 npm（安装图表库 ECharts）"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

venv: $(VENV)/.installed node_modules/.installed

# The demo runs on its own SQLite file; LIANXI_DEMO=1 is the only way load_demo agrees to write demo data.
demo: venv
	mkdir -p var
	LIANXI_DEMO=1 DATABASE_URL=sqlite:///$(DEMO_DB) $(PY) manage.py migrate --noinput
	LIANXI_DEMO=1 DATABASE_URL=sqlite:///$(DEMO_DB) $(PY) manage.py load_demo
	@# Background work without another server: the 督办 loop, the outbox loop and the minute's background steps
	@# (manage.py background) run beside runserver and are stopped (SIGTERM) when it exits, Ctrl-C included. One
	@# shell, so the trap sees them all.
	LIANXI_DEMO=1 DATABASE_URL=sqlite:///$(DEMO_DB) $(PY) manage.py supervise & supervise=$$!; \
	LIANXI_DEMO=1 DATABASE_URL=sqlite:///$(DEMO_DB) $(PY) manage.py deliver_outbox & outbox=$$!; \
	LIANXI_DEMO=1 DATABASE_URL=sqlite:///$(DEMO_DB) $(PY) manage.py background & background=$$!; \
	trap 'kill $$supervise $$outbox $$background 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	LIANXI_DEMO=1 DATABASE_URL=sqlite:///$(DEMO_DB) $(PY) manage.py runserver 127.0.0.1:8000

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var node_modules
