# `make run` opens the app, `make test` runs every check; both set up first.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run
export PATH := $(HOME)/.cargo/bin:$(PATH)

# One feature set everywhere, so the build, clippy and the tests share
# artifacts; custom-protocol embeds ui/dist (no dev server needed).
CARGO_FLAGS := --workspace --features scriptorium-desktop/custom-protocol
APP := target/debug/scriptorium-desktop
# A private session bus lets the single-instance check work; no a11y bus noise.
HEADLESS := NO_AT_BRIDGE=1 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session --

.PHONY: run test setup ui build lint unit e2e bindings

run: setup build
	$(APP)

test: setup build lint unit e2e
	@echo "make test: every check passed"

setup:
	@scripts/setup.sh

ui/node_modules/.package-lock.json: ui/package-lock.json
	npm --prefix ui ci --no-audit --no-fund

tests/e2e/node_modules/.package-lock.json: tests/e2e/package-lock.json
	npm --prefix tests/e2e ci --no-audit --no-fund

ui: ui/node_modules/.package-lock.json
	npm --prefix ui run build

build: ui
	cargo build $(CARGO_FLAGS)

lint: ui
	cargo fmt --all --check
	cargo clippy $(CARGO_FLAGS) --all-targets -- -D warnings
	npm --prefix ui run typecheck
	npm --prefix ui run lint

unit: ui
	if command -v cargo-nextest >/dev/null; then \
	  cargo nextest run $(CARGO_FLAGS); \
	else \
	  cargo test $(CARGO_FLAGS); \
	fi
	npm --prefix ui test

# Screenshots of every page land in target/e2e/.
e2e: build tests/e2e/node_modules/.package-lock.json
	$(HEADLESS) npm --prefix tests/e2e test

# Regenerates ui/src/bindings.ts after a command or its types change. The UI
# is bundled without type-checking first: it may use the new bindings already.
bindings: ui/node_modules/.package-lock.json
	cd ui && npx --no-install vite build
	UPDATE_BINDINGS=1 cargo test $(CARGO_FLAGS) -- bindings
