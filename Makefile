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

# Static musl builds of the programs exec'd for every message, and of
# bin/qmail-local, which admins and scripts run by hand (qmail-lspawn runs
# its code in process) (doc/PERFORMANCE.md): glibc's
# start-up costs ~1 ms of CPU per exec on a
# VM that traps CPUID, a static musl binary ~0.2 ms. They link only
# libqmail code that needs no OpenSSL, libidn2, tinycdb or libresolv.
# Used when musl-gcc (Debian musl-tools) is found, never with SAN=1 (the
# sanitizers need glibc); MUSL=0 turns it off; without musl-gcc these
# programs are built with $(CC) like the others. qmail-getpw stays on
# glibc: it must see every user NSS knows (musl reads only /etc/passwd).
# qmail-smtpd's musl build is its plain build (SMTPD_PLAIN, no OpenSSL or
# libidn2): it hands TLS sessions to bin/qmail-smtpd-tls, the full build
# (src/qmail-smtpd/handoff.c); without musl both are the full build.
MUSL_PROGS := qmail-queue qmail-queued qmail-local qmail-clean qmail-inject sendmail \
	      qmail-smtpd
MUSL       ?= 1
MUSLGCC    := $(if $(filter 1,$(MUSL)),$(if $(filter 1,$(SAN)),,$(shell command -v musl-gcc 2>/dev/null)))
# musl-gcc's specs cannot link a static PIE; the compiler driver can,
# given musl's start files and libc.a (-nostdlib): ASLR for the image of
# the setuid qmail-queue as for every other program. A musl-gcc whose
# files are not where its wrapper says is not used.
ifneq ($(MUSLGCC),)
MUSL_LIBDIR := $(shell sed -n 's/.*-specs "\(.*\)\/musl-gcc.specs".*/\1/p' $(MUSLGCC))
MUSL_LD     ?= $(or $(shell sed -n 's/.*REALGCC:-\([^}]*\)}.*/\1/p' $(MUSLGCC)),cc)
ifeq ($(wildcard $(MUSL_LIBDIR)/rcrt1.o $(MUSL_LIBDIR)/libc.a),)
MUSLGCC :=
endif
endif
ifneq ($(MUSLGCC),)
MUSL_CFLAGS := $(CFLAGS) $(WARN) -fstack-protector-strong -fPIE
MUSL_START  := $(MUSL_LIBDIR)/rcrt1.o $(MUSL_LIBDIR)/crti.o \
	       $(shell $(MUSL_LD) -print-file-name=crtbeginS.o)
MUSL_END    := $(MUSL_LIBDIR)/libc.a $(shell $(MUSL_LD) -print-libgcc-file-name) \
	       $(MUSL_LIBDIR)/libc.a $(shell $(MUSL_LD) -print-file-name=crtendS.o) \
	       $(MUSL_LIBDIR)/crtn.o
# library modules that wrap a glibc-only library stay out of the musl archive
MUSL_LIB_SRC := $(filter-out $(shell grep -lE '^\#include <(openssl|idn2|cdb|resolv|arpa/nameser)' $(LIB_SRC)),$(LIB_SRC))
MUSL_LIBS := $(BUILD)/musl/libqmail.a $(BUILD)/musl/libauto.a

$(BUILD)/musl/obj/auto/%.o: $(BUILD)/auto/%.c
	@mkdir -p $(dir $@)
	$(MUSLGCC) $(ALL_CPPFLAGS) $(MUSL_CFLAGS) -c -o $@ $<

$(BUILD)/musl/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(MUSLGCC) $(ALL_CPPFLAGS) $(MUSL_DEFS) $(MUSL_CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/musl/obj/qmail-smtpd/%.o: MUSL_DEFS := -DSMTPD_PLAIN

$(BUILD)/musl/libqmail.a: $(MUSL_LIB_SRC:src/%.c=$(BUILD)/musl/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/musl/libauto.a: $(AUTO_NAMES:%=$(BUILD)/musl/obj/auto/%.o)
	@rm -f $@
	ar rcs $@ $^

define muslprog
$(BUILD)/bin/$(1): $(patsubst src/%.c,$(BUILD)/musl/obj/%.o,$(wildcard src/$(1).c src/$(1)/*.c)) $(MUSL_LIBS)
	@mkdir -p $$(dir $$@)
	$$(MUSL_LD) -nostdlib -static-pie -Wl,-z,relro,-z,now $$(LDFLAGS) -o $$@ \
	    $$(MUSL_START) $$(filter %.o,$$^) $$(MUSL_LIBS) $$(MUSL_END)
endef
$(foreach p,$(MUSL_PROGS),$(eval $(call muslprog,$(p))))
else
MUSL_PROGS :=
endif

$(BUILD)/bin/%: $(BUILD)/obj/%.o $(LINKLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LINKLIBS) $(LIBS)

define progdir
$(BUILD)/bin/$(1): $(patsubst src/%.c,$(BUILD)/obj/%.o,$(wildcard src/$(1)/*.c)) $(LINKLIBS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(ALL_LDFLAGS) -o $$@ $$(filter-out $$(SANOBJ),$$(filter %.o,$$^)) $$(LINKLIBS) $$(LIBS)
endef
$(foreach d,$(filter-out $(MUSL_PROGS),$(PROGDIRS)),$(eval $(call progdir,$(d))))

# qmail-rspawn runs qmail-remote's code in a forked child, without an
# exec (doc/PERFORMANCE.md "Relay without exec"): it links every
# qmail-remote object but the program's main()
REMOTE_CORE := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(filter-out src/qmail-remote/program.c,$(wildcard src/qmail-remote/*.c)))
$(BUILD)/bin/qmail-rspawn: $(BUILD)/obj/qmail-rspawn.o $(REMOTE_CORE) $(LINKLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter-out $(SANOBJ),$(filter %.o,$^)) $(LINKLIBS) $(LIBS)

# the full qmail-smtpd (OpenSSL, libidn2): SMTPS, and STARTTLS sessions
# that the plain build hands over
all it: $(BUILD)/bin/qmail-smtpd-tls
$(BUILD)/bin/qmail-smtpd-tls: $(patsubst src/%.c,$(BUILD)/obj/%.o,$(wildcard src/qmail-smtpd/*.c)) $(LINKLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter-out $(SANOBJ),$(filter %.o,$^)) $(LINKLIBS) $(LIBS)

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

-include $(shell find $(BUILD)/obj $(BUILD)/musl/obj -name '*.d' 2>/dev/null)
