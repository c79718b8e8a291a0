# Handbill's two commands:
#   make run    install what is missing, build, and open the window on the sample branch
#   make test   run every test: Rust, UI checks, Vitest, and end-to-end in the real window
# Other targets: make deps, make app, make bindings, make release, make bench-window, make bench-send, make bench-frames.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN := target/debug/handbill
DEMO_DB := target/demo.sqlite
# Debian packages: building the window, then testing it. dovecot-imapd is for
# tests/imap/dovecot.py, which runs its own Dovecot on a free loopback port with
# its own config, base_dir and pid file: the system instance the package may try
# to start (or that policy-rc.d forbids) is never used. systemd is for
# systemd-analyze, which checks the timer `handbill schedule install` writes
# (src-tauri/core/tests/schedule_timer.rs); nothing of it is started.
# chromium and tidy check the site `handbill publish` writes (tests/publish_cli.rs):
# its pages opened headless and validated.
BUILD_PACKAGES := pkg-config build-essential libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
TEST_PACKAGES := webkit2gtk-driver xvfb xauth fonts-dejavu-core qpdf poppler-utils python3 python3-pip python3-venv openssl xdotool x11-apps x11-utils netpbm sqlite3 gnome-keyring dbus-daemon dovecot-imapd syncthing systemd chromium tidy
XVFB := xvfb-run -a -s "-screen 0 1280x860x24"

.PHONY: help run test deps deps-build deps-test deps-smtp deps-calendar deps-site app ui bindings release deb deb-check bench-window bench-window-big bench-send bench-frames fuzz

help:
	@echo "make run    build Handbill and open it on the sample branch"
	@echo "make test   run every test (what CI runs)"

## Set-up ----------------------------------------------------------------------

# Installs missing Debian packages with apt-get (as root, or through sudo when it
# needs no password); otherwise prints the exact command to run.
define apt_install
	missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; \
	  else echo "Handbill needs these system packages:$$missing"; \
	       echo "Install them with:  sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; fi; \
	  echo "Installing system packages:$$missing"; \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps-build: ui/node_modules/.installed
	@$(call apt_install,$(BUILD_PACKAGES))

deps-test: deps-build tests/e2e/node_modules/.installed
	@cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1 || rustup component add rustfmt clippy
	@$(call apt_install,$(TEST_PACKAGES))
	@command -v tauri-driver >/dev/null || { echo "Installing tauri-driver"; cargo install tauri-driver --locked --quiet; }
	@# frames.test.mjs sends 10,000 messages to postfix's smtp-sink: postfix is
	@# installed for its tools only, without configuring a mail system.
	@dpkg-query -W -f='$${Status}' postfix 2>/dev/null | grep -q "ok installed" || { \
	  if [ "$$(id -u)" = 0 ]; then s=""; elif sudo -n true 2>/dev/null; then s=sudo; else s=none; fi; \
	  [ "$$s" = none ] || echo "postfix postfix/main_mailer_type select No configuration" | $$s debconf-set-selections; }
	@$(call apt_install,postfix)
	@$(MAKE) --no-print-directory deps-smtp
	@$(MAKE) --no-print-directory deps-calendar
	@$(MAKE) --no-print-directory deps-site

# The mail tests' SMTP server on loopback (tests/smtp/server.py) needs aiosmtpd,
# pinned in tests/smtp/requirements.txt; skipped when it is already importable.
deps-smtp:
	@python3 -c 'import aiosmtpd' 2>/dev/null || { echo "Installing aiosmtpd for the mail tests"; \
	  python3 -m pip install --quiet -r tests/smtp/requirements.txt 2>/dev/null \
	  || python3 -m pip install --quiet --user --break-system-packages -r tests/smtp/requirements.txt; }

# The calendar checks (tests/tour_public_cli.rs, tests/series_cli.rs) read .ics
# files with Python's icalendar and recurring-ical-events, pinned in
# tests/calendar/requirements.txt and kept in tests/.venv (the tests use it
# when it is there, else python3); skipped when both are importable.
deps-calendar:
	@tests/.venv/bin/python -c 'import icalendar, recurring_ical_events' 2>/dev/null \
	  || python3 -c 'import icalendar, recurring_ical_events' 2>/dev/null \
	  || { echo "Installing icalendar and recurring-ical-events in tests/.venv for the calendar checks"; \
	  python3 -m venv tests/.venv && tests/.venv/bin/python -m pip install --quiet -r tests/calendar/requirements.txt; }

# The published site's checks (tests/publish_cli.rs, tests/site/check_site.py)
# read its calendar with icalendar and its Atom feed with feedparser, pinned in
# tests/site/requirements.txt and kept in tests/.venv (with the calendar checks' packages,
# so the tests that use tests/.venv find both); skipped when importable there.
deps-site: deps-calendar
	@tests/.venv/bin/python -c 'import icalendar, feedparser' 2>/dev/null \
	  || { echo "Installing feedparser in tests/.venv for the site checks"; \
	  { [ -x tests/.venv/bin/python ] || python3 -m venv tests/.venv; } && tests/.venv/bin/python -m pip install --quiet -r tests/calendar/requirements.txt -r tests/site/requirements.txt; }

deps: deps-test

# npm packages, as the lock files pin them (`npm ci` trips over the lock's
# missing foreign-platform optional packages); install scripts are not run: nothing may download.
ui/node_modules/.installed: ui/package-lock.json
	cd ui && npm install --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

tests/e2e/node_modules/.installed: tests/e2e/package-lock.json
	cd tests/e2e && npm install --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

## Build -----------------------------------------------------------------------

ui: deps-build
	cd ui && npm run build --silent

# The debug binary with the UI embedded: what `make run` opens and the tests drive.
app: ui
	cargo build --locked

release: ui
	cargo build --release --locked

## The two commands -----------------------------------------------------------

# The sample branch is encrypted like any other: its key goes in the keychain, or
# (with none) the terminal asks for a passphrase, which the window then asks for;
# HANDBILL_ENCRYPT=0 make run keeps it a plain file.
run: app
	$(BIN) --db $(DEMO_DB) demo
	$(BIN) --db $(DEMO_DB)

test: deps app
	@echo "== Rust: formatting (cargo fmt --check) and lints (clippy, warnings are errors)"
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	@echo "== Rust: core and command-line tests (real SQLite files), TypeScript bindings, command wrappers and recorded UI answers checks"
	cargo test --workspace --locked
	@echo "== UI: formatting (prettier --check), lints (eslint), type check (svelte-check) and Vitest"
	cd ui && npm run lint --silent && npm run check --silent && npm test --silent
	@echo "== End-to-end: the real window through tauri-driver under Xvfb"
	cd tests/e2e && HANDBILL_BIN=$(CURDIR)/$(BIN) $(XVFB) npm test --silent
	@echo "make test: all passed: cargo fmt and clippy, Rust tests, UI format, lint and type check, Vitest, end-to-end window tests (screenshots in target/e2e-screenshots/)"

## Maintenance -----------------------------------------------------------------

# Regenerates ui/src/lib/bindings/ from the Rust types, ui/src/fixtures/ (the core's
# answers the UI tests replay), then ui/src/lib/commands.ts (the UI's typed wrappers
# over every Tauri command) from src-tauri/src/ (commit them all).
bindings:
	UPDATE_BINDINGS=1 cargo test -p handbill-core --test bindings --quiet
	UPDATE_BINDINGS=1 cargo test -p handbill-core --test ui_answers --quiet
	UPDATE_BINDINGS=1 cargo test -p handbill-contract --test commands --quiet

# Longer fuzzing of every parser of outside input, on demand (CASES per target,
# 20000 unless given). Seeds: tests/corpus/; a failure is shrunk and kept in
# src-tauri/core/tests/fuzz.proptest-regressions, replayed first on every run.
fuzz:
	HANDBILL_FUZZ_CASES=$${CASES:-20000} cargo test --release --locked -p handbill-core --test fuzz

# The Debian package (target/release/bundle/deb/handbill_*.deb), built by Tauri's bundler.
# The bundler names the file after the product (Handbill_…); Debian's convention,
# and the package inside, is handbill_<version>_<arch>.deb.
deb: deps-build
	ui/node_modules/.bin/tauri build --bundles deb
	cd target/release/bundle/deb && for f in Handbill_*.deb; do [ -e "$$f" ] && mv -f "$$f" "handbill_$${f#Handbill_}"; done; ls -1 "$$PWD"/handbill_*.deb

# Installs that package on a fresh Debian 12 (debootstrap, as root) and opens it
# from its menu entry under Xvfb: see tests/package/check-deb.sh.
deb-check: deb
	tests/package/check-deb.sh target/release/bundle/deb/handbill_*_amd64.deb

# Startup time and memory of the release window (see tests/bench/window.sh).
bench-window: release deps-test
	$(XVFB) tests/bench/window.sh target/release/handbill

# The release window on the sample branch and on a big one (10,000 upcoming and
# 2,000 past events, 100,000 people, 500 organizations) side by side: per
# action, the time to its answer, the longest frame gap and the DOM nodes, and
# the web process's memory (see tests/bench/big-window.mjs).
bench-window-big: release deps-test
	cargo build --release --locked -p handbill-core --example big_branch
	cd tests/e2e && HANDBILL_BIN=$(CURDIR)/target/release/handbill BIG_BRANCH=$(CURDIR)/target/release/examples/big_branch \
	  $(XVFB) node ../bench/big-window.mjs

# Gaps between animation frames in the release window while a 200 MB sheet is
# previewed, a 20-stop poster drawn, 10,000 messages sent and 100,000 rows
# imported: the worst and the percentiles (see tests/bench/frames.sh).
bench-frames: release deps-test
	@dpkg-query -W -f='$${Status}' postfix 2>/dev/null | grep -q "ok installed" || \
	  echo "postfix postfix/main_mailer_type select No configuration" | $$( [ "$$(id -u)" = 0 ] || echo sudo ) debconf-set-selections
	@$(call apt_install,postfix)
	tests/bench/frames.sh target/release/handbill

# Sending throughput against postfix's smtp-source, and memory (see tests/bench/send.sh).
# postfix is installed only for its smtp-sink and smtp-source, without configuring a mail system.
bench-send: release
	@dpkg-query -W -f='$${Status}' postfix 2>/dev/null | grep -q "ok installed" || \
	  echo "postfix postfix/main_mailer_type select No configuration" | $$( [ "$$(id -u)" = 0 ] || echo sudo ) debconf-set-selections
	@$(call apt_install,postfix time)
	tests/bench/send.sh target/release/handbill
