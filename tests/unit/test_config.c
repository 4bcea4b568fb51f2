/*
 * NAME
 *	test_config - unit tests for lib/config.c and lib/postconf.c
 * DESCRIPTION
 *	Defaults, every key type, every error message, relative paths,
 *	config_dump, and the Postfix import through a fake postconf
 *	script named by $VIGIE_POSTCONF in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "postconf.h"

#define CONF "/etc/vigie/vigie.conf"

static char tmpdir[64];

/* tmp_path - a name inside the temporary directory (static buffer) */
static const char *tmp_path(const char *name)
{
    static char buf[4][256];
    static unsigned next;
    char *path = buf[next++ % 4];

    snprintf(path, sizeof(buf[0]), "%s/%s", tmpdir, name);
    return path;
}

/* write_file - create a file in the temporary directory */
static const char *write_file(const char *name, const char *text, mode_t mode)
{
    const char *path = tmp_path(name);
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

/* fake_postconf - a postconf(1) stand-in: checks its arguments, runs body */
static void fake_postconf(const char *body)
{
    char script[4096];

    snprintf(script, sizeof(script),
             "#!/bin/sh\n"
             "[ \"$*\" = \"-hx mydestination virtual_mailbox_domains relay_domains mynetworks\" ]"
             " || exit 99\n%s", body);
    assert_int_equal(setenv(POSTCONF_ENV, write_file("postconf", script, 0755), 1), 0);
}

/* parse - config_parse of text as CONF, without postconf */
static struct vigie_config *parse(const char *text, struct vigie_error *err)
{
    return config_parse(CONF, text, strlen(text), false, err);
}

/* expect_error - text must fail with exactly message */
static void expect_error(const char *text, const char *message)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config = parse(text, &err);

    if (config != NULL)
        fail_msg("accepted: %s", text);
    assert_string_equal(err.msg, message);
}

/* expect_bad_value - "key = value" must fail at line 1 with why */
static void expect_bad_value(const char *key, const char *value, const char *why)
{
    char text[512];
    char message[1024];

    snprintf(text, sizeof(text), "%s = %s\n", key, value);
    snprintf(message, sizeof(message), CONF ":1: bad value for %s: \"%s\": %s", key, value, why);
    expect_error(text, message);
}

/* setup - a fresh temporary directory */
static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

/* teardown - remove the temporary directory and what is in it */
static int teardown(void **state)
{
    static const char *const names[] = {
        "postconf", "relay_list", "nets", "loop", "vigie.conf", "big.conf",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unlink(tmp_path(names[i]));
    unsetenv(POSTCONF_ENV);
    return rmdir(tmpdir);
}

/* test_defaults - an empty file gives every default */
static void test_defaults(void **state)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config = parse("", &err);
    char host[256] = "";

    (void)state;
    assert_non_null(config);
    assert_string_equal(config->path, CONF);
    assert_string_equal(config->milter_socket, "unix:/var/spool/postfix/vigie/milter.sock");
    assert_string_equal(config->policy_socket, "unix:/var/spool/postfix/vigie/policy.sock");
    assert_int_equal(config->socket_mode, 0660);
    assert_string_equal(config->user, "vigie");
    assert_string_equal(config->group, "");
    assert_string_equal(config->pid_file, "");
    assert_string_equal(config->rules_file, "/etc/vigie/vigie.rules");
    assert_string_equal(config->sender_login_maps, "");
    assert_int_equal(config->log_level, LOG_LEVEL_INFO);
    assert_int_equal(config->syslog_facility, LOG_MAIL);
    assert_string_equal(config->log_file, "");
    assert_string_equal(config->redis_address, "127.0.0.1:6379");
    assert_string_equal(config->redis_password, "");
    assert_int_equal(config->redis_connect_timeout_ms, 500);
    assert_int_equal(config->redis_timeout_ms, 250);
    assert_string_equal(config->redis_prefix, "vigie:");
    assert_int_equal(config->fail_policy, FAIL_ACCEPT);
    assert_int_equal(config->local_domains.count, 0);
    assert_int_equal(config->trusted_networks.count, 0);
    assert_false(config->local_domains_from_postfix);
    assert_false(config->trusted_networks_from_postfix);
    assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
    assert_string_equal(config->authserv_id, host);
    assert_int_equal(config->dns_timeout_ms, 5000);
    assert_string_equal(config->dns_nameserver, "");
    assert_string_equal(config->dns_zone_file, "");
    assert_true(config->spf_enable);
    assert_false(config->received_spf_header);
    assert_true(config->dkim_verify);
    assert_string_equal(config->dkim_signing_table, "");
    assert_string_equal(config->dkim_key_file, "");
    assert_int_equal(config->dkim_max_signatures, 5);
    assert_int_equal(config->dkim_min_key_bits, 1024);
    assert_true(config->dmarc_enable);
    assert_string_equal(config->public_suffix_list,
                        "/usr/share/publicsuffix/public_suffix_list.dat");
    assert_int_equal(config->dmarc_quarantine, DMARC_QUARANTINE_HOLD);
    assert_true(config->bayes_enable);
    assert_true(config->bayes_robs == 1.0);
    assert_true(config->bayes_robx == 0.6);
    assert_true(config->bayes_min_dev == 0.45);
    assert_int_equal(config->bayes_max_tokens, 150);
    assert_true(config->bayes_spam_cutoff == 0.8);
    assert_true(config->bayes_ham_cutoff == 0.2);
    assert_int_equal(config->bayes_min_learned, 200);
    assert_int_equal(config->bayes_token_ttl, 180 * 86400);
    assert_int_equal(config->bayes_token_keep, 3);
    assert_int_equal(config->bayes_cache_tokens, 65536);
    assert_int_equal(config->bayes_cache_ttl, 300);
    assert_int_equal(config->bayes_header_tokens, BAYES_HEADERS_ALL);
    assert_true(config->bayes_word_pairs);
    assert_int_equal(config->bayes_max_bytes, 512 * 1024);
    assert_int_equal(config->bayes_per_user, BAYES_PER_USER_OFF);
    assert_false(config->bayes_autolearn);
    assert_true(config->bayes_autolearn_spam_score == 12.0);
    assert_true(config->bayes_autolearn_ham_score == 0.1);
    assert_true(config->bayes_autolearn_agree == 0.99);
    config_free(config);
    config_free(NULL);
}

/* test_every_key - one value of each type, with the syntax's freedoms */
static void test_every_key(void **state)
{
    static const char text[] =
        "# a comment\n"
        "   # an indented comment\n"
        "\n"
        "milter_socket = inet:8891@127.0.0.1\n"
        "policy_socket=unix:/var/spool/postfix/private/vigie\n"
        "  socket_mode   =   750  \n"
        "user = mail\r\n"
        "group = postfix\n"
        "pid_file = /run/vigie.pid\n"
        "rules_file = /srv/vigie.rules\n"
        "sender_login_maps = /etc/postfix/logins\n"
        "log_level = DEBUG\n"
        "syslog_facility = local3\n"
        "log_file = -\n"
        "redis_address = [::1]:6380\n"
        "redis_password = s3cret # not a comment\n"
        "redis_connect_timeout = 2s\n"
        "redis_timeout = 75\n"
        "redis_prefix =\n"
        "fail_policy = tempfail\n"
        "local_domains = example.org, .example.net\tEXAMPLE.com.\n"
        "trusted_networks = 192.0.2.0/24,[2001:db8::]/32 10.1.2.3\n"
        "authserv_id = mx.example.org\n"
        "dns_timeout = 1500ms\n"
        "dns_nameserver = 192.0.2.53\n"
        "dns_zone_file = /etc/vigie/test.zone\n"
        "spf_enable = no\n"
        "received_spf_header = YES\n"
        "dkim_verify = off\n"
        "dkim_signing_table = /etc/vigie/dkim/signing.table\n"
        "dkim_key_file = /etc/vigie/dkim/keys\n"
        "dkim_max_signatures = 8\n"
        "dkim_min_key_bits = 2048\n"
        "dmarc_enable = false\n"
        "public_suffix_list = /srv/psl.dat\n"
        "dmarc_quarantine = Score\n"
        "bayes_enable = no\n"
        "bayes_robs = 0.5\n"
        "bayes_robx = .52\n"
        "bayes_min_dev = 0\n"
        "bayes_max_tokens = 0\n"
        "bayes_spam_cutoff = 1\n"
        "bayes_ham_cutoff = 1.0\n"
        "bayes_min_learned = 1000\n"
        "bayes_token_ttl = 0\n"
        "bayes_token_keep = 1\n"
        "bayes_cache_tokens = 0\n"
        "bayes_cache_ttl = 10m\n"
        "bayes_header_tokens = None\n"
        "bayes_word_pairs = no\n"
        "bayes_max_bytes = 2M\n"
        "bayes_per_user = recipient\n"
        "bayes_autolearn = yes\n"
        "bayes_autolearn_spam_score = -2.5\n"
        "bayes_autolearn_ham_score = -3\n"
        "bayes_autolearn_agree = 1";
    struct vigie_error err = {{0}};
    struct vigie_config *config = parse(text, &err);
    struct netaddr addr;

    (void)state;
    if (config == NULL)
        fail_msg("%s", err.msg);
    assert_string_equal(config->milter_socket, "inet:8891@127.0.0.1");
    assert_string_equal(config->policy_socket, "unix:/var/spool/postfix/private/vigie");
    assert_int_equal(config->socket_mode, 0750);
    assert_string_equal(config->user, "mail");
    assert_string_equal(config->group, "postfix");
    assert_string_equal(config->pid_file, "/run/vigie.pid");
    assert_string_equal(config->rules_file, "/srv/vigie.rules");
    assert_string_equal(config->sender_login_maps, "/etc/postfix/logins");
    assert_int_equal(config->log_level, LOG_LEVEL_DEBUG);
    assert_int_equal(config->syslog_facility, LOG_LOCAL3);
    assert_string_equal(config->log_file, "-");
    assert_string_equal(config->redis_address, "[::1]:6380");
    assert_string_equal(config->redis_password, "s3cret # not a comment");
    assert_int_equal(config->redis_connect_timeout_ms, 2000);
    assert_int_equal(config->redis_timeout_ms, 75);
    assert_string_equal(config->redis_prefix, "");
    assert_int_equal(config->fail_policy, FAIL_TEMPFAIL);
    assert_int_equal(config->local_domains.count, 3);
    assert_true(domainset_contains(&config->local_domains, "example.com"));
    assert_true(domainset_contains(&config->local_domains, "mx.example.net"));
    assert_false(domainset_contains(&config->local_domains, "example.net"));
    assert_int_equal(config->trusted_networks.count, 3);
    assert_int_equal(netaddr_parse("::ffff:192.0.2.9", &addr), 0);
    assert_true(netlist_contains(&config->trusted_networks, &addr));
    assert_int_equal(netaddr_parse("2001:db8:1::1", &addr), 0);
    assert_true(netlist_contains(&config->trusted_networks, &addr));
    assert_int_equal(netaddr_parse("10.1.2.4", &addr), 0);
    assert_false(netlist_contains(&config->trusted_networks, &addr));
    assert_string_equal(config->authserv_id, "mx.example.org");
    assert_int_equal(config->dns_timeout_ms, 1500);
    assert_string_equal(config->dns_nameserver, "192.0.2.53");
    assert_string_equal(config->dns_zone_file, "/etc/vigie/test.zone");
    assert_false(config->spf_enable);
    assert_true(config->received_spf_header);
    assert_false(config->dkim_verify);
    assert_string_equal(config->dkim_signing_table, "/etc/vigie/dkim/signing.table");
    assert_string_equal(config->dkim_key_file, "/etc/vigie/dkim/keys");
    assert_int_equal(config->dkim_max_signatures, 8);
    assert_int_equal(config->dkim_min_key_bits, 2048);
    assert_false(config->dmarc_enable);
    assert_string_equal(config->public_suffix_list, "/srv/psl.dat");
    assert_int_equal(config->dmarc_quarantine, DMARC_QUARANTINE_SCORE);
    assert_false(config->bayes_enable);
    assert_true(config->bayes_robs == 0.5);
    assert_true(config->bayes_robx == 0.52);
    assert_true(config->bayes_min_dev == 0.0);
    assert_int_equal(config->bayes_max_tokens, 0);
    assert_true(config->bayes_spam_cutoff == 1.0);
    assert_true(config->bayes_ham_cutoff == 1.0);
    assert_int_equal(config->bayes_min_learned, 1000);
    assert_int_equal(config->bayes_token_ttl, 0);
    assert_int_equal(config->bayes_token_keep, 1);
    assert_int_equal(config->bayes_cache_tokens, 0);
    assert_int_equal(config->bayes_cache_ttl, 600);
    assert_int_equal(config->bayes_header_tokens, BAYES_HEADERS_NONE);
    assert_false(config->bayes_word_pairs);
    assert_int_equal(config->bayes_max_bytes, 2 * 1024 * 1024);
    assert_int_equal(config->bayes_per_user, BAYES_PER_USER_RECIPIENT);
    assert_true(config->bayes_autolearn);
    assert_true(config->bayes_autolearn_spam_score == -2.5);
    assert_true(config->bayes_autolearn_ham_score == -3.0);
    assert_true(config->bayes_autolearn_agree == 1.0);
    config_free(config);
}

/* test_other_values - the remaining accepted forms of each type */
static void test_other_values(void **state)
{
    static const char text[] =
        "milter_socket = inet:1@localhost\n"
        "policy_socket = inet:65535@mail.example.org\n"
        "socket_mode = 0\n"
        "log_level = warning\n"
        "syslog_facility = DAEMON\n"
        "redis_address = unix:/run/redis/redis.sock\n"
        "redis_connect_timeout = 600s\n"
        "redis_timeout = 1ms\n"
        "fail_policy = Accept\n"
        "local_domains =\n"
        "trusted_networks = ,\n"
        "dns_nameserver = 127.0.0.1:5353\n"
        "spf_enable = On\n"
        "received_spf_header = true\n"
        "dkim_verify = yes\n"
        "dkim_max_signatures = 1\n"
        "dkim_min_key_bits = 16384\n"
        "dmarc_enable = TRUE\n"
        "dmarc_quarantine = hold\n"
        "bayes_token_ttl = 2w\n"
        "bayes_cache_ttl = 90\n"
        "bayes_header_tokens = basic\n"
        "bayes_max_bytes = 1G\n"
        "bayes_per_user = DOMAIN\n"
        "bayes_autolearn_spam_score = +20\n";
    struct vigie_error err = {{0}};
    struct vigie_config *config = parse(text, &err);

    (void)state;
    if (config == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(config->socket_mode, 0);
    assert_int_equal(config->log_level, LOG_LEVEL_WARN);
    assert_int_equal(config->syslog_facility, LOG_DAEMON);
    assert_string_equal(config->redis_address, "unix:/run/redis/redis.sock");
    assert_int_equal(config->redis_connect_timeout_ms, 600000);
    assert_int_equal(config->redis_timeout_ms, 1);
    assert_int_equal(config->fail_policy, FAIL_ACCEPT);
    assert_int_equal(config->local_domains.count, 0);
    assert_int_equal(config->trusted_networks.count, 0);
    assert_string_equal(config->dns_nameserver, "127.0.0.1:5353");
    assert_true(config->spf_enable);
    assert_true(config->received_spf_header);
    assert_true(config->dkim_verify);
    assert_int_equal(config->dkim_max_signatures, 1);
    assert_int_equal(config->dkim_min_key_bits, 16384);
    assert_true(config->dmarc_enable);
    assert_int_equal(config->dmarc_quarantine, DMARC_QUARANTINE_HOLD);
    assert_int_equal(config->bayes_token_ttl, 14 * 86400);
    assert_int_equal(config->bayes_cache_ttl, 90);
    assert_int_equal(config->bayes_header_tokens, BAYES_HEADERS_BASIC);
    assert_int_equal(config->bayes_max_bytes, 1024 * 1024 * 1024);
    assert_int_equal(config->bayes_per_user, BAYES_PER_USER_DOMAIN);
    assert_true(config->bayes_autolearn_spam_score == 20.0);
    config_free(config);

    /* Sizes and durations in every unit. */
    static const struct {
        const char *text;
        size_t bytes;
        unsigned seconds;
    } units[] = {
        {"bayes_max_bytes = 0\nbayes_token_ttl = 0s\n", 0, 0},
        {"bayes_max_bytes = 100\nbayes_token_ttl = 100\n", 100, 100},
        {"bayes_max_bytes = 3k\nbayes_token_ttl = 3m\n", 3 * 1024, 180},
        {"bayes_max_bytes = 3K\nbayes_token_ttl = 3h\n", 3 * 1024, 3 * 3600},
        {"bayes_max_bytes = 3m\nbayes_token_ttl = 3d\n", 3 << 20, 3 * 86400},
        {"bayes_max_bytes = 1g\nbayes_token_ttl = 3650d\n", 1 << 30, 3650 * 86400},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        config = parse(units[i].text, &err);
        if (config == NULL)
            fail_msg("%s", err.msg);
        assert_int_equal(config->bayes_max_bytes, units[i].bytes);
        assert_int_equal(config->bayes_token_ttl, units[i].seconds);
        config_free(config);
    }
}

/* test_bayes_relations - cutoffs and autolearn scores must be in order */
static void test_bayes_relations(void **state)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config;

    (void)state;
    expect_error("bayes_spam_cutoff = 0.8\nbayes_ham_cutoff = 0.81\n",
                 CONF ": bayes_ham_cutoff (0.81) must not be above bayes_spam_cutoff (0.8)");
    expect_error("bayes_ham_cutoff = 0.95\n",
                 CONF ": bayes_ham_cutoff (0.95) must not be above bayes_spam_cutoff (0.8)");
    expect_error("bayes_autolearn_ham_score = 12\n",
                 CONF ": bayes_autolearn_ham_score (12) must be below"
                 " bayes_autolearn_spam_score (12)");
    expect_error("bayes_autolearn_spam_score = -1\n",
                 CONF ": bayes_autolearn_ham_score (0.1) must be below"
                 " bayes_autolearn_spam_score (-1)");
    /* Equal cutoffs leave no unsure band: allowed. */
    config = parse("bayes_spam_cutoff = 0.5\nbayes_ham_cutoff = 0.5\n", &err);
    if (config == NULL)
        fail_msg("%s", err.msg);
    config_free(config);
}

/* test_policy_keys - vigie-policyd's keys: defaults, values, errors */
static void test_policy_keys(void **state)
{
    static const char text[] =
        "policy_socket_group = postfix\n"
        "policy_threads = 16\n"
        "policy_max_connections = 5000\n"
        "policy_idle_timeout = 5m\n"
        "policy_max_request = 64k\n"
        "policy_max_attributes = 32\n"
        "policy_spf = yes\n"
        "ratelimit_counter = PolicyD\n"
        "greylist_enable = on\n"
        "greylist_delay = 90\n"
        "greylist_retry_window = 4h\n"
        "greylist_expiry = 1w\n"
        "greylist_auto_allow = 0\n";
    struct vigie_error err = {{0}};
    struct vigie_config *config = parse("", &err);

    (void)state;
    assert_non_null(config);
    assert_string_equal(config->policy_socket_group, "");
    assert_int_equal(config->policy_threads, 4);
    assert_int_equal(config->policy_max_connections, 1000);
    assert_int_equal(config->policy_idle_timeout, 600);
    assert_int_equal(config->policy_max_request, 16384);
    assert_int_equal(config->policy_max_attributes, 100);
    assert_false(config->policy_spf);
    assert_int_equal(config->ratelimit_counter, RATELIMIT_COUNTER_MILTER);
    assert_false(config->greylist_enable);
    assert_int_equal(config->greylist_delay, 300);
    assert_int_equal(config->greylist_retry_window, 2 * 86400);
    assert_int_equal(config->greylist_expiry, 35 * 86400);
    assert_int_equal(config->greylist_auto_allow, 5);
    config_free(config);

    config = parse(text, &err);
    if (config == NULL)
        fail_msg("%s", err.msg);
    assert_string_equal(config->policy_socket_group, "postfix");
    assert_int_equal(config->policy_threads, 16);
    assert_int_equal(config->policy_max_connections, 5000);
    assert_int_equal(config->policy_idle_timeout, 300);
    assert_int_equal(config->policy_max_request, 65536);
    assert_int_equal(config->policy_max_attributes, 32);
    assert_true(config->policy_spf);
    assert_int_equal(config->ratelimit_counter, RATELIMIT_COUNTER_POLICYD);
    assert_true(config->greylist_enable);
    assert_int_equal(config->greylist_delay, 90);
    assert_int_equal(config->greylist_retry_window, 4 * 3600);
    assert_int_equal(config->greylist_expiry, 7 * 86400);
    assert_int_equal(config->greylist_auto_allow, 0);
    config_free(config);

    expect_bad_value("ratelimit_counter", "both", "expected milter or policyd");
    expect_bad_value("policy_threads", "0", "must be between 1 and 64");
    expect_bad_value("policy_max_attributes", "31", "must be between 32 and 10000");
    expect_bad_value("policy_max_connections", "100001", "must be between 1 and 100000");
    expect_bad_value("policy_spf", "maybe", "expected yes or no");
    expect_error("greylist_delay = 1h\ngreylist_retry_window = 1h\n",
                 CONF ": greylist_retry_window (3600s) must be longer than"
                 " greylist_delay (3600s)");
    expect_error("greylist_retry_window = 60\n",
                 CONF ": greylist_retry_window (60s) must be longer than"
                 " greylist_delay (300s)");
}

/* test_limit_keys - rate limits, locks, alerts and Sentinel: defaults, values, errors */
static void test_limit_keys(void **state)
{
    static const char text[] =
        "redis_sentinels = 10.0.0.1:26379, [::1]:26380 sentinel.example:26379\n"
        "redis_sentinel_master = mymaster\n"
        "alert_command = /usr/local/bin/page-admin --urgent  mail\n"
        "alert_timeout = 2s\n"
        "alert_stream_maxlen = 10\n"
        "lock_default_expiry = 2h\n"
        "lock_reply = 451   4.7.10  \"Account paused: call 555-0100\"\n";
    struct vigie_error err = {{0}};
    struct vigie_config *config = parse("", &err);
    char big[1024];

    (void)state;
    assert_non_null(config);
    assert_string_equal(config->redis_sentinels, "");
    assert_string_equal(config->redis_sentinel_master, "");
    assert_string_equal(config->alert_command, "");
    assert_int_equal(config->alert_timeout_ms, 10000);
    assert_int_equal(config->alert_stream_maxlen, 10000);
    assert_int_equal(config->lock_default_expiry, 0);
    assert_string_equal(config->lock_reply.code, "550");
    assert_string_equal(config->lock_reply.status, "5.7.1");
    assert_string_equal(config->lock_reply.text,
                        "Account locked: contact your mail administrator");
    config_free(config);

    config = parse(text, &err);
    if (config == NULL)
        fail_msg("%s", err.msg);
    assert_string_equal(config->redis_sentinels,
                        "10.0.0.1:26379, [::1]:26380 sentinel.example:26379");
    assert_string_equal(config->redis_sentinel_master, "mymaster");
    assert_string_equal(config->alert_command, "/usr/local/bin/page-admin --urgent  mail");
    assert_int_equal(config->alert_timeout_ms, 2000);
    assert_int_equal(config->alert_stream_maxlen, 10);
    assert_int_equal(config->lock_default_expiry, 7200);
    assert_string_equal(config->lock_reply.code, "451");
    assert_string_equal(config->lock_reply.status, "4.7.10");
    assert_string_equal(config->lock_reply.text, "Account paused: call 555-0100");
    config_free(config);

    /* A text without quotes, a status code of three-digit parts. */
    config = parse("lock_reply = 554 5.123.456 Go away\n", &err);
    if (config == NULL)
        fail_msg("%s", err.msg);
    assert_string_equal(config->lock_reply.code, "554");
    assert_string_equal(config->lock_reply.status, "5.123.456");
    assert_string_equal(config->lock_reply.text, "Go away");
    config_free(config);

    expect_error("alert_command = mail -s alert root\n",
                 CONF ":1: alert_command: \"mail\" is not an absolute path (no shell runs it)");
    snprintf(big, sizeof(big), "alert_command = /bin/echo%s\n",
             " a a a a a a a a a a a a a a a a");
    expect_error(big, CONF ":1: alert_command: more than 16 words");
    expect_bad_value("alert_timeout", "1m", "expected a duration such as 500ms or 2s");
    expect_bad_value("alert_stream_maxlen", "9", "must be between 10 and 10000000");
    expect_bad_value("lock_default_expiry", "367d", "must be between 0 and 31622400");
    expect_bad_value("lock_reply", "250 2.0.0 Ok",
                     "expected a reply such as 550 5.7.1 Account locked");
    expect_bad_value("lock_reply", "55 5.7.1 Locked",
                     "expected a reply such as 550 5.7.1 Account locked");
    expect_bad_value("lock_reply", "5x0 5.7.1 Locked",
                     "expected a reply such as 550 5.7.1 Account locked");
    expect_bad_value("lock_reply", "Locked", "expected a reply such as 550 5.7.1 Account locked");
    expect_bad_value("lock_reply", "451 5.7.1 Locked",
                     "expected an enhanced status code of the reply code's class,"
                     " such as 550 5.7.1");
    expect_bad_value("lock_reply", "550 5.7 Locked",
                     "expected an enhanced status code of the reply code's class,"
                     " such as 550 5.7.1");
    expect_bad_value("lock_reply", "550 5..1 Locked",
                     "expected an enhanced status code of the reply code's class,"
                     " such as 550 5.7.1");
    expect_bad_value("lock_reply", "550 5.7.1000 Locked",
                     "expected an enhanced status code of the reply code's class,"
                     " such as 550 5.7.1");
    expect_bad_value("lock_reply", "550 5.7.1.2 Locked",
                     "expected an enhanced status code of the reply code's class,"
                     " such as 550 5.7.1");
    expect_bad_value("lock_reply", "550", "expected an enhanced status code of the reply"
                     " code's class, such as 550 5.7.1");
    expect_bad_value("lock_reply", "550 5.7.1", "the reply has no text");
    expect_bad_value("lock_reply", "550 5.7.1 \"\"", "the reply has no text");
    expect_error("redis_sentinels = 10.0.0.1:26379, sentinel.example\n",
                 CONF ":1: redis sentinel \"sentinel.example\": expected host:port or"
                 " [ipv6]:port");
    expect_error("redis_sentinels = 10.0.0.1:26379\n",
                 CONF ": redis_sentinels is set: redis_sentinel_master must name the master"
                 " the sentinels watch");
}

/* test_relative_paths - taken from the config file's directory */
static void test_relative_paths(void **state)
{
    static const char text[] =
        "rules_file = local.rules\n"
        "sender_login_maps = maps/logins\n"
        "pid_file = ../run/vigie.pid\n"
        "log_file = vigie.log\n"
        "dns_zone_file = test.zone\n"
        "dkim_signing_table = dkim/signing.table\n"
        "dkim_key_file = dkim/keys\n"
        "public_suffix_list = psl.dat\n";
    struct vigie_error err = {{0}};
    struct vigie_config *config;

    (void)state;
    config = config_parse("/etc/vigie/vigie.conf", text, strlen(text), false, &err);
    assert_non_null(config);
    assert_string_equal(config->rules_file, "/etc/vigie/local.rules");
    assert_string_equal(config->sender_login_maps, "/etc/vigie/maps/logins");
    assert_string_equal(config->pid_file, "/etc/vigie/../run/vigie.pid");
    assert_string_equal(config->log_file, "/etc/vigie/vigie.log");
    assert_string_equal(config->dns_zone_file, "/etc/vigie/test.zone");
    assert_string_equal(config->dkim_signing_table, "/etc/vigie/dkim/signing.table");
    assert_string_equal(config->dkim_key_file, "/etc/vigie/dkim/keys");
    assert_string_equal(config->public_suffix_list, "/etc/vigie/psl.dat");
    config_free(config);

    config = config_parse("/vigie.conf", text, strlen(text), false, &err);
    assert_non_null(config);
    assert_string_equal(config->rules_file, "/local.rules");
    config_free(config);

    config = config_parse("conf.d/vigie.conf", text, strlen(text), false, &err);
    assert_non_null(config);
    assert_string_equal(config->rules_file, "conf.d/local.rules");
    config_free(config);

    /* A name without a directory: the path stays relative to the same place. */
    config = config_parse("vigie.conf", text, strlen(text), false, &err);
    assert_non_null(config);
    assert_string_equal(config->rules_file, "local.rules");
    config_free(config);
}

/* test_syntax_errors - lines that are not "key = value" */
static void test_syntax_errors(void **state)
{
    (void)state;
    expect_error("user = a\nfoo = 1\n", CONF ":2: unknown key \"foo\"");
    expect_error("User = a\n", CONF ":1: unknown key \"User\"");
    expect_error("user = a\n\nuser = b\n", CONF ":3: key \"user\" given twice");
    expect_error("local_domains =\nlocal_domains = a.example\n",
                 CONF ":2: key \"local_domains\" given twice");
    expect_error("milter_socket\n", CONF ":1: expected \"key = value\"");
    expect_error("= unix:/x\n", CONF ":1: expected \"key = value\"");
    expect_error("milter socket = unix:/x\n", CONF ":1: expected \"key = value\"");
    expect_error("user = a\x01 b\n", CONF ":1: unexpected control character");
    expect_error("user = a\rb\n", CONF ":1: unexpected control character");
    expect_error("user = a\x7f\n", CONF ":1: unexpected control character");
    {
        static const char nul[] = "user = a\0b\n";
        struct vigie_error err = {{0}};

        assert_null(config_parse(CONF, nul, sizeof(nul) - 1, false, &err));
        assert_string_equal(err.msg, CONF ":1: unexpected control character");
    }
}

/* test_bad_values - every refusal of every type */
static void test_bad_values(void **state)
{
    static const char sock_why[] = "expected unix:/absolute/path or inet:port@host";
    static const char redis_why[] = "expected host:port, [ipv6]:port or unix:/absolute/path";
    static const char mode_why[] = "expected an octal mode such as 0660";
    static const char other_why[] = "others must get no access (at most 0770)";
    static const char msec_why[] = "expected a duration such as 500ms or 2s";
    static const char range_why[] = "must be between 1ms and 600s";
    char long_path[160];

    (void)state;
    memset(long_path, 'x', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';

    static const char *const bad_sockets[] = {
        "", "tcp:25@localhost", "unix:", "unix:run/x.sock", "inet:25", "inet:25@",
        "inet:@localhost", "inet:0@localhost", "inet:65536@localhost", "inet:x@localhost",
        "inet:25@bad host", "inet:25@[::1]", "inet:123456@localhost",
    };
    for (size_t i = 0; i < sizeof(bad_sockets) / sizeof(bad_sockets[0]); i++)
        expect_bad_value("milter_socket", bad_sockets[i], sock_why);
    {
        char value[200];

        snprintf(value, sizeof(value), "unix:%s", long_path);
        expect_bad_value("policy_socket", value, sock_why);
    }

    static const char *const bad_redis[] = {
        "", "localhost", "localhost:", "localhost:0", "[::1]", "[::1]6379", "[zz]:6379",
        "::1:6379", "unix:redis.sock", "bad host:6379",
    };
    for (size_t i = 0; i < sizeof(bad_redis) / sizeof(bad_redis[0]); i++)
        expect_bad_value("redis_address", bad_redis[i], redis_why);

    expect_bad_value("socket_mode", "", mode_why);
    expect_bad_value("socket_mode", "0o660", mode_why);
    expect_bad_value("socket_mode", "0680", mode_why);
    expect_bad_value("socket_mode", "01660", mode_why);
    expect_bad_value("socket_mode", "00660", mode_why);
    expect_bad_value("socket_mode", "-660", mode_why);
    expect_bad_value("socket_mode", "0666", other_why);
    expect_bad_value("socket_mode", "0664", other_why);
    expect_bad_value("socket_mode", "661", other_why);

    expect_bad_value("redis_timeout", "", msec_why);
    expect_bad_value("redis_timeout", "ms", msec_why);
    expect_bad_value("redis_timeout", "5 ms", msec_why);
    expect_bad_value("redis_timeout", "1m", msec_why);
    expect_bad_value("redis_timeout", "-5", msec_why);
    expect_bad_value("redis_timeout", "1234567890", msec_why);
    expect_bad_value("redis_connect_timeout", "0", range_why);
    expect_bad_value("redis_connect_timeout", "0s", range_why);
    expect_bad_value("redis_connect_timeout", "601s", range_why);
    expect_bad_value("redis_connect_timeout", "600001ms", range_why);

    expect_bad_value("log_level", "loud", "expected error, warn, info or debug");
    expect_bad_value("syslog_facility", "kern", "expected mail, daemon, user or local0 to local7");
    expect_bad_value("fail_policy", "reject", "expected accept or tempfail");
    expect_bad_value("fail_policy", "", "expected accept or tempfail");

    expect_bad_value("rules_file", "", "must not be empty");
    expect_bad_value("authserv_id", "", "not a host name");
    expect_bad_value("authserv_id", "mx.example.org; spf=pass", "not a host name");
    expect_bad_value("authserv_id", "mx..example.org", "not a host name");
    expect_bad_value("authserv_id", "-mx.example.org", "not a host name");
    expect_bad_value("authserv_id", "mx-.example.org", "not a host name");
    expect_bad_value("authserv_id", "mx.example-", "not a host name");
    expect_bad_value("authserv_id", "mx.exam/ple", "not a host name");
    expect_bad_value("authserv_id", ".", "not a host name");

    expect_error("local_domains = example.org, ex@mple.org\n",
                 CONF ":1: bad value for local_domains: \"ex@mple.org\": not a domain name");
    expect_error("local_domains = ..example.org\n",
                 CONF ":1: bad value for local_domains: \"..example.org\": not a domain name");
    expect_error("local_domains = .\n",
                 CONF ":1: bad value for local_domains: \".\": not a domain name");
    expect_error("trusted_networks = 10.0.0.0/8 10.0.0.0/33\n",
                 CONF ":1: bad value for trusted_networks: \"10.0.0.0/33\": "
                 "not an address or address/length");
    expect_error("trusted_networks = hash:/etc/postfix/network_table\n",
                 CONF ":1: bad value for trusted_networks: \"hash:/etc/postfix/network_table\": "
                 "not an address or address/length");

    static const char *const bad_bools[] = {"", "1", "0", "y", "enable", "yes please"};
    for (size_t i = 0; i < sizeof(bad_bools) / sizeof(bad_bools[0]); i++)
        expect_bad_value("spf_enable", bad_bools[i], "expected yes or no");
    expect_bad_value("dkim_verify", "nope", "expected yes or no");

    static const char *const bad_numbers[] = {"", "x", "-1", "+3", "3.0", "5 6", "1234567890"};
    for (size_t i = 0; i < sizeof(bad_numbers) / sizeof(bad_numbers[0]); i++)
        expect_bad_value("dkim_max_signatures", bad_numbers[i], "expected a whole number");
    expect_bad_value("dkim_max_signatures", "0", "must be between 1 and 8");
    expect_bad_value("dkim_max_signatures", "9", "must be between 1 and 8");
    expect_bad_value("dkim_min_key_bits", "512", "must be between 1024 and 16384");
    expect_bad_value("dkim_min_key_bits", "16385", "must be between 1024 and 16384");

    static const char ns_why[] = "expected an IPv4 address, optionally :port";
    static const char *const bad_servers[] = {
        ":53", "localhost", "::1", "[::1]:53", "192.0.2.1:", "192.0.2.1:0",
        "192.0.2.1:65536", "192.0.2.1:53:53", "192.0.2", "192.0.2.256",
    };
    for (size_t i = 0; i < sizeof(bad_servers) / sizeof(bad_servers[0]); i++)
        expect_bad_value("dns_nameserver", bad_servers[i], ns_why);

    expect_bad_value("dns_timeout", "0", range_why);
    expect_bad_value("dmarc_quarantine", "reject", "expected hold or score");
    expect_bad_value("public_suffix_list", "", "must not be empty");

    static const char double_why[] = "expected a number such as 0.9";
    static const char *const bad_doubles[] = {
        "", ".", "-", "x", "nan", "inf", "0x1p-1", "1e-1", "0.5.5", "--1", "1-", "0.5x",
    };
    for (size_t i = 0; i < sizeof(bad_doubles) / sizeof(bad_doubles[0]); i++)
        expect_bad_value("bayes_robx", bad_doubles[i], double_why);
    expect_bad_value("bayes_robx", "0", "must be between 0.01 and 0.99");
    expect_bad_value("bayes_robx", "1", "must be between 0.01 and 0.99");
    expect_bad_value("bayes_robs", "0", "must be between 0.001 and 1000");
    expect_bad_value("bayes_min_dev", "0.5", "must be between 0 and 0.49");
    expect_bad_value("bayes_min_dev", "-0.1", "must be between 0 and 0.49");
    expect_bad_value("bayes_spam_cutoff", "0", "must be between 0.01 and 1");
    expect_bad_value("bayes_ham_cutoff", "1.01", "must be between 0 and 1");
    expect_bad_value("bayes_autolearn_agree", "0.5", "must be between 0.51 and 1");
    expect_bad_value("bayes_autolearn_spam_score", "1000.5", "must be between -1000 and 1000");
    expect_bad_value("bayes_max_tokens", "100001", "must be between 0 and 100000");
    expect_bad_value("bayes_token_keep", "0", "must be between 1 and 1000000");
    expect_bad_value("bayes_cache_tokens", "4194305", "must be between 0 and 4194304");
    expect_bad_value("bayes_min_learned", "-1", "expected a whole number");

    static const char size_why[] = "expected a size such as 65536, 512k or 2M";
    static const char *const bad_sizes[] = {"", "k", "512 k", "512kb", "512x", "-1", "1.5M",
                                            "12345678901234567890"};
    for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++)
        expect_bad_value("bayes_max_bytes", bad_sizes[i], size_why);
    expect_bad_value("bayes_max_bytes", "2G", "must be between 0 and 1073741824");
    expect_bad_value("bayes_max_bytes", "1234567890", "must be between 0 and 1073741824");
    expect_bad_value("bayes_max_bytes", "1048577k", "must be between 0 and 1073741824");

    static const char duration_why[] = "expected a duration such as 300s, 10m, 12h or 180d";
    static const char *const bad_durations[] = {"", "d", "1y", "1 d", "1dd", "-1d", "1.5h",
                                                "1ms", "12345678901234567890"};
    for (size_t i = 0; i < sizeof(bad_durations) / sizeof(bad_durations[0]); i++)
        expect_bad_value("bayes_token_ttl", bad_durations[i], duration_why);
    expect_bad_value("bayes_token_ttl", "3651d", "must be between 0 and 315360000");
    expect_bad_value("bayes_token_ttl", "1234567890", "must be between 0 and 315360000");
    expect_bad_value("bayes_cache_ttl", "2d", "must be between 0 and 86400");
    expect_bad_value("bayes_cache_ttl", "86401", "must be between 0 and 86400");

    expect_bad_value("bayes_header_tokens", "some", "expected none, basic or all");
    expect_bad_value("bayes_per_user", "user", "expected off, recipient or domain");
    expect_bad_value("bayes_enable", "maybe", "expected yes or no");
}

/* test_load_errors - the file itself cannot be used */
static void test_load_errors(void **state)
{
    struct vigie_error err = {{0}};
    char expected[512];
    const char *path;
    char *big;

    (void)state;
    assert_null(config_load(tmp_path("missing.conf"), &err));
    snprintf(expected, sizeof(expected), "%s: cannot open: No such file or directory",
             tmp_path("missing.conf"));
    assert_string_equal(err.msg, expected);

    assert_null(config_load(tmpdir, &err));
    snprintf(expected, sizeof(expected), "%s: cannot read: Is a directory", tmpdir);
    assert_string_equal(err.msg, expected);

    big = malloc(1024 * 1024 + 2);
    assert_non_null(big);
    memset(big, '#', 1024 * 1024 + 1);
    big[1024 * 1024 + 1] = '\0';
    path = write_file("big.conf", big, 0644);
    free(big);
    assert_null(config_load(path, &err));
    snprintf(expected, sizeof(expected), "%s: larger than 1048576 bytes", path);
    assert_string_equal(err.msg, expected);
}

/* test_load_file - config_load reads, parses and resolves paths */
static void test_load_file(void **state)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config;
    const char *path;
    char expected[512];

    (void)state;
    path = write_file("vigie.conf", "rules_file = my.rules\nlocal_domains = example.org\n"
                      "trusted_networks = 127.0.0.1\n", 0644);
    config = config_load(path, &err);
    if (config == NULL)
        fail_msg("%s", err.msg);
    snprintf(expected, sizeof(expected), "%s/my.rules", tmpdir);
    assert_string_equal(config->rules_file, expected);
    assert_string_equal(config->path, path);
    config_free(config);

    path = write_file("vigie.conf", "log_level = chatty\n", 0644);
    assert_null(config_load(path, &err));
    snprintf(expected, sizeof(expected),
             "%s:1: bad value for log_level: \"chatty\": expected error, warn, info or debug",
             path);
    assert_string_equal(err.msg, expected);
}

/* test_dump - every key, effective values, the password masked */
static void test_dump(void **state)
{
    static const char text[] =
        "redis_password = s3cret\n"
        "log_level = Warning\n"
        "rules_file = local.rules\n"
        "local_domains = Example.org .example.net\n"
        "trusted_networks = 127.0.0.0/8 [::ffff:10.0.0.0]/104 [::1]/128 [::ffff:0:0]/95\n"
        "redis_connect_timeout = 2s\n"
        "socket_mode = 600\n"
        "authserv_id = mx.example.org\n"
        "bayes_token_ttl = 90060\n"
        "bayes_cache_ttl = 0\n"
        "bayes_max_bytes = 1000\n"
        "bayes_robs = 0.25\n"
        "bayes_per_user = Domain\n";
    static const char expected[] =
        "# read from /etc/vigie/vigie.conf\n"
        "milter_socket = unix:/var/spool/postfix/vigie/milter.sock\n"
        "policy_socket = unix:/var/spool/postfix/vigie/policy.sock\n"
        "socket_mode = 0600\n"
        "user = vigie\n"
        "group =\n"
        "pid_file =\n"
        "policy_socket_group =\n"
        "policy_threads = 4\n"
        "policy_max_connections = 1000\n"
        "policy_idle_timeout = 10m\n"
        "policy_max_request = 16k\n"
        "policy_max_attributes = 100\n"
        "policy_spf = no\n"
        "ratelimit_counter = milter\n"
        "greylist_enable = no\n"
        "greylist_delay = 5m\n"
        "greylist_retry_window = 2d\n"
        "greylist_expiry = 35d\n"
        "greylist_auto_allow = 5\n"
        "rules_file = /etc/vigie/local.rules\n"
        "sender_login_maps =\n"
        "log_level = warning\n"
        "syslog_facility = mail\n"
        "log_file =\n"
        "redis_address = 127.0.0.1:6379\n"
        "redis_password = ********\n"
        "redis_connect_timeout = 2000ms\n"
        "redis_timeout = 250ms\n"
        "redis_prefix = vigie:\n"
        "redis_sentinels =\n"
        "redis_sentinel_master =\n"
        "fail_policy = accept\n"
        "local_domains = example.org, .example.net\n"
        "trusted_networks = 127.0.0.0/8, 10.0.0.0/8, [::1]/128, [::fffe:0:0]/95\n"
        "authserv_id = mx.example.org\n"
        "dns_timeout = 5000ms\n"
        "dns_nameserver =\n"
        "dns_zone_file =\n"
        "spf_enable = yes\n"
        "received_spf_header = no\n"
        "dkim_verify = yes\n"
        "dkim_signing_table =\n"
        "dkim_key_file =\n"
        "dkim_max_signatures = 5\n"
        "dkim_min_key_bits = 1024\n"
        "dmarc_enable = yes\n"
        "public_suffix_list = /usr/share/publicsuffix/public_suffix_list.dat\n"
        "dmarc_quarantine = hold\n"
        "bayes_enable = yes\n"
        "bayes_robs = 0.25\n"
        "bayes_robx = 0.6\n"
        "bayes_min_dev = 0.45\n"
        "bayes_max_tokens = 150\n"
        "bayes_spam_cutoff = 0.8\n"
        "bayes_ham_cutoff = 0.2\n"
        "bayes_min_learned = 200\n"
        "bayes_token_ttl = 1501m\n"
        "bayes_token_keep = 3\n"
        "bayes_cache_tokens = 65536\n"
        "bayes_cache_ttl = 0s\n"
        "bayes_header_tokens = all\n"
        "bayes_word_pairs = yes\n"
        "bayes_max_bytes = 1000\n"
        "bayes_per_user = domain\n"
        "bayes_autolearn = no\n"
        "bayes_autolearn_spam_score = 12\n"
        "bayes_autolearn_ham_score = 0.1\n"
        "bayes_autolearn_agree = 0.99\n"
        "alert_command =\n"
        "alert_timeout = 10000ms\n"
        "alert_stream_maxlen = 10000\n"
        "lock_default_expiry = 0s\n"
        "lock_reply = 550 5.7.1 Account locked: contact your mail administrator\n";
    struct vigie_error err = {{0}};
    struct vigie_config *config = parse(text, &err);
    struct vigie_config *again;
    char *out = NULL;
    size_t len = 0;
    FILE *fp;

    (void)state;
    assert_non_null(config);
    assert_non_null(fp = open_memstream(&out, &len));
    config_dump(config, fp);
    assert_int_equal(fclose(fp), 0);
    assert_string_equal(out, expected);
    assert_null(strstr(out, "s3cret"));

    /* What config_dump prints reads back (the password aside). */
    again = parse(out, &err);
    if (again == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(again->trusted_networks.count, 4);
    assert_memory_equal(again->trusted_networks.items, config->trusted_networks.items,
                        4 * sizeof(struct netnet));
    config_free(again);
    config_free(config);
    free(out);

    /* No password: nothing to mask. */
    config = parse("", &err);
    assert_non_null(config);
    assert_non_null(fp = open_memstream(&out, &len));
    config_dump(config, fp);
    assert_int_equal(fclose(fp), 0);
    assert_non_null(strstr(out, "\nredis_password =\n"));
    config_free(config);
    free(out);
}

/* parse_postconf - config_parse of text as CONF, asking postconf */
static struct vigie_config *parse_postconf(const char *text, struct vigie_error *err)
{
    return config_parse(CONF, text, strlen(text), true, err);
}

/* test_postconf_import - names, networks, files, tables, duplicates */
static void test_postconf_import(void **state)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config;
    struct netaddr addr;
    char body[1024];
    char *out = NULL;
    size_t len = 0;
    FILE *fp;

    (void)state;
    write_file("relay_list", "relay.example # a comment\n\n.sub.example, other.example\n",
               0644);
    write_file("nets", "192.0.2.0/24\n# comment\n", 0644);
    write_file("loop", "loop.example ", 0644);
    {
        /* A file that names itself: read a bounded number of times. */
        FILE *loop = fopen(tmp_path("loop"), "a");

        assert_non_null(loop);
        fprintf(loop, "%s\n", tmp_path("loop"));
        assert_int_equal(fclose(loop), 0);
    }
    snprintf(body, sizeof(body),
             "echo 'vm, vm, localhost.localdomain, , LocalHost'\n"
             "echo 'virt.example hash:/etc/postfix/virtual_domains %s'\n"
             "echo '%s %s /nonexistent/list'\n"
             "echo '127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 %s cidr:/etc/postfix/nets'\n",
             tmp_path("loop"), tmp_path("relay_list"), tmp_path("relay_list"),
             tmp_path("nets"));
    fake_postconf(body);

    config = parse_postconf("", &err);
    if (config == NULL)
        fail_msg("%s", err.msg);
    assert_true(config->local_domains_from_postfix);
    assert_true(config->trusted_networks_from_postfix);
    assert_int_equal(config->local_domains.count, 8);
    assert_true(domainset_contains(&config->local_domains, "vm"));
    assert_true(domainset_contains(&config->local_domains, "localhost"));
    assert_true(domainset_contains(&config->local_domains, "localhost.localdomain"));
    assert_true(domainset_contains(&config->local_domains, "virt.example"));
    assert_true(domainset_contains(&config->local_domains, "loop.example"));
    assert_true(domainset_contains(&config->local_domains, "relay.example"));
    assert_true(domainset_contains(&config->local_domains, "a.sub.example"));
    assert_true(domainset_contains(&config->local_domains, "other.example"));
    assert_false(domainset_contains(&config->local_domains, "a.comment"));
    assert_int_equal(config->trusted_networks.count, 4);
    assert_int_equal(netaddr_parse("127.9.9.9", &addr), 0);
    assert_true(netlist_contains(&config->trusted_networks, &addr));
    assert_int_equal(netaddr_parse("::1", &addr), 0);
    assert_true(netlist_contains(&config->trusted_networks, &addr));
    assert_int_equal(netaddr_parse("192.0.2.200", &addr), 0);
    assert_true(netlist_contains(&config->trusted_networks, &addr));

    assert_non_null(fp = open_memstream(&out, &len));
    config_dump(config, fp);
    assert_int_equal(fclose(fp), 0);
    assert_non_null(strstr(out, "\n# local_domains: taken from Postfix (postconf)\n"
                                "local_domains = vm, localhost.localdomain, localhost,"));
    assert_non_null(strstr(out, "\n# trusted_networks: taken from Postfix (postconf)\n"
                                "trusted_networks = 127.0.0.0/8, 127.0.0.0/8, [::1]/128, "
                                "192.0.2.0/24\n"));
    free(out);
    config_free(config);

    /* One list set in the file: only the other comes from Postfix. */
    config = parse_postconf("local_domains = mine.example\n", &err);
    assert_non_null(config);
    assert_false(config->local_domains_from_postfix);
    assert_true(config->trusted_networks_from_postfix);
    assert_int_equal(config->local_domains.count, 1);
    assert_int_equal(config->trusted_networks.count, 4);
    config_free(config);

    config = parse_postconf("trusted_networks =\n", &err);
    assert_non_null(config);
    assert_true(config->local_domains_from_postfix);
    assert_false(config->trusted_networks_from_postfix);
    assert_int_equal(config->trusted_networks.count, 0);
    config_free(config);
}

/* test_postconf_not_needed - both lists set: postconf is not run */
static void test_postconf_not_needed(void **state)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config;

    (void)state;
    fake_postconf("exit 1\n");
    config = parse_postconf("local_domains = a.example\ntrusted_networks = ::1\n", &err);
    if (config == NULL)
        fail_msg("%s", err.msg);
    assert_false(config->local_domains_from_postfix);
    assert_false(config->trusted_networks_from_postfix);
    config_free(config);
}

/* test_postconf_absent - no postconf binary: empty lists, flags false */
static void test_postconf_absent(void **state)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config;
    struct domainset domains = {0};
    struct netlist networks = {0};

    (void)state;
    assert_int_equal(setenv(POSTCONF_ENV, tmp_path("no-such-postconf"), 1), 0);
    config = parse_postconf("", &err);
    if (config == NULL)
        fail_msg("%s", err.msg);
    assert_false(config->local_domains_from_postfix);
    assert_false(config->trusted_networks_from_postfix);
    assert_int_equal(config->local_domains.count, 0);
    assert_int_equal(config->trusted_networks.count, 0);
    config_free(config);
    assert_int_equal(postconf_import(&domains, &networks, &err), 0);

    /* A file that is not executable counts as absent too. */
    write_file("postconf", "#!/bin/sh\necho\necho\necho\necho\n", 0644);
    assert_int_equal(setenv(POSTCONF_ENV, tmp_path("postconf"), 1), 0);
    assert_int_equal(postconf_import(&domains, &networks, &err), 0);
}

/* expect_postconf_error - the fake postconf running body must fail with message */
static void expect_postconf_error(const char *body, const char *message)
{
    struct vigie_error err = {{0}};
    char expected[1024];

    fake_postconf(body);
    if (parse_postconf("", &err) != NULL)
        fail_msg("accepted: %s", body);
    snprintf(expected, sizeof(expected), message, tmp_path("postconf"));
    assert_string_equal(err.msg, expected);
}

/* test_postconf_errors - every way the import fails */
static void test_postconf_errors(void **state)
{
    (void)state;
    expect_postconf_error("echo a.example\nexit 3\n",
                          CONF ": %s: exited with status 3");
    expect_postconf_error("kill -9 $$\n", CONF ": %s: killed by signal 9");
    expect_postconf_error("echo a\necho b\necho c\n",
                          CONF ": %s: unexpected output: expected 4 lines");
    expect_postconf_error("", CONF ": %s: unexpected output: expected 4 lines");
    expect_postconf_error("echo a\necho b\necho c\necho ::1\necho extra\n",
                          CONF ": %s: unexpected output: expected 4 lines");
    expect_postconf_error("echo a\necho b\necho c\necho '10.0.0.0/8 !192.0.2.1'\n",
                          CONF ": postconf mynetworks: negated entry \"!192.0.2.1\" is not "
                          "supported; set trusted_networks in vigie.conf");
    expect_postconf_error("echo '!bad.example'\necho\necho\necho\n",
                          CONF ": postconf mydestination: negated entry \"!bad.example\" is "
                          "not supported; set local_domains in vigie.conf");
    expect_postconf_error("echo\necho\necho\necho 'example.org'\n",
                          CONF ": postconf mynetworks: bad network \"example.org\"; "
                          "set trusted_networks in vigie.conf");
    expect_postconf_error("head -c 2000000 /dev/zero | tr '\\0' x\n",
                          CONF ": postconf: output longer than 1048576 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_other_values),
        cmocka_unit_test(test_bayes_relations),
        cmocka_unit_test(test_policy_keys),
        cmocka_unit_test(test_limit_keys),
        cmocka_unit_test(test_relative_paths),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_postconf_import),
        cmocka_unit_test(test_postconf_not_needed),
        cmocka_unit_test(test_postconf_absent),
        cmocka_unit_test(test_postconf_errors),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
