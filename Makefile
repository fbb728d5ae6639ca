# logwire — one plain Makefile. Sources are found by wildcard: a new .c file in base/, proto/,
# net/, tail/, agent/ or fleet/ is part of the product; tests/unit/test_*.c are Criterion test programs;
# tests/fuzz/fuzz_*.c are libFuzzer targets; tests/tools/*.c are test-only helpers (they may
# link librdkafka; the product never does), with more sources in tests/tools/NAME/ if needed.
#
#   make              build/logwire
#   make check        install missing packages, build, run unit + integration tests
#   make asan         the same tests with AddressSanitizer + UBSan (build-asan/)
#   make asan-unit    only the unit tests and fuzz seed replays with them (what CI runs)
#   make fuzz         every fuzz target for FUZZ_SECONDS (default 60) each
#   make bench        benchmarks (scripts/bench.sh), medians side by side with kcat
#   make demo         mock cluster + agent + consumer, on this machine
#   make static       build/logwire-static (fully static)
#   make TLS=0        build without OpenSSL
#   make install      PREFIX=/usr/local
#   make style-check  clang-format 14 against .clang-format

BUILD ?= build
CC ?= cc
TLS ?= 1
WERROR ?= 1
OPT ?= -O2
SAN ?=
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 60
STATIC ?= 0

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wno-missing-field-initializers -Wvla -Wpointer-arith
ifeq ($(WERROR),1)
WARN += -Werror
endif
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -fno-strict-aliasing $(WARN) \
              $(CFLAGS) $(SAN) -MMD -MP
# OpenSSL (TLS, SCRAM): loaded on first use by the normal build (net/ossl.h), so that plaintext
# users never map it; linked in by `make static` (OPENSSL_DLOPEN=0).
OPENSSL_DLOPEN ?= 1
CPPFLAGS += -I. -DLW_TLS=$(TLS) -DLW_OSSL_DLOPEN=$(OPENSSL_DLOPEN)
LDLIBS := -lz -llz4
OPENSSL_LIBS :=
ifeq ($(TLS),1)
OPENSSL_LIBS := -lssl -lcrypto
ifeq ($(OPENSSL_DLOPEN),1)
LDLIBS += -ldl
else
LDLIBS += $(OPENSSL_LIBS)
endif
endif
LDFLAGS += $(SAN)

LIB_SRC := $(wildcard base/*.c proto/*.c net/*.c tail/*.c agent/*.c fleet/*.c console/*.c)
LIB_SRC := $(filter-out agent/main.c,$(LIB_SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/console_assets.o
MAIN_OBJ := $(BUILD)/obj/agent/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
PROTO_SRC := $(wildcard proto/*.c)
BASE_SRC := $(wildcard base/*.c)
STYLE_SRC := $(wildcard base/*.[ch] proto/*.[ch] net/*.[ch] tail/*.[ch] agent/*.[ch] fleet/*.[ch] console/*.[ch] tests/unit/*.[ch] \
               tests/fuzz/*.[ch] tests/tools/*.[ch] tests/tools/*/*.[ch] tests/bench/*.[ch])
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: FORCE all check test-run asan asan-unit fuzz bench latency-trace demo static install uninstall man \
        style-check format deps clean \
        tests tools

all: $(BUILD)/logwire

# Objects depend on the compile flags too: switching TLS, OPT or sanitizers in the same build
# directory rebuilds them instead of linking stale ones. The file changes only when they do.
FLAGS_SIG := $(CC) $(CPPFLAGS) $(ALL_CFLAGS)
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(FLAGS_SIG)' | cmp -s - $@ || echo '$(FLAGS_SIG)' >$@

# The commit for `logwire --version` and where the docs are installed (for --help):
# build_defs.h changes only when the checkout's commit or PREFIX does.
$(BUILD)/build_defs.h: FORCE
	@mkdir -p $(BUILD)
	@c=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	  d="#define LW_COMMIT \"$$c\"\n#define LW_DOCDIR \"$(PREFIX)/share/doc/logwire\""; \
	  printf "$$d\n" | cmp -s - $@ || printf "$$d\n" >$@
$(BUILD)/obj/agent/buildinfo.o: $(BUILD)/build_defs.h
$(BUILD)/obj/agent/buildinfo.o: CPPFLAGS += -I$(BUILD)

$(BUILD)/obj/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The console's assets (console/assets/), compiled in as C arrays.
CONSOLE_ASSETS := $(sort $(wildcard console/assets/*))
$(BUILD)/gen/console_assets.c: $(CONSOLE_ASSETS) scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	scripts/embed-assets.sh $(CONSOLE_ASSETS) >$@.tmp && mv $@.tmp $@
$(BUILD)/obj/gen/console_assets.o: $(BUILD)/gen/console_assets.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/liblogwire.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/logwire: $(MAIN_OBJ) $(BUILD)/liblogwire.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liblogwire.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< \
	  $(BUILD)/liblogwire.a -lcriterion $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/liblogwire.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/liblogwire.a \
	  -lrdkafka $(LDLIBS) $(OPENSSL_LIBS) -lpthread

# A tool too large for one file keeps the rest in tests/tools/NAME/.
$(BUILD)/tools/fakebroker: $(wildcard tests/tools/fakebroker/*.[ch])

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/liblogwire.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liblogwire.a $(LDLIBS)

# Every fuzz target linked with tests/fuzz/replay.c instead of libFuzzer, by the ordinary
# compiler: scripts/run-tests.sh replays each target's seeds once (fast), under the sanitizers
# in `make asan`.
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)
PROTO_OBJ := $(PROTO_SRC:%.c=$(BUILD)/obj/%.o)
BASE_OBJ := $(BASE_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(PROTO_OBJ) $(BASE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< \
	  tests/fuzz/replay.c $(filter %.o,$^) $(LDLIBS)
$(BUILD)/fuzz-replay/fuzz_scram: $(BUILD)/obj/net/ossl.o

tests: $(UNIT_BIN) $(REPLAY_BIN)
tools: $(TOOL_BIN)

# Installs what is missing (Debian packages) before building; quick when nothing is.
deps:
	@scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all tests tools
	@scripts/run-tests.sh $(BUILD)

ASAN_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
asan:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 SAN="$(ASAN_SAN)" all tests tools
	@$(ASAN_ENV) scripts/run-tests.sh build-asan

# The unit tests and the fuzz seed replays only, under the same sanitizers (what CI runs).
asan-unit:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 SAN="$(ASAN_SAN)" tests
	@$(ASAN_ENV) LW_TEST_FILTER='^(test_|fuzz_)' scripts/run-tests.sh build-asan

# Fuzz targets: built with clang, libFuzzer + ASan + UBSan, over the base/ and proto/ sources.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -I. -DLW_TLS=$(TLS) \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(PROTO_SRC) $(BASE_SRC) $(wildcard proto/*.h base/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) -lz -llz4 $(OPENSSL_LIBS)
# A target that needs more than base/ and proto/ names the sources here (the replay build,
# their objects).
$(BUILD)/fuzz/fuzz_scram: net/ossl.c

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all tools $(BENCH_BIN) static
	@scripts/bench.sh $(BUILD)

# One latency run under perf, with the kernel's view of each slow line (scripts/latency-trace.sh).
latency-trace: deps
	@$(MAKE) --no-print-directory all tools $(BENCH_BIN)
	@scripts/latency-trace.sh $(or $(RATE),2) $(or $(SECS),30) $(BUILD)

demo: deps
	@echo "building logwire and the test tools (log: $(BUILD)/demo-build.log)"
	@$(MAKE) --no-print-directory all tools >$(BUILD)/demo-build.log 2>&1 || \
	  { tail -30 $(BUILD)/demo-build.log; exit 1; }
	@scripts/demo.sh $(BUILD)

static:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory BUILD=build-static OPENSSL_DLOPEN=0 all
	$(CC) -static -o $(BUILD)/logwire-static build-static/obj/agent/main.o \
	  build-static/liblogwire.a -lz -llz4 $(OPENSSL_LIBS) -lpthread -ldl
	strip $(BUILD)/logwire-static
	@ls -l $(BUILD)/logwire-static

# The man pages, generated from the binary's --help texts, README and docs/CONFIG.md.
man: all
	@scripts/gen-man.sh $(BUILD)

# Installed: the binary (stripped), the man pages, the docs where `logwire --help` points, the
# examples, and the systemd unit with this PREFIX's paths.
UNIT_DIR ?= $(PREFIX)/lib/systemd/system
install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/logwire \
	  $(DESTDIR)$(PREFIX)/share/logwire/examples $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(UNIT_DIR)
	install -s -m 0755 $(BUILD)/logwire $(DESTDIR)$(PREFIX)/bin/logwire
	install -m 0644 README.md $(wildcard docs/*.md) $(DESTDIR)$(PREFIX)/share/doc/logwire/
	install -m 0644 $(wildcard examples/*) $(DESTDIR)$(PREFIX)/share/logwire/examples/
	install -m 0644 $(BUILD)/man/logwire.1 $(DESTDIR)$(PREFIX)/share/man/man1/logwire.1
	install -m 0644 $(BUILD)/man/logwire.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/logwire.conf.5
	sed 's|/usr/local|$(PREFIX)|g' examples/logwire.service >$(DESTDIR)$(UNIT_DIR)/logwire.service
	chmod 0644 $(DESTDIR)$(UNIT_DIR)/logwire.service

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/logwire $(DESTDIR)$(PREFIX)/share/man/man1/logwire.1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5/logwire.conf.5 $(DESTDIR)$(UNIT_DIR)/logwire.service
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/logwire $(DESTDIR)$(PREFIX)/share/logwire

style-check:
	@clang-format-14 --version >/dev/null 2>&1 || scripts/deps.sh
	clang-format-14 --dry-run --Werror $(STYLE_SRC)

format:
	clang-format-14 -i $(STYLE_SRC)

FORCE:

clean:
	rm -rf build build-asan build-static

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
