# Loom: threaded-discussion news server.
#
#   make            build build/loomd and build/loomctl
#   make run        build, then run loomd on 127.0.0.1:1119 with data in ./var/
#                   and the web pages on http://127.0.0.1:8080/
#   make check      build and run every test (unit, integration, real clients)
#   make check-asan the same tests built with AddressSanitizer + UBSan
#   make fuzz       build the libFuzzer targets and run each for a short while
#   make bench      benchmarks, Loom against INN (tests/bench/README.md);
#                   they only report (QUICK=1: small)
#   make soak       the adversarial soak (tests/soak/README.md): long attacks
#                   on a real loomd, the integration tests under valgrind;
#                   ~11 minutes on 2 cores, not part of check
#   make install    loomd, loomctl, man pages, systemd unit, /etc/loom and
#                   the data directory (PREFIX, DESTDIR; docs/admin.md)
#   make uninstall  remove what install put in place, except config and data
#
# Dependencies are found with pkg-config.  When one is missing, make runs
# scripts/deps.sh once: as root it installs the Debian packages, otherwise it
# prints the apt-get line to run and stops.

PKGS     = libevent libevent_openssl libevent_pthreads lmdb openssl cmocka inih \
           zlib libsystemd libcanlock-3

# The tests' canlock command (test_cancel.py) comes with libcanlock-dev's
# install, but is checked on its own too: a missing one fails the test.
ifeq ($(shell pkg-config --exists $(PKGS) 2>/dev/null && \
        command -v canlock >/dev/null && echo ok),)
$(info loom: some libraries or tools are missing; running scripts/deps.sh)
DEPS_OUT := $(shell sh scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_OUT),0)
$(error dependencies missing: install them as shown above, then run make again)
endif
endif

CC      ?= cc
BUILD   ?= build
VERSION  = 0.1.0
PYTHON  ?= python3

WARN     = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     ?= -O2 -g
ifeq ($(SAN),1)
OPT      = -O1 -g -fno-omit-frame-pointer
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif

RUN_PKGS    = $(filter-out cmocka,$(PKGS))
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(RUN_PKGS) 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs cmocka 2>/dev/null)

SERVER_DIRS = server/core server/nntp server/intake server/policy server/feed \
              server/ctl server/http
CPPFLAGS = -D_GNU_SOURCE -DLOOM_VERSION='"$(VERSION)"' -Iproto -Istorage \
           $(addprefix -I,$(SERVER_DIRS))
CFLAGS  += -std=c11 $(WARN) $(OPT) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS   = $(PKG_LIBS) -lpthread

PROTO_SRC   = $(wildcard proto/*.c)
STORAGE_SRC = $(wildcard storage/*.c)
# loomd's subsystems; server/ctl/ is loomctl's alone.
SERVER_SRC  = $(wildcard server/core/*.c server/nntp/*.c server/intake/*.c \
                server/policy/*.c server/feed/*.c server/http/*.c)
CTL_SRC     = $(filter-out server/ctl/loomctl.c,$(wildcard server/ctl/*.c))
UNIT_SRC    = $(wildcard tests/unit/test_*.c)
UNIT_HELP   = $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBPROTO   = $(BUILD)/libproto.a
LIBSTORAGE = $(BUILD)/libstorage.a
LIBSERVER  = $(BUILD)/libserver.a
LIBS_ALL   = $(LIBSERVER) $(LIBSTORAGE) $(LIBPROTO)
UNIT_BINS  = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.SECONDARY:

.PHONY: all run check check-unit check-asan check-layering \
        interop-deps browser-deps install uninstall \
        fuzz bench soak clean distclean

all: $(BUILD)/loomd $(BUILD)/loomctl

# cmocka fixes every test's signature (void **state), used or not.
$(BUILD)/tests/unit/%.o: WARN += -Wno-unused-parameter

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBPROTO): $(call obj,$(PROTO_SRC))
$(LIBSTORAGE): $(call obj,$(STORAGE_SRC))
$(LIBSERVER): $(call obj,$(SERVER_SRC))
$(LIBPROTO) $(LIBSTORAGE) $(LIBSERVER):
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/loomd: $(BUILD)/server/loomd.o $(LIBS_ALL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/loomctl: $(BUILD)/server/ctl/loomctl.o $(call obj,$(CTL_SRC)) $(LIBS_ALL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(call obj,$(UNIT_HELP)) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS)

# The development setup: config and data live in ./var/, created on demand.
run: all
	@sh scripts/devsetup.sh var
	@$(PYTHON) scripts/devseed.py var/loom.conf & \
	    exec $(BUILD)/loomd --config var/loom.conf --foreground

check: all $(UNIT_BINS) check-layering interop-deps browser-deps
	@BUILD=$(BUILD) PYTHON=$(PYTHON) sh tests/run.sh $(UNIT_BINS)

# The unit tests alone: seconds, no servers started.
check-unit: $(UNIT_BINS)
	@BUILD=$(BUILD) UNIT_ONLY=1 sh tests/run.sh $(UNIT_BINS)

# INN 2.7 is the peer of the interoperability tests.  As root, install it
# (Debian's inn2): a failed install fails make check, it is not turned into
# skipped tests.  Not root and not installed: those tests say SKIP, and fail
# when CI is set (tests/integration/README.md).
INSTALL_INN ?= sh scripts/install-inn.sh
interop-deps:
	@if [ "$$(id -u)" = 0 ]; then \
	    $(INSTALL_INN) || { echo "loom: ERROR: installing INN 2.7 failed" \
	    "($(INSTALL_INN), output above); the INN interop tests cannot" \
	    "run without it (tests/interop/README.md)" >&2; exit 1; }; \
	elif ! $(INSTALL_INN); then \
	    echo "loom: INN 2.7 is not installed and this is not root: the INN" \
	    "interop tests will be skipped (and fail with CI set)"; fi

# Chromium, chromium-driver and python3-selenium for the browser test
# (tests/integration/test_browser.py), as interop-deps does for INN: as
# root a failed install fails make check; not root and missing, the test
# says SKIP (and fails with CI set).
BROWSER_DEBS = chromium chromium-driver python3-selenium
browser-deps:
	@if [ "$$(id -u)" = 0 ]; then \
	    sh scripts/deps.sh browser || { echo "loom: ERROR: installing" \
	    "$(BROWSER_DEBS) failed (output above); the browser test cannot" \
	    "run without them" >&2; exit 1; }; \
	elif ! sh scripts/deps.sh browser 2>/dev/null; then \
	    echo "loom: $(BROWSER_DEBS) missing and this is not root: the" \
	    "browser test will be skipped (and fail with CI set)"; fi

check-asan:
	$(MAKE) BUILD=build-asan SAN=1 check

# proto/ is pure and storage/ alone speaks LMDB: fail the build when either
# layer reaches for something it must not.
check-layering:
	@sh scripts/check-layering.sh

FUZZ_SRC  = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))
FUZZ_TIME ?= 20

build-fuzz/%: tests/fuzz/%.c $(PROTO_SRC)
	@mkdir -p build-fuzz
	clang -std=c11 -g -O1 -D_GNU_SOURCE -Iproto \
	    -fsanitize=fuzzer,address,undefined -o $@ $^

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	    echo "fuzz: $$f for $(FUZZ_TIME)s"; \
	    mkdir -p build-fuzz/corpus-$$(basename $$f); \
	    $$f -max_total_time=$(FUZZ_TIME) -max_len=4096 \
	        build-fuzz/corpus-$$(basename $$f) tests/fuzz/seeds || exit 1; \
	done

# Benchmarks print medians and ratios; they never pass or fail on timing
# (tests/bench/README.md).  Each runs even if one before it reports a
# problem; QUICK=1 makes them small.
bench: all interop-deps
	@LOOMD=$$PWD/$(BUILD)/loomd sh tests/bench/run-threads.sh; t=$$?; \
	LOOMD=$$PWD/$(BUILD)/loomd PYTHON=$(PYTHON) \
	    sh tests/bench/run-vs-inn.sh; v=$$?; \
	LOOMD=$$PWD/$(BUILD)/loomd $(PYTHON) tests/bench/web-thread.py; w=$$?; \
	LOOMD=$$PWD/$(BUILD)/loomd LOOMCTL=$$PWD/$(BUILD)/loomctl \
	    $(PYTHON) tests/bench/rmgroup-stall.py; r=$$?; \
	[ $$t = 0 ] && [ $$v = 0 ] && [ $$w = 0 ] && [ $$r = 0 ]

# Attacks against a real loomd on loopback, then the integration tests with
# loomd under valgrind.  Figures go to $(BUILD)/soak-results.txt; it fails
# only on a correctness check, never on a timing.  valgrind is checked for
# here only (scripts/deps.sh soak), not for the build.
soak: all
	@sh scripts/deps.sh soak
	@BUILD=$(BUILD) PYTHON=$(PYTHON) LOOMD=$$PWD/$(BUILD)/loomd \
	    LOOMCTL=$$PWD/$(BUILD)/loomctl LOOM_TESTDATA=$$PWD/tests/data \
	    $(PYTHON) tests/soak/soak.py

# Install locations.  Programs and man pages follow PREFIX; the config and
# the data directory are /etc/loom and /var/lib/loom whatever PREFIX is, as
# a Debian administrator expects of a daemon.  DESTDIR stages the whole tree
# elsewhere (a package, the test in tests/integration/test_install.py) and
# then needs no root: the loom account, ownership and systemd are left to
# whoever installs the staged tree for real.
PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
MANDIR        ?= $(PREFIX)/share/man
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
DATADIR       ?= $(LOCALSTATEDIR)/lib/loom
UNITDIR       ?= $(PREFIX)/lib/systemd/system
LOOM_USER     ?= loom
INSTALL       ?= install
# Only a real install (no DESTDIR) as root creates the account, chowns the
# data directory and tells a running systemd about the unit.
REAL_INSTALL   = [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]

# docs/loomd.service and docs/loom.conf.example name the default paths;
# the installed copies name the ones chosen here.
INSTALL_SED = sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' \
                  -e 's|/etc/loom/|$(SYSCONFDIR)/loom/|g' \
                  -e 's|/var/lib/loom|$(DATADIR)|g' \
                  -e 's|^User=loom$$|User=$(LOOM_USER)|' \
                  -e 's|^Group=loom$$|Group=$(LOOM_USER)|'

install: all
	$(INSTALL) -d -m 755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/loom
	$(INSTALL) -m 755 $(BUILD)/loomd $(BUILD)/loomctl $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 644 docs/loomd.8 docs/loomctl.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 644 docs/loom.conf.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL_SED) docs/loomd.service > $(BUILD)/loomd.service
	$(INSTALL) -m 644 $(BUILD)/loomd.service $(DESTDIR)$(UNITDIR)/loomd.service
	$(INSTALL_SED) -e 's|^;user = loom$$|user = $(LOOM_USER)|' \
	    docs/loom.conf.example > $(BUILD)/loom.conf.example
	$(INSTALL) -m 644 $(BUILD)/loom.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/loom/loom.conf.example
	@if $(REAL_INSTALL) && ! getent passwd $(LOOM_USER) >/dev/null; then \
	    echo "useradd --system --user-group --home-dir $(DATADIR)" \
	        "--no-create-home --shell /usr/sbin/nologin $(LOOM_USER)"; \
	    useradd --system --user-group --home-dir $(DATADIR) \
	        --no-create-home --shell /usr/sbin/nologin $(LOOM_USER) || exit 1; \
	fi
	@# An edited loom.conf is never replaced; the new example is beside it.
	@# It may hold peer passwords: readable by root and loomd's group only.
	@conf=$(DESTDIR)$(SYSCONFDIR)/loom/loom.conf; \
	if [ -e "$$conf" ]; then \
	    echo "loom: keeping $$conf (the new example is loom.conf.example)"; \
	elif $(REAL_INSTALL); then \
	    echo "$(INSTALL) -m 640 -g $(LOOM_USER) ... $$conf"; \
	    $(INSTALL) -m 640 -g $(LOOM_USER) $(BUILD)/loom.conf.example \
	        "$$conf" || exit 1; \
	else \
	    echo "$(INSTALL) -m 640 ... $$conf"; \
	    $(INSTALL) -m 640 $(BUILD)/loom.conf.example "$$conf" || exit 1; \
	fi
	@# The store belongs to the account loomd runs as; nobody else reads it.
	@if $(REAL_INSTALL); then \
	    echo "$(INSTALL) -d -m 750 -o $(LOOM_USER) -g $(LOOM_USER)" \
	        "$(DATADIR)"; \
	    $(INSTALL) -d -m 750 -o $(LOOM_USER) -g $(LOOM_USER) \
	        $(DATADIR) || exit 1; \
	    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	    echo "loom: installed; edit $(SYSCONFDIR)/loom/loom.conf, then:" \
	        "systemctl enable --now loomd"; \
	else \
	    echo "$(INSTALL) -d -m 750 $(DESTDIR)$(DATADIR)"; \
	    $(INSTALL) -d -m 750 $(DESTDIR)$(DATADIR) || exit 1; \
	fi

# Config, data and the loom account stay: they are the administrator's.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/loomd $(DESTDIR)$(SBINDIR)/loomctl \
	    $(DESTDIR)$(MANDIR)/man8/loomd.8 $(DESTDIR)$(MANDIR)/man8/loomctl.8 \
	    $(DESTDIR)$(MANDIR)/man5/loom.conf.5 \
	    $(DESTDIR)$(UNITDIR)/loomd.service \
	    $(DESTDIR)$(SYSCONFDIR)/loom/loom.conf.example
	@if $(REAL_INSTALL) && [ -d /run/systemd/system ]; then \
	    systemctl daemon-reload; fi
	@echo "loom: left $(SYSCONFDIR)/loom/loom.conf, $(DATADIR) and the" \
	    "$(LOOM_USER) account in place"

clean:
	rm -rf build build-asan build-fuzz

distclean: clean
	rm -rf var

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# storepages: pages written and octets stored per article, deterministic
# (tests/bench/storepages.c).
$(BUILD)/storepages: $(BUILD)/tests/bench/storepages.o $(LIBSTORAGE)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
storepages: $(BUILD)/storepages
.PHONY: storepages
