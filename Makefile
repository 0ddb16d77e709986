# One GNU Makefile for the whole suite. Programs are found, not listed:
#   src/NAME.c          -> build/bin/NAME
#   src/NAME/*.c        -> build/bin/NAME (a program grown past one file)
#   src/lib/*.c         -> build/libqmail.a (shared code, no main)
#   tests/unit/t_*.c    -> build/tests/t_* (TAP unit tests)
#   tests/fuzz/fuzz_*.c -> build/fuzz/replay_* (corpus replay, any compiler)
# Build-time settings come from the conf-* files (first line = value) and end
# up in build/auto/*.c. Dependencies are tracked with -MMD -MP.

BUILD     ?= build
QMAILHOME ?= $(shell head -n 1 conf-qmail)
QUEUECONF := $(shell head -n 1 conf-queue)
QUEUEDIR  ?= $(if $(QUEUECONF),$(QUEUECONF),$(QMAILHOME)/queue)
SPLIT     ?= $(shell head -n 1 conf-split)
DEFAULTDELIVERY ?= $(shell head -n 1 conf-defaultdelivery)

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wvla -Wimplicit-fallthrough \
	   -Wno-format-nonliteral
ifeq ($(DEV),1)
WARN    += -Werror
endif
HARDEN  := -fstack-protector-strong -fPIE
ifeq ($(SAN),1)
CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
LDSAN   := -fsanitize=address,undefined
SANOBJ   = $(BUILD)/obj/tests/sanopts.o
else
HARDEN  += -D_FORTIFY_SOURCE=2
endif
# _GNU_SOURCE: setresuid/setgroups/getresuid and pipe2 are not in plain
# POSIX.1-2008, and every program that drops privileges needs them.
ALL_CPPFLAGS := -std=c11 -D_GNU_SOURCE -Isrc/lib -I$(BUILD)/auto $(CPPFLAGS)
ALL_CFLAGS   := $(CFLAGS) $(WARN) $(HARDEN)
# --as-needed keeps each binary linked only against the libraries it uses:
# qmail-queue and qmail-local never get a NEEDED entry for OpenSSL.
# Not in sanitizer builds: libasan defines interceptors such as crypt(), so
# the linker would drop libcrypt as unneeded and the interceptor would find
# no real crypt() to call at run time.
ASNEEDED     := $(if $(filter 1,$(SAN)),,-Wl,--as-needed)
ALL_LDFLAGS  := -pie -Wl,-z,relro,-z,now $(ASNEEDED) $(LDSAN) $(LDFLAGS)
SSL_LIBS  := $(shell pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto)
LIBS      := -lcdb -lidn2 $(SSL_LIBS) -lresolv -lcrypt

# Build-time values: auto-str runs at every make and rewrites a file under
# build/auto only when its value changed, so nothing relinks needlessly.
AUTO_OK := $(shell mkdir -p $(BUILD)/auto && sh scripts/auto-str "$(BUILD)/auto" \
	"$(QMAILHOME)" "$(QUEUEDIR)" "$(SPLIT)" "$$(head -n 1 conf-users)" \
	"$$(head -n 1 conf-groups)" "$(DEFAULTDELIVERY)" && echo ok)
ifneq ($(AUTO_OK),ok)
$(error scripts/auto-str failed: check the conf-* files)
endif

LIB_SRC   := $(sort $(wildcard src/lib/*.c))
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
AUTO_NAMES := auto_qmail auto_queue auto_split auto_users auto_groups \
	      auto_defaultdelivery
AUTO_OBJ  := $(AUTO_NAMES:%=$(BUILD)/obj/auto/%.o)

PROG1     := $(notdir $(basename $(wildcard src/*.c)))
PROGDIRS  := $(filter-out lib,$(notdir $(patsubst %/,%,$(wildcard src/*/))))
PROGS     := $(sort $(PROG1) $(PROGDIRS))
BINS      := $(PROGS:%=$(BUILD)/bin/%)

UNIT_SRC  := $(wildcard tests/unit/t_*.c)
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
REPLAYS   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)

.PHONY: all it setup check test unit fuzz-replay fuzz lint format clean \
	deps test-deps
all it: $(BINS)

$(BUILD)/obj/auto/%.o: $(BUILD)/auto/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libqmail.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libauto.a: $(AUTO_OBJ)
	@rm -f $@
	ar rcs $@ $^

LINKLIBS := $(SANOBJ) $(BUILD)/libqmail.a $(BUILD)/libauto.a

$(BUILD)/bin/%: $(BUILD)/obj/%.o $(LINKLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LINKLIBS) $(LIBS)

define progdir
$(BUILD)/bin/$(1): $(patsubst src/%.c,$(BUILD)/obj/%.o,$(wildcard src/$(1)/*.c)) $(LINKLIBS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(ALL_LDFLAGS) -o $$@ $$(filter-out $$(SANOBJ),$$(filter %.o,$$^)) $$(LINKLIBS) $$(LIBS)
endef
$(foreach d,$(PROGDIRS),$(eval $(call progdir,$(d))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LINKLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LINKLIBS) $(LIBS)

$(BUILD)/fuzz/replay_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o \
		$(BUILD)/obj/tests/fuzz/replay_main.o $(LINKLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter-out $(SANOBJ),$(filter %.o,$^)) $(LINKLIBS) $(LIBS)

# make setup: install into conf-qmail (root). make check: verify it.
setup: all
	sh scripts/setup "$(BUILD)" "$(QMAILHOME)" "$(QUEUEDIR)" "$(SPLIT)"
# `make setup check` must verify what setup installed, even under -j
ifneq ($(filter setup,$(MAKECMDGOALS)),)
check: setup
endif
check:
	sh scripts/instcheck "$(QMAILHOME)" "$(QUEUEDIR)" "$(SPLIT)"

unit: $(UNITS)
fuzz-replay: $(REPLAYS)
test: all unit fuzz-replay
	/usr/bin/python3 tests/run.py --build "$(BUILD)"

# libFuzzer builds for real fuzzing runs (clang only): make fuzz
fuzz:
	sh tests/fuzz/build-fuzzers "$(BUILD)/fuzzers"

deps:
	sh scripts/install-deps build
test-deps:
	sh scripts/install-deps test

lint:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|alloca|system)[[:space:]]*\(' \
	    src/*.c src/*/*.c || { echo "banned function used"; exit 1; }

format:
	clang-format -i src/*.c src/*/*.c src/lib/*.h tests/unit/*.c

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
