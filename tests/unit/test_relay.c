/*
 * NAME
 *	test_relay - unit tests for lib/relay.c
 * DESCRIPTION
 *	The open-relay guard (trusted networks in IPv4 and IPv6,
 *	authentication, local domains and ".sub" entries, the guard
 *	switched off, recipients without a domain) and the sender-login
 *	check (map lookups, the check off, no map, unauthenticated
 *	clients, the null sender), with the exact reply texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "relay.h"

struct fixture {
    struct vigie_config config;
    struct rules_settings settings;
    struct message_facts facts;
    char reason[512];
};

/* add_network - parse and append a network to the trusted list */
static void add_network(struct vigie_config *config, const char *text)
{
    struct netnet net;

    assert_int_equal(netnet_parse(text, &net), 0);
    assert_int_equal(netlist_add(&config->trusted_networks, &net), 0);
}

/* setup - local domains example.org and .example.net; two trusted networks */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    if (domainset_add(&f->config.local_domains, "example.org") < 0
        || domainset_add(&f->config.local_domains, ".example.net") < 0)
        return -1;
    add_network(&f->config, "192.0.2.0/24");
    add_network(&f->config, "2001:db8::/32");
    f->settings.relay_guard = true;
    f->settings.sender_login_check = true;
    f->facts.sender = "";
    f->facts.sasl_user = "";
    *state = f;
    return 0;
}

/* teardown - free the fixture */
static int teardown(void **state)
{
    struct fixture *f = *state;

    domainset_free(&f->config.local_domains);
    netlist_free(&f->config.trusted_networks);
    free(f);
    return 0;
}

/* trusted - relay_client_trusted on a text address */
static bool trusted(const struct fixture *f, const char *text)
{
    struct netaddr addr;

    assert_int_equal(netaddr_parse(text, &addr), 0);
    return relay_client_trusted(&f->config, &addr);
}

/* allowed - relay_recipient_allowed into f->reason */
static bool allowed(struct fixture *f, const char *rcpt)
{
    f->reason[0] = '\0';
    return relay_recipient_allowed(&f->config, &f->settings, &f->facts, rcpt, f->reason,
                                   sizeof(f->reason));
}

/* test_trusted_networks - IPv4, IPv4-mapped and IPv6 */
static void test_trusted_networks(void **state)
{
    struct fixture *f = *state;

    assert_true(trusted(f, "192.0.2.7"));
    assert_true(trusted(f, "::ffff:192.0.2.7"));
    assert_false(trusted(f, "192.0.3.7"));
    assert_true(trusted(f, "2001:db8::1"));
    assert_true(trusted(f, "2001:db8:ffff::25"));
    assert_false(trusted(f, "2001:db9::1"));
    assert_false(trusted(f, "::1"));
}

/* test_unauthenticated - local domains only, with the reply text */
static void test_unauthenticated(void **state)
{
    struct fixture *f = *state;

    assert_true(allowed(f, "bob@example.org"));
    assert_true(allowed(f, "BOB@Example.ORG"));
    assert_true(allowed(f, "bob@example.org."));
    assert_true(allowed(f, "bob@mx.example.net"));
    assert_true(allowed(f, "postmaster"));
    assert_string_equal(f->reason, "");
    assert_false(allowed(f, "bob@example.net"));
    assert_false(allowed(f, "bob@sub.example.org"));
    assert_false(allowed(f, "bob@example.org.evil.test"));
    assert_false(allowed(f, "bob@[192.0.2.1]"));
    assert_false(allowed(f, "victim@elsewhere.test"));
    assert_string_equal(f->reason, "<victim@elsewhere.test>: Relay access denied: vigie accepts"
                                   " mail for other domains only from authenticated users or"
                                   " trusted networks");
}

/* test_authenticated_or_trusted - either lets any recipient through */
static void test_authenticated_or_trusted(void **state)
{
    struct fixture *f = *state;

    f->facts.authenticated = true;
    f->facts.sasl_user = "alice";
    assert_true(allowed(f, "victim@elsewhere.test"));
    f->facts.authenticated = false;
    f->facts.sasl_user = "";
    f->facts.trusted = true;
    assert_true(allowed(f, "victim@elsewhere.test"));
    f->facts.trusted = false;
    assert_false(allowed(f, "victim@elsewhere.test"));
}

/* test_guard_off - set relay_guard off: everything passes */
static void test_guard_off(void **state)
{
    struct fixture *f = *state;

    f->settings.relay_guard = false;
    assert_true(allowed(f, "victim@elsewhere.test"));
    f->settings.relay_guard = true;
}

/* test_reason_truncated - a long recipient never overflows reason */
static void test_reason_truncated(void **state)
{
    struct fixture *f = *state;
    char rcpt[300];
    char reason[40];

    memset(rcpt, 'a', sizeof(rcpt));
    memcpy(rcpt + sizeof(rcpt) - 12, "@evil.test", 11);
    assert_false(relay_recipient_allowed(&f->config, &f->settings, &f->facts, rcpt, reason,
                                         sizeof(reason)));
    assert_int_equal(strlen(reason), sizeof(reason) - 1);
}

/* load_map - a login map from text (file removed after loading) */
static struct loginmap *load_map(const char *text)
{
    char path[] = "/tmp/test_relay.XXXXXX";
    struct vigie_error err;
    struct loginmap *map;
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
    map = loginmap_load(path, &err);
    unlink(path);
    assert_non_null(map);
    return map;
}

/* sender_ok - relay_sender_allowed for an authenticated user */
static bool sender_ok(struct fixture *f, const struct loginmap *map, const char *login,
                      const char *sender)
{
    f->facts.authenticated = *login != '\0';
    f->facts.sasl_user = login;
    f->facts.sender = sender;
    f->reason[0] = '\0';
    return relay_sender_allowed(map, &f->settings, &f->facts, f->reason, sizeof(f->reason));
}

/* test_sender_login - the map decides for authenticated clients */
static void test_sender_login(void **state)
{
    struct fixture *f = *state;
    struct loginmap *map = load_map("alice@example.org alice\n@example.net bob\n");

    assert_true(sender_ok(f, map, "alice", "alice@example.org"));
    assert_true(sender_ok(f, map, "bob", "anything@example.net"));
    assert_true(sender_ok(f, map, "alice", ""));
    assert_false(sender_ok(f, map, "bob", "alice@example.org"));
    assert_string_equal(f->reason,
                        "<alice@example.org>: Sender address rejected: not owned by user bob");
    assert_false(sender_ok(f, map, "alice", "someone@elsewhere.test"));
    assert_string_equal(f->reason,
                        "<someone@elsewhere.test>: Sender address rejected: not owned by user"
                        " alice");
    /* Not authenticated: not this check's business. */
    assert_true(sender_ok(f, map, "", "alice@example.org"));
    /* Check off, or no map: allowed. */
    f->settings.sender_login_check = false;
    assert_true(sender_ok(f, map, "bob", "alice@example.org"));
    f->settings.sender_login_check = true;
    assert_true(sender_ok(f, NULL, "bob", "alice@example.org"));
    loginmap_free(map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trusted_networks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unauthenticated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authenticated_or_trusted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reason_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sender_login, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
