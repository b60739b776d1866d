# restaurant-edge: `make run` starts the appliance in demo mode, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 3001
# Debian packages the test suite drives for real: a browser, a PostgreSQL server, speech synthesis,
# the fonts tickets are drawn with (DejaVu Sans Mono; WenQuanYi Micro Hei for CJK and Hangul), and
# FUSE for the power-cut test's disk that loses unsynced writes (tests/e2e/powercut_fs.py).
TEST_DEBS := chromium postgresql espeak-ng sox shellcheck systemd fonts-dejavu-core fonts-wqy-microhei fuse3

.PHONY: run test bench dist venv dev-deps system-deps dashboard clean

$(BIN)/activate:
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
	  echo "installing python3-venv"; SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

venv: $(BIN)/activate
	$(BIN)/pip install --quiet -e .

# The demo hears English out of the box: the voice extra brings pocketsphinx and its model.
run: $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[voice]'
	$(BIN)/edge serve --demo --port $(PORT)

dev-deps: $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev,voice]'

system-deps:
	@missing=""; for pkg in $(TEST_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The owner's dashboard (supabase/dashboard, hosted as static files): npm ci installs the exact
# versions of package-lock.json, and the two browser builds the page loads are copied into
# public/vendor/ (not committed). Node and npm come from Debian when missing.
DASHBOARD := supabase/dashboard
DASHBOARD_VENDOR := $(DASHBOARD)/public/vendor
DASHBOARD_FILES := @supabase/supabase-js/dist/umd/supabase.js uplot/dist/uPlot.iife.min.js uplot/dist/uPlot.min.css

dashboard: $(DASHBOARD_VENDOR)/.installed

$(DASHBOARD_VENDOR)/.installed: $(DASHBOARD)/package.json $(DASHBOARD)/package-lock.json
	@command -v npm >/dev/null || { echo "installing nodejs and npm"; SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm; }
	cd $(DASHBOARD) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(DASHBOARD_VENDOR)
	for file in $(DASHBOARD_FILES); do cp $(DASHBOARD)/node_modules/$$file $(DASHBOARD_VENDOR)/; done
	cp $(DASHBOARD)/node_modules/@supabase/supabase-js/LICENSE $(DASHBOARD_VENDOR)/LICENSE.supabase-js
	cp $(DASHBOARD)/node_modules/uplot/LICENSE $(DASHBOARD_VENDOR)/LICENSE.uplot
	touch $@

test: system-deps dev-deps dashboard
	$(BIN)/python -m pytest

bench: dev-deps
	$(BIN)/python -m bench.api
	taskset -c 0 $(BIN)/python -m bench.print_queue
	taskset -c 0 $(BIN)/python -m bench.bump_press
	$(BIN)/python -m bench.ws_fanout
	taskset -c 0 $(BIN)/python -m bench.voice_engines
	taskset -c 0 $(BIN)/python -m bench.sync_throughput --cloud-cpus 1
	$(BIN)/python -m bench.sync_backoff --batches 40 --loss 0.3
	$(BIN)/python -m bench.flood
	$(BIN)/python -m bench.kds_render
	$(BIN)/python -m bench.owner_report

# The wheel a box installs (deploy/pi-image/edge-update); checked for the files a box needs.
dist: $(BIN)/activate
	$(BIN)/pip install --quiet build
	rm -f dist/restaurant_edge-*.whl
	$(BIN)/python -m build --wheel --outdir dist .
	$(BIN)/python deploy/check_wheel.py dist/restaurant_edge-*.whl

clean:
	rm -rf $(VENV) build dist *.egg-info var .pytest_cache $(DASHBOARD)/node_modules $(DASHBOARD_VENDOR)
