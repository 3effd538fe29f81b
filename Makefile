# Makefile — builds ipmux (sol/ engine, tools, daemon, clients) and runs its tests.
#
#   make            build everything into build/
#   make deps       install build and test dependencies (Debian, apt-get)
#   make check      deps, build, unit and integration tests
#   make asan-check the same tests under ASan+UBSan (build in build/asan)
#   make fuzz-smoke every fuzz target for a short bounded run
#   make demo       a live console from a simulated BMC, no hardware needed
#   make install    PREFIX=/usr/local DESTDIR=

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CFLAGS ?= -O2 -g
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wpointer-arith -Wundef -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
ifeq ($(SANITIZE),1)
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif

CPPFLAGS += -std=c17 -D_GNU_SOURCE -MMD -MP -I. -Isol -Icommon -Iconserver
CFLAGS += $(WARN) -fstack-protector-strong
ifneq ($(SANITIZE),1)
CPPFLAGS += -D_FORTIFY_SOURCE=2
endif

CRYPTO_LIBS := $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto)
EVENT_LIBS := $(shell $(PKG_CONFIG) --libs libevent 2>/dev/null || echo -levent)
DAEMON_LIBS := $(shell $(PKG_CONFIG) --libs libconfig libzstd json-c zlib 2>/dev/null || echo -lconfig -lzstd -ljson-c -lz)
JSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

OBJ := $(BUILD)/obj
BIN := $(BUILD)/bin

# sol/: the sans-I/O engine, a static library every program links.
SOL_SRCS := $(wildcard sol/*.c)
SOL_OBJS := $(SOL_SRCS:%.c=$(OBJ)/%.o)
SOL_LIB := $(BUILD)/lib/libipmuxsol.a

# common/: basics every program shares (escape parser, secrets, logging).
COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(OBJ)/%.o)
COMMON_LIB := $(BUILD)/lib/libipmuxcommon.a

# ipmuxd: the daemon (conserver/), its modules in a library tests link.
DAEMON_SRCS := $(filter-out conserver/main.c,$(wildcard conserver/*.c))
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(OBJ)/%.o)
DAEMON_LIB := $(BUILD)/lib/libipmuxd.a

# ipmux: the CLI and TUI client (tui/).
CLIENT_SRCS := $(wildcard tui/*.c)
CLIENT_OBJS := $(CLIENT_SRCS:%.c=$(OBJ)/%.o)

# ipmux-solcat: interactive SOL client on top of sol/.
SOLCAT_SRCS := $(wildcard sol/tools/*.c)
SOLCAT_OBJS := $(SOLCAT_SRCS:%.c=$(OBJ)/%.o)

# Unit tests: one Check binary per tests/unit/check_*.c.
UNIT_SRCS := $(wildcard tests/unit/check_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_HELP_SRCS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
UNIT_HELP_OBJS := $(UNIT_HELP_SRCS:%.c=$(OBJ)/%.o)

# tests/bmcsim/: the sans-I/O BMC engine unit tests and fuzzers drive.
# The simulated BMC (sans-I/O engine bmc*.c, server management mgmt*.c),
# linked into unit tests, fuzz targets and ipmux-bmcsim.
BMC_SRCS := $(wildcard tests/bmcsim/bmc*.c tests/bmcsim/mgmt*.c)
BMC_OBJS := $(BMC_SRCS:%.c=$(OBJ)/%.o)

# ipmux-bmcsim: a fleet of simulated BMCs in one process (sim*.c).
BMCSIM_SRCS := $(wildcard tests/bmcsim/sim*.c)
BMCSIM_OBJS := $(BMCSIM_SRCS:%.c=$(OBJ)/%.o)

# Integration tests: one Check binary per tests/integ/check_*.c, linked
# with the harness (every other .c in tests/integ).
INTEG_SRCS := $(wildcard tests/integ/check_*.c)
INTEG_BINS := $(INTEG_SRCS:tests/integ/%.c=$(BUILD)/tests/integ/%)
INTEG_HELP_SRCS := $(filter-out $(INTEG_SRCS),$(wildcard tests/integ/*.c))
INTEG_HELP_OBJS := $(INTEG_HELP_SRCS:%.c=$(OBJ)/%.o)

# Test helper programs (host simulator and the like): tests/tools/NAME.c.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)

# Fuzz targets: tests/fuzz/fuzz_*.c, built with clang's libFuzzer.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)

PROGRAMS := $(BIN)/ipmux-solcat $(if $(wildcard conserver/main.c),$(BIN)/ipmuxd) \
	$(if $(CLIENT_SRCS),$(BIN)/ipmux)
TEST_PROGRAMS := $(if $(BMCSIM_SRCS),$(BIN)/ipmux-bmcsim)


.PHONY: bench bench-daemon
.PHONY: all deps check check-run check-slow asan-check fuzz fuzz-smoke fuzz-run \
	install demo clean tests

all: $(PROGRAMS) $(TEST_PROGRAMS) tests

tests: $(UNIT_BINS) $(INTEG_BINS) $(TOOL_BINS)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CHECK_CFLAGS) $(JSON_CFLAGS) -c -o $@ $<

$(SOL_LIB): $(SOL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(COMMON_LIB): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(DAEMON_LIB): $(DAEMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN)/ipmuxd: $(OBJ)/conserver/main.o $(DAEMON_LIB) $(COMMON_LIB) $(SOL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(DAEMON_LIBS) $(CRYPTO_LIBS) -lm

$(BIN)/ipmux: $(CLIENT_OBJS) $(COMMON_LIB) $(SOL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(DAEMON_LIBS) $(CRYPTO_LIBS) -lm

$(BIN)/ipmux-solcat: $(SOLCAT_OBJS) $(COMMON_LIB) $(SOL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(CRYPTO_LIBS)

$(BIN)/ipmux-bmcsim: $(BMCSIM_OBJS) $(BMC_OBJS) $(COMMON_LIB) $(SOL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(CRYPTO_LIBS) -lm

$(BUILD)/tests/unit/%: $(OBJ)/tests/unit/%.o $(UNIT_HELP_OBJS) $(BMC_OBJS) $(DAEMON_LIB) $(COMMON_LIB) $(SOL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(EVENT_LIBS) $(DAEMON_LIBS) $(CRYPTO_LIBS) -lm

$(BUILD)/tests/integ/%: $(OBJ)/tests/integ/%.o $(INTEG_HELP_OBJS) $(COMMON_LIB) $(SOL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(EVENT_LIBS) $(DAEMON_LIBS) $(CRYPTO_LIBS)

$(BUILD)/tests/tools/%: $(OBJ)/tests/tools/%.o $(COMMON_LIB) $(SOL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(CRYPTO_LIBS)

deps:
	@sh scripts/deps.sh

# The suite proper, without installing anything.
check-run: all
	@sh tests/run-tests.sh $(BUILD) $(UNIT_BINS) $(INTEG_BINS)

check: deps
	@$(MAKE) --no-print-directory check-run

# Long-running tests (the 5-minute keepalive soak); CI runs these too.
check-slow: all
	@IPMUX_SLOW_TESTS=1 CK_RUN_CASE=soak sh tests/run-tests.sh $(BUILD) \
		$(BUILD)/tests/integ/check_ipmisim

asan-check: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE=1 check-run

# Fuzz builds: every library source compiled once with clang's
# instrumentation (build/fuzzobj), each target linked with all of them;
# unused code is harmless. Parsers of outside input live in sol/, common/,
# conserver/ and the simulator.
FUZZ_OBJ := $(BUILD)/fuzzobj
FUZZ_FLAGS := -std=c17 -D_GNU_SOURCE -I. -Isol -Icommon -Iconserver \
	-Itests/bmcsim $(JSON_CFLAGS) -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(SOL_SRCS) $(BMC_SRCS) \
	$(COMMON_SRCS) $(DAEMON_SRCS))

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/%: $(FUZZ_OBJ)/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ \
		$(EVENT_LIBS) $(DAEMON_LIBS) $(CRYPTO_LIBS) -lm

fuzz: $(FUZZ_BINS)

fuzz-smoke: deps
	@$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BINS)
	@sh tests/fuzz/smoke.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# Benchmarks (not part of check): ipmuxd and its peers, then ipmux-bmcsim memory.
# Never in CI: bench-daemon alone takes about 7 minutes, with PEERS=1
# (conserver and ConMan, installed with apt-get if missing) about 13.
bench: bench-daemon
	@sh bench/bmcsim-rss.sh $(BUILD)

bench-daemon: all
	@PEERS=$(if $(filter 1,$(PEERS)),1,0) sh bench/daemon.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD)

install: $(PROGRAMS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/doc/ipmux/examples
	install -m 0644 $(wildcard docs/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	$(if $(wildcard docs/*.5),install -m 0644 $(wildcard docs/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/)
	$(if $(wildcard docs/*.8),install -m 0644 $(wildcard docs/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/)
	install -m 0644 $(wildcard etc/*.conf etc/*.service) $(DESTDIR)$(PREFIX)/share/doc/ipmux/examples/

clean:
	rm -rf $(BUILD)

# Keep intermediate objects when a single test binary is built.
.SECONDARY: $(UNIT_HELP_OBJS) $(INTEG_HELP_OBJS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
