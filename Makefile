# vigie - antispam and relay-policy filter for Postfix
#
# Targets: all check unit e2e fuzz bench demo install clean
# Variables: PREFIX DESTDIR CC CFLAGS; CI=true turns warnings into errors.

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
DESTDIR    ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
ifeq ($(CI),true)
WARNINGS += -Werror
endif
CPPFLAGS += -Ilib -Ictl -D_GNU_SOURCE
LDLIBS   += -lpcre2-8 -lhiredis -lpthread

# build/ holds the normal build; build/asan/ the same code with ASan+UBSan.
BUILD ?= build
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRCS = \
	lib/config.c \
	lib/domains.c \
	lib/error.c \
	lib/facts.c \
	lib/log.c \
	lib/loginmap.c \
	lib/netaddr.c \
	lib/postconf.c \
	lib/relay.c \
	lib/rules_action.c \
	lib/rules_eval.c \
	lib/rules_expr.c \
	lib/rules_file.c \
	lib/rules_lex.c \
	lib/rules_lists.c \
	lib/rules_parse.c \
	lib/snapshot.c \
	lib/sockdir.c \
	lib/spamheaders.c

MILTER_SRCS = \
	milter/callbacks.c \
	milter/main.c \
	milter/milter_act.c \
	milter/milter_ctx.c

CTL_SRCS = \
	ctl/cmd_check.c \
	ctl/cmd_postfix_setup.c \
	ctl/vigiectl.c

UNIT_TESTS = \
	tests/unit/test_config \
	tests/unit/test_domains \
	tests/unit/test_loginmap \
	tests/unit/test_netaddr \
	tests/unit/test_relay \
	tests/unit/test_rules_eval \
	tests/unit/test_rules_parse \
	tests/unit/test_spamheaders

FUZZ_TARGETS = \
	tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_rules

BENCH_SRCS = \
	tests/bench/bench_corpus.c \
	tests/bench/milter_client.c \
	tests/bench/milter_load.c \
	tests/bench/milter_wire.c

PROGRAMS = $(BUILD)/vigie-milter $(BUILD)/vigiectl

LIB_OBJS    = $(LIB_SRCS:%.c=$(BUILD)/%.o)
MILTER_OBJS = $(MILTER_SRCS:%.c=$(BUILD)/%.o)
CTL_OBJS    = $(CTL_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS   = $(UNIT_TESTS:%=$(BUILD)/%)
BENCH_OBJS  = $(BENCH_SRCS:%.c=$(BUILD)/%.o)

.PHONY: all check unit unit-asan milter-test e2e fuzz bench demo install clean
.SUFFIXES:

all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -MMD -MP -c -o $@ $<

$(BUILD)/libvigie.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/vigie-milter: $(MILTER_OBJS) $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ -lmilter $(LDLIBS)

$(BUILD)/vigiectl: $(CTL_OBJS) $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# check: everything a change must pass; CI runs exactly this.
check: all unit unit-asan milter-test e2e

unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

unit-asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 unit

# milter-test: vigie-milter driven by miltertest scripts (no Postfix).
milter-test: all
	@sh tests/milter/run.sh $(BUILD)

e2e: all
	@sh tests/e2e/run.sh $(BUILD)

# fuzz: each target for FUZZ_SECONDS (libFuzzer, clang).
FUZZ_SECONDS ?= 60
fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# build/fuzz/fuzz_NAME: tests/fuzz/fuzz_NAME.c with all of lib/, clang libFuzzer.
FUZZ_CC    ?= clang
FUZZ_FLAGS  = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) $(WARNINGS) -o $@ $< $(LIB_SRCS) $(LDLIBS)

# milter_load: a Postfix-like milter client that replays the corpus.
$(BUILD)/tests/bench/milter_load: $(BENCH_OBJS) $(BUILD)/lib/error.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

bench: all $(BUILD)/tests/bench/milter_load
	@sh tests/bench/run.sh $(BUILD)

demo: all
	@sh contrib/demo.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/vigie $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/vigie-milter $(BUILD)/vigiectl $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/vigie.conf.5 man/vigie.rules.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/vigie-milter.8 man/vigiectl.8 $(DESTDIR)$(MANDIR)/man8/
	test -e $(DESTDIR)$(SYSCONFDIR)/vigie/vigie.conf || \
	    install -m 0640 vigie.conf $(DESTDIR)$(SYSCONFDIR)/vigie/vigie.conf
	test -e $(DESTDIR)$(SYSCONFDIR)/vigie/vigie.rules || \
	    install -m 0644 rules/vigie.rules $(DESTDIR)$(SYSCONFDIR)/vigie/vigie.rules
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/vigie-milter.service.in > $(DESTDIR)$(UNITDIR)/vigie-milter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vigie-milter.service

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
