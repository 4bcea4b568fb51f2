/*
 * NAME
 *	test_netaddr - unit tests for lib/netaddr.c
 * DESCRIPTION
 *	Every accepted text form, canonical formatting, IPv4-mapped
 *	matching, the prefix bounds of both families and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "netaddr.h"

/* format - parse text and return its canonical form (static buffer) */
static const char *format(const char *text)
{
    static char buf[64];
    struct netaddr addr;

    assert_int_equal(netaddr_parse(text, &addr), 0);
    netaddr_format(&addr, buf, sizeof(buf));
    return buf;
}

/* in_net - does the address text lie inside the network text? */
static bool in_net(const char *net_text, const char *addr_text)
{
    struct netnet net;
    struct netaddr addr;

    assert_int_equal(netnet_parse(net_text, &net), 0);
    assert_int_equal(netaddr_parse(addr_text, &addr), 0);
    return netnet_contains(&net, &addr);
}

/* test_address_forms - plain, bracketed and SMTP-literal forms */
static void test_address_forms(void **state)
{
    (void)state;
    assert_string_equal(format("192.0.2.1"), "192.0.2.1");
    assert_string_equal(format("[192.0.2.1]"), "192.0.2.1");
    assert_string_equal(format("2001:DB8:0:0::1"), "2001:db8::1");
    assert_string_equal(format("[2001:db8::1]"), "2001:db8::1");
    assert_string_equal(format("IPv6:2001:db8::1"), "2001:db8::1");
    assert_string_equal(format("ipv6:::1"), "::1");
    assert_string_equal(format("[IPv6:2001:db8::1]"), "2001:db8::1");
    assert_string_equal(format("::ffff:192.0.2.1"), "192.0.2.1");
    assert_string_equal(format("::"), "::");
}

/* test_address_garbage - everything inet_pton refuses, and more */
static void test_address_garbage(void **state)
{
    static const char *const bad[] = {
        "", "[]", "[", "]", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4x",
        "example.org", "2001:db8::1::2", "[192.0.2.1", "192.0.2.1]",
        "IPv6:192.0.2.1", "IPv6:", " 192.0.2.1", "192.0.2.1 ", "gggg::1",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff",
    };
    struct netaddr addr;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(netaddr_parse(bad[i], &addr), -1);
}

/* test_format_small_buffer - a buffer too small gives "" */
static void test_format_small_buffer(void **state)
{
    struct netaddr addr;
    char buf[4] = "xyz";

    (void)state;
    assert_int_equal(netaddr_parse("2001:db8::1", &addr), 0);
    netaddr_format(&addr, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

/* test_network_forms - Postfix mynetworks forms and host-bit clearing */
static void test_network_forms(void **state)
{
    struct netnet net;
    char buf[64];

    (void)state;
    assert_int_equal(netnet_parse("127.0.0.0/8", &net), 0);
    assert_int_equal(net.prefix, 104);
    assert_int_equal(netnet_parse("[::ffff:127.0.0.0]/104", &net), 0);
    assert_int_equal(net.prefix, 104);
    assert_int_equal(netnet_parse("[::1]/128", &net), 0);
    assert_int_equal(net.prefix, 128);
    assert_int_equal(netnet_parse("192.0.2.77", &net), 0);
    assert_int_equal(net.prefix, 128);
    assert_int_equal(netnet_parse("2001:db8::1", &net), 0);
    assert_int_equal(net.prefix, 128);
    assert_int_equal(netnet_parse("192.0.2.77/24", &net), 0);
    netaddr_format(&net.addr, buf, sizeof(buf));
    assert_string_equal(buf, "192.0.2.0");
    assert_int_equal(netnet_parse("2001:db8:ffff::1/33", &net), 0);
    netaddr_format(&net.addr, buf, sizeof(buf));
    assert_string_equal(buf, "2001:db8:8000::");
}

/* test_network_garbage - bad lengths and bad addresses */
static void test_network_garbage(void **state)
{
    static const char *const bad[] = {
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x",
        "10.0.0.0/0008", "::/129", "[::1/128]", "10.0.0.0/8/8", "hash:/etc/x",
        "10.0.0.0 /8", "10.0.0.0/ 8", "[::1]/", "example.org/24",
    };
    struct netnet net;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(netnet_parse(bad[i], &net), -1);
}

/* test_mapped_matching - IPv4 and IPv4-mapped are one address */
static void test_mapped_matching(void **state)
{
    (void)state;
    assert_true(in_net("192.0.2.0/24", "::ffff:192.0.2.1"));
    assert_true(in_net("192.0.2.0/24", "192.0.2.255"));
    assert_false(in_net("192.0.2.0/24", "192.0.3.1"));
    assert_true(in_net("[::ffff:127.0.0.0]/104", "127.1.2.3"));
    assert_false(in_net("[::ffff:127.0.0.0]/104", "128.0.0.1"));
    assert_true(in_net("127.0.0.0/8", "[::ffff:127.0.0.1]"));
    assert_false(in_net("127.0.0.0/8", "::1"));
    assert_true(in_net("[::1]/128", "IPv6:::1"));
    assert_false(in_net("[::1]/128", "::2"));
}

/* test_prefix_bounds - /0, /32 and /128 in both families */
static void test_prefix_bounds(void **state)
{
    (void)state;
    /* IPv4 /0: every IPv4 address, no native IPv6 address. */
    assert_true(in_net("0.0.0.0/0", "203.0.113.9"));
    assert_true(in_net("10.0.0.0/0", "255.255.255.255"));
    assert_false(in_net("0.0.0.0/0", "2001:db8::1"));
    /* IPv6 /0: everything, IPv4 included. */
    assert_true(in_net("::/0", "2001:db8::1"));
    assert_true(in_net("::/0", "203.0.113.9"));
    /* /32 is one IPv4 host, or a large IPv6 block. */
    assert_true(in_net("192.0.2.1/32", "192.0.2.1"));
    assert_false(in_net("192.0.2.1/32", "192.0.2.2"));
    assert_true(in_net("2001:db8::/32", "2001:db8:ffff::1"));
    assert_false(in_net("2001:db8::/32", "2001:db9::1"));
    /* /128 is one IPv6 host. */
    assert_true(in_net("2001:db8::1/128", "2001:db8::1"));
    assert_false(in_net("2001:db8::1/128", "2001:db8::1:0"));
}

/* test_netlist - add, search, growth past the first block, free */
static void test_netlist(void **state)
{
    struct netlist list = {0};
    struct netnet net;
    struct netaddr addr;
    char text[32];

    (void)state;
    assert_int_equal(netaddr_parse("10.0.0.1", &addr), 0);
    assert_false(netlist_contains(&list, &addr));
    for (unsigned i = 0; i < 20; i++) {
        snprintf(text, sizeof(text), "192.0.%u.0/24", i);
        assert_int_equal(netnet_parse(text, &net), 0);
        assert_int_equal(netlist_add(&list, &net), 0);
    }
    assert_int_equal(list.count, 20);
    assert_false(netlist_contains(&list, &addr));
    assert_int_equal(netaddr_parse("192.0.19.200", &addr), 0);
    assert_true(netlist_contains(&list, &addr));
    assert_int_equal(netaddr_parse("192.0.20.1", &addr), 0);
    assert_false(netlist_contains(&list, &addr));
    netlist_free(&list);
    assert_int_equal(list.count, 0);
    assert_null(list.items);
    assert_false(netlist_contains(&list, &addr));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_forms),
        cmocka_unit_test(test_address_garbage),
        cmocka_unit_test(test_format_small_buffer),
        cmocka_unit_test(test_network_forms),
        cmocka_unit_test(test_network_garbage),
        cmocka_unit_test(test_mapped_matching),
        cmocka_unit_test(test_prefix_bounds),
        cmocka_unit_test(test_netlist),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
