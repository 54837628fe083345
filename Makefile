# The two commands of the README:
#   make run    set up everything (virtualenv, packages, translations, database, first admin) and serve
#   make test   set up everything and run the test suite (TEST_DATABASE_URL picks the engine)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
AXE    := tests/browser/axe/node_modules/.installed

.PHONY: run test install install-dev translations system-deps node clean bench-deps bench-peer

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when a requirements file changed (the stamp is newer otherwise).
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations $(AXE)

# axe-core for the accessibility browser tests, pinned in tests/browser/axe/package-lock.json and
# installed from the npm registry here (never fetched at test time); again only when the lock changed.
$(AXE): tests/browser/axe/package-lock.json | node
	npm ci --prefix tests/browser/axe --no-audit --no-fund --loglevel=error
	touch $@

# Ours, and FAB's and WTForms' own strings in Indonesian (neither ships Indonesian).
# Only a catalogue newer than its .mo is compiled: .ci/run runs two `make test` at once, and a
# .mo rewritten while the other run's app reads it would be half a file.
translations: | $(BIN)/python
	@for po in app/translations*/*/LC_MESSAGES/messages.po; do \
		mo=$${po%.po}.mo; \
		if [ ! -f $$mo ] || [ $$po -nt $$mo ]; then \
			$(BIN)/pybabel -q compile -i $$po -o $$mo.tmp >/dev/null && mv $$mo.tmp $$mo || exit 1; \
		fi; done

run: install
	$(BIN)/python run.py --port $(PORT)

# Node.js and npm (Debian's) install axe-core above, when the machine has none.
node:
	@command -v npm >/dev/null 2>&1 || { \
		apt-get install -y -qq nodejs npm >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }; }

# The browser tests drive Debian's Chromium (never a browser a tool downloads by itself).
system-deps: node
	@command -v chromium >/dev/null 2>&1 || { \
		command -v apt-get >/dev/null 2>&1 && { \
			apt-get install -y -qq chromium fonts-dejavu-core >/dev/null 2>&1 || \
			{ apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }; \
		} || echo "chromium could not be installed: the browser tests will be skipped"; }

# What `make test` runs: the whole suite unless told otherwise. .ci/run splits it into parallel
# jobs with these (e.g. TESTS=tests/browser, or PYTEST_ARGS=--ignore=tests/browser).
TESTS       ?= tests
PYTEST_ARGS ?=

test: install-dev system-deps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS) $(TESTS)

# The peer baseline of issue 27 (bench/bench_peer.py: Django's admin over the same tables):
# Django is installed for the bench only, never for the app or its tests.
bench-deps: | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt

bench-peer: install bench-deps
	$(BIN)/python bench/bench_peer.py --engine both --sizes 10000,100000

# How the pages grow, 10k / 100k / 1M requests of the national demo (issue 27,
# bench/bench_growth.py): the kept databases are seeded on the first run (1M: ~14 min, 8 GB).
.PHONY: bench-growth
bench-growth: install bench-deps
	$(BIN)/python bench/bench_growth.py --pg-sizes 10000,100000,1000000 --sqlite-sizes 100000 \
		--out bench/growth.json --plot bench/growth.png

clean:
	rm -rf $(VENV) .pytest_cache tests/browser/axe/node_modules
