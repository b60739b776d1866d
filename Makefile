# restaurant-edge: `make run` starts the appliance in demo mode, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 3001
# Debian packages the test suite drives for real: a browser, a PostgreSQL server, speech synthesis,
# and the fonts tickets are drawn with (DejaVu Sans Mono; WenQuanYi Micro Hei for CJK and Hangul).
TEST_DEBS := chromium postgresql espeak-ng sox shellcheck systemd fonts-dejavu-core fonts-wqy-microhei

.PHONY: run test bench dist venv dev-deps system-deps clean

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

test: system-deps dev-deps
	$(BIN)/python -m pytest

bench: dev-deps
	$(BIN)/python bench/api.py
	taskset -c 0 $(BIN)/python bench/print_queue.py
	taskset -c 0 $(BIN)/python bench/bump_press.py
	$(BIN)/python bench/ws_fanout.py
	taskset -c 0 $(BIN)/python bench/voice.py
	taskset -c 0 $(BIN)/python bench/sync.py --cloud-cpus 1

# The wheel a box installs (deploy/pi-image/edge-update); checked for the files a box needs.
dist: $(BIN)/activate
	$(BIN)/pip install --quiet build
	rm -f dist/restaurant_edge-*.whl
	$(BIN)/python -m build --wheel --outdir dist .
	$(BIN)/python deploy/check_wheel.py dist/restaurant_edge-*.whl

clean:
	rm -rf $(VENV) build dist *.egg-info var .pytest_cache
