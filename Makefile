# logwire — one plain Makefile. Sources are found by wildcard: a new .c file in base/, proto/,
# net/, tail/, agent/ or fleet/ is part of the product; tests/unit/test_*.c are Criterion test programs;
# tests/fuzz/fuzz_*.c are libFuzzer targets; tests/tools/*.c are test-only helpers (they may
# link librdkafka; the product never does), with more sources in tests/tools/NAME/ if needed.
#
#   make              build/logwire
#   make check        install missing packages, build, run unit + integration tests
#   make asan         the same tests with AddressSanitizer + UBSan (build-asan/)
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

.PHONY: FORCE all check test-run asan fuzz bench demo static install style-check format deps clean \
        tests tools

all: $(BUILD)/logwire

# Objects depend on the compile flags too: switching TLS, OPT or sanitizers in the same build
# directory rebuilds them instead of linking stale ones. The file changes only when they do.
FLAGS_SIG := $(CC) $(CPPFLAGS) $(ALL_CFLAGS)
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(FLAGS_SIG)' | cmp -s - $@ || echo '$(FLAGS_SIG)' >$@

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

asan:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  all tests tools
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  scripts/run-tests.sh build-asan

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

demo: deps
	@$(MAKE) --no-print-directory all tools
	@scripts/demo.sh $(BUILD)

static:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory BUILD=build-static OPENSSL_DLOPEN=0 all
	$(CC) -static -o $(BUILD)/logwire-static build-static/obj/agent/main.o \
	  build-static/liblogwire.a -lz -llz4 $(OPENSSL_LIBS) -lpthread -ldl
	strip $(BUILD)/logwire-static
	@ls -l $(BUILD)/logwire-static

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/logwire \
	  $(DESTDIR)$(PREFIX)/share/logwire/examples
	install -m 0755 $(BUILD)/logwire $(DESTDIR)$(PREFIX)/bin/logwire
	install -m 0644 README.md $(wildcard docs/*.md) $(DESTDIR)$(PREFIX)/share/doc/logwire/
	install -m 0644 $(wildcard examples/*) $(DESTDIR)$(PREFIX)/share/logwire/examples/

style-check:
	@clang-format-14 --version >/dev/null 2>&1 || scripts/deps.sh
	clang-format-14 --dry-run --Werror $(STYLE_SRC)

format:
	clang-format-14 -i $(STYLE_SRC)

FORCE:

clean:
	rm -rf build build-asan build-static

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
