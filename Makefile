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
LDLIBS   += -lxxhash -lm
LDLIBS   += -lspf2 -lopendkim -lpsl -lcrypto -lresolv

# build/ holds the normal build; build/asan/ the same code with ASan+UBSan.
BUILD ?= build
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRCS = \
	lib/alerts.c \
	lib/alerts_exec.c \
	lib/authcheck.c \
	lib/authres.c \
	lib/bayes.c \
	lib/bayes_cache.c \
	lib/bayes_conf.c \
	lib/bayes_store.c \
	lib/config.c \
	lib/config_values.c \
	lib/daemon.c \
	lib/dkim.c \
	lib/dkimtable.c \
	lib/dmarc.c \
	lib/dnsres.c \
	lib/dnszone.c \
	lib/domains.c \
	lib/error.c \
	lib/facts.c \
	lib/greylist.c \
	lib/locks.c \
	lib/log.c \
	lib/loginmap.c \
	lib/mime.c \
	lib/mime_charset.c \
	lib/mime_codec.c \
	lib/mime_html.c \
	lib/netaddr.c \
	lib/postconf.c \
	lib/ratelimit.c \
	lib/ratelimit_call.c \
	lib/ratelimit_conf.c \
	lib/ratelimit_keys.c \
	lib/ratelimit_text.c \
	lib/ratelimit_usage.c \
	lib/redis_conf.c \
	lib/redis_sentinel.c \
	lib/redisconn.c \
	lib/relay.c \
	lib/rules_action.c \
	lib/rules_eval.c \
	lib/rules_expr.c \
	lib/rules_file.c \
	lib/rules_lex.c \
	lib/rules_limits.c \
	lib/rules_lists.c \
	lib/rules_parse.c \
	lib/snapshot.c \
	lib/sockdir.c \
	lib/spamheaders.c \
	lib/spf.c \
	lib/tokenize.c \
	lib/units.c

MILTER_SRCS = \
	milter/callbacks.c \
	milter/main.c \
	milter/milter_act.c \
	milter/milter_auth.c \
	milter/milter_bayes.c \
	milter/milter_ctx.c \
	milter/milter_hdr.c \
	milter/milter_limits.c \
	milter/milter_redis.c

POLICY_SRCS = \
	policy/decide.c \
	policy/limits.c \
	policy/listen.c \
	policy/main.c \
	policy/request.c \
	policy/server.c \
	policy/session.c

CTL_SRCS = \
	ctl/bayes_cmd.c \
	ctl/cmd_alerts.c \
	ctl/cmd_check.c \
	ctl/cmd_classify.c \
	ctl/cmd_dkim_keygen.c \
	ctl/cmd_learn.c \
	ctl/cmd_lock.c \
	ctl/cmd_postfix_setup.c \
	ctl/cmd_top.c \
	ctl/cmd_usage.c \
	ctl/limits_cmd.c \
	ctl/mailpath.c \
	ctl/vigiectl.c

UNIT_TESTS = \
	tests/unit/test_alerts \
	tests/unit/test_authcheck \
	tests/unit/test_authres \
	tests/unit/test_bayes \
	tests/unit/test_bayes_cache \
	tests/unit/test_bayes_conf \
	tests/unit/test_bayes_store \
	tests/unit/test_config \
	tests/unit/test_dkim \
	tests/unit/test_dmarc \
	tests/unit/test_dnsres \
	tests/unit/test_dnszone \
	tests/unit/test_domains \
	tests/unit/test_facts \
	tests/unit/test_greylist \
	tests/unit/test_loginmap \
	tests/unit/test_milter_redis \
	tests/unit/test_mime \
	tests/unit/test_netaddr \
	tests/unit/test_policy_request \
	tests/unit/test_ratelimit \
	tests/unit/test_ratelimit_conf \
	tests/unit/test_ratelimit_redis \
	tests/unit/test_redis_conf \
	tests/unit/test_redisconn \
	tests/unit/test_relay \
	tests/unit/test_rules_eval \
	tests/unit/test_rules_parse \
	tests/unit/test_sentinel \
	tests/unit/test_spamheaders \
	tests/unit/test_spf \
	tests/unit/test_tokenize \
	tests/unit/test_units

FUZZ_TARGETS = \
	tests/fuzz/fuzz_authhdr \
	tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_mime \
	tests/fuzz/fuzz_policy \
	tests/fuzz/fuzz_rules

BENCH_SRCS = \
	tests/bench/bench_corpus.c \
	tests/bench/milter_client.c \
	tests/bench/milter_load.c \
	tests/bench/milter_wire.c

PROGRAMS = $(BUILD)/vigie-milter $(BUILD)/vigie-policyd $(BUILD)/vigiectl

# Test-only programs the end-to-end tests run (never installed).
TEST_TOOLS = $(BUILD)/tests/tools/dns_txt_server

LIB_OBJS    = $(LIB_SRCS:%.c=$(BUILD)/%.o)
MILTER_OBJS = $(MILTER_SRCS:%.c=$(BUILD)/%.o)
POLICY_OBJS = $(POLICY_SRCS:%.c=$(BUILD)/%.o)
CTL_OBJS    = $(CTL_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS   = $(UNIT_TESTS:%=$(BUILD)/%)
BENCH_OBJS  = $(BENCH_SRCS:%.c=$(BUILD)/%.o)

.PHONY: all check unit unit-asan milter-test policy-test e2e fuzz bench demo install clean
.SUFFIXES:

all: $(PROGRAMS) $(TEST_TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -MMD -MP -c -o $@ $<

$(BUILD)/libvigie.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/vigie-milter: $(MILTER_OBJS) $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ -lmilter $(LDLIBS)

$(BUILD)/vigie-policyd: $(POLICY_OBJS) $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/vigiectl: $(CTL_OBJS) $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# Unit tests of milter/ modules that need no libmilter: the module before the library.
$(BUILD)/tests/unit/test_milter_redis.o: CPPFLAGS += -Imilter
$(BUILD)/tests/unit/test_milter_redis: $(BUILD)/tests/unit/test_milter_redis.o \
		$(BUILD)/milter/milter_redis.o $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# The policy protocol parser lives in policy/: its test and fuzz target take it from there.
$(BUILD)/tests/unit/test_policy_request.o: CPPFLAGS += -Ipolicy
$(BUILD)/tests/unit/test_policy_request: $(BUILD)/tests/unit/test_policy_request.o \
		$(BUILD)/policy/request.o $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# check: everything a change must pass; CI runs exactly this.
check: all
	@sh tests/check.sh $(BUILD) unit unit-asan milter-test policy-test e2e

unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

unit-asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 unit

# milter-test: vigie-milter driven by miltertest scripts (no Postfix).
milter-test: all
	@sh tests/milter/run.sh $(BUILD)

# policy-test: vigie-policyd against golden request/reply files (no Postfix).
policy-test: all $(BUILD)/tests/bench/policy_load
	@sh tests/policy/run.sh $(BUILD)

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

build/fuzz/fuzz_policy: tests/fuzz/fuzz_policy.c policy/request.c policy/request.h lib/error.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -Ipolicy $(FUZZ_FLAGS) $(WARNINGS) -o $@ $< policy/request.c lib/error.c

# milter_load: a Postfix-like milter client that replays the corpus.
$(BUILD)/tests/bench/milter_load: $(BENCH_OBJS) $(BUILD)/lib/error.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

# ratelimit_bench: the rate-limit check alone, against a private Redis.
$(BUILD)/tests/bench/ratelimit_bench: $(BUILD)/tests/bench/ratelimit_bench.o $(BUILD)/libvigie.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# policy_load: a Postfix-like client with many persistent policy connections.
$(BUILD)/tests/bench/policy_load: $(BUILD)/tests/bench/policy_load.o
	$(CC) $(LDFLAGS) -o $@ $^

bench: all $(BUILD)/tests/bench/milter_load $(BUILD)/tests/bench/ratelimit_bench \
		$(BUILD)/tests/bench/policy_load
	@sh tests/bench/run.sh $(BUILD)
	@sh tests/bench/bayes.sh $(BUILD)
	@sh tests/bench/ratelimit.sh $(BUILD)
	@sh tests/bench/policy.sh $(BUILD)

demo: all
	@sh contrib/demo.sh $(BUILD)

# eval: Bayes accuracy, trained on TRAIN, measured on TEST (each with ham/ and spam/).
# EVAL_HEADER_TOKENS=none|basic|all: the header fields that give tokens (default all).
TRAIN ?= ../shared/corpus/train
TEST  ?= ../shared/corpus/test
.PHONY: eval
eval: all
	@sh tests/eval/run.sh $(BUILD) $(TRAIN) $(TEST)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/vigie $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/vigie-milter $(BUILD)/vigie-policyd $(BUILD)/vigiectl \
	    $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/vigie.conf.5 man/vigie.rules.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/vigie-milter.8 man/vigie-policyd.8 man/vigiectl.8 \
	    $(DESTDIR)$(MANDIR)/man8/
	test -e $(DESTDIR)$(SYSCONFDIR)/vigie/vigie.conf || \
	    install -m 0640 vigie.conf $(DESTDIR)$(SYSCONFDIR)/vigie/vigie.conf
	test -e $(DESTDIR)$(SYSCONFDIR)/vigie/vigie.rules || \
	    install -m 0644 rules/vigie.rules $(DESTDIR)$(SYSCONFDIR)/vigie/vigie.rules
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/vigie-milter.service.in > $(DESTDIR)$(UNITDIR)/vigie-milter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vigie-milter.service
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/vigie-policyd.service.in > $(DESTDIR)$(UNITDIR)/vigie-policyd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vigie-policyd.service

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
