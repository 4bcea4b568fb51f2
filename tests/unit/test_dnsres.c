/*
 * NAME
 *	test_dnsres - unit tests for lib/dnsres.c (and dnszone's resolver source)
 * DESCRIPTION
 *	A small DNS server on 127.0.0.1 (a random port, in a thread)
 *	answers from a fixed table; the resolver is pointed at it, so no
 *	query leaves the machine. Checked: every record type, CNAME
 *	chains, NXDOMAIN, no data, SERVFAIL, REFUSED, malformed records,
 *	a server that never answers (the time budget), and TXT lookups
 *	through a dns_source.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnsres.h"
#include "dnszone.h"

static int server_fd = -1;
static volatile bool server_stop;
static pthread_t server_thread;
static char server_addr[64];

/* put16 - a big-endian 16-bit value */
static size_t put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
    return 2;
}

/* put_name - a domain name in label form */
static size_t put_name(unsigned char *p, const char *name)
{
    size_t n = 0;

    while (*name) {
        const char *dot = strchr(name, '.');
        size_t len = dot ? (size_t)(dot - name) : strlen(name);

        p[n++] = (unsigned char)len;
        memcpy(p + n, name, len);
        n += len;
        name += len + (dot != NULL);
    }
    p[n++] = 0;
    return n;
}

/* put_rr - an answer record owned by the question name (pointer 0xc00c) */
static size_t put_rr(unsigned char *p, unsigned type, const void *rdata, size_t rdlen)
{
    size_t n = put16(p, 0xc00c);

    n += put16(p + n, type);
    n += put16(p + n, ns_c_in);
    n += put16(p + n, 0);
    n += put16(p + n, 60);
    n += put16(p + n, (unsigned)rdlen);
    memcpy(p + n, rdata, rdlen);
    return n + rdlen;
}

/* answer - fill the answer section for (name, type); the rcode, -1 to stay silent */
static int answer(const char *name, unsigned type, unsigned char *p, size_t *len, unsigned *count)
{
    unsigned char rdata[512];
    size_t n;

    *len = 0;
    *count = 0;
    if (strcmp(name, "silent.test") == 0)
        return -1;
    if (strcmp(name, "nx.test") == 0)
        return ns_r_nxdomain;
    if (strcmp(name, "fail.test") == 0)
        return ns_r_servfail;
    if (strcmp(name, "refused.test") == 0)
        return ns_r_refused;
    if (strcmp(name, "a.test") == 0 && type == ns_t_a) {
        *len += put_rr(p, ns_t_a, "\xc0\x00\x02\x01", 4);
        *len += put_rr(p + *len, ns_t_a, "\xc0\x00\x02\x02", 4);
        *count = 2;
    } else if (strcmp(name, "a.test") == 0 && type == ns_t_aaaa) {
        *len += put_rr(p, ns_t_aaaa, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
        *count = 1;
    } else if (strcmp(name, "mx.test") == 0 && type == ns_t_mx) {
        n = put16(rdata, 10) + put_name(rdata + 2, "mx1.test");
        *len += put_rr(p, ns_t_mx, rdata, n);
        *len += put_rr(p + *len, ns_t_mx, "\0", 1);   /* too short: skipped */
        *count = 2;
    } else if (strcmp(name, "1.2.0.192.in-addr.arpa") == 0 && type == ns_t_ptr) {
        *len += put_rr(p, ns_t_ptr, rdata, put_name(rdata, "host.test"));
        *count = 1;
    } else if (strcmp(name, "txt.test") == 0 && type == ns_t_txt) {
        *len += put_rr(p, ns_t_txt, "\x07v=spf1 \x04-all", 13);
        *len += put_rr(p + *len, ns_t_txt, "\x05other", 6);
        *count = 2;
    } else if (strcmp(name, "nul.test") == 0 && type == ns_t_txt) {
        *len += put_rr(p, ns_t_txt, "\x03" "a\0b", 4);
        *count = 1;
    } else if (strcmp(name, "bad.test") == 0 && type == ns_t_txt) {
        *len += put_rr(p, ns_t_txt, "\x09short", 6);  /* string runs past the record */
        *len += put_rr(p + *len, ns_t_a, "\xc0\x00\x02\x01", 4);       /* wrong type */
        *count = 2;
    } else if (strcmp(name, "cname.test") == 0 && type == ns_t_txt) {
        *len += put_rr(p, ns_t_cname, rdata, put_name(rdata, "txt.test"));
        *len += put_rr(p + *len, ns_t_txt, "\x05" "after", 6);
        *count = 2;
    }
    return ns_r_noerror;        /* nodata.test and the rest: no records */
}

/* serve_one - answer one query datagram */
static void serve_one(void)
{
    unsigned char q[512], r[2048];
    char name[256];
    struct sockaddr_in from;
    socklen_t fromlen = sizeof(from);
    ssize_t qlen = recvfrom(server_fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
    size_t off = 12, n = 0, alen;
    unsigned type, count;
    int rcode;

    if (qlen < 17 || (size_t)qlen > sizeof(q))
        return;
    while (off < (size_t)qlen && q[off] != 0 && n + q[off] + 1 < sizeof(name)) {
        if (n > 0)
            name[n++] = '.';
        memcpy(name + n, q + off + 1, q[off]);
        n += q[off];
        off += q[off] + 1u;
    }
    name[n] = '\0';
    off++;
    if (off + 4 > (size_t)qlen)
        return;
    type = (unsigned)(q[off] << 8 | q[off + 1]);
    off += 4;
    rcode = answer(name, type, r + off, &alen, &count);
    if (rcode < 0)
        return;
    memcpy(r, q, off);          /* id and question */
    r[2] = 0x81;                /* QR, RD */
    r[3] = (unsigned char)(0x80 | rcode);       /* RA */
    put16(r + 6, count);
    put16(r + 8, 0);
    put16(r + 10, 0);
    sendto(server_fd, r, off + alen, 0, (struct sockaddr *)&from, fromlen);
}

/* server_main - the fake server's loop */
static void *server_main(void *arg)
{
    struct pollfd pfd = {.fd = server_fd, .events = POLLIN};

    (void)arg;
    while (!server_stop)
        if (poll(&pfd, 1, 100) > 0)
            serve_one();
    return NULL;
}

/* setup - start the fake server on a random port */
static int setup(void **state)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof(sin);

    (void)state;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((server_fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0
        || bind(server_fd, (struct sockaddr *)&sin, sizeof(sin)) != 0
        || getsockname(server_fd, (struct sockaddr *)&sin, &len) != 0)
        return -1;
    snprintf(server_addr, sizeof(server_addr), "127.0.0.1:%u", ntohs(sin.sin_port));
    return pthread_create(&server_thread, NULL, server_main, NULL) == 0 ? 0 : -1;
}

/* teardown - stop the fake server */
static int teardown(void **state)
{
    (void)state;
    server_stop = true;
    pthread_join(server_thread, NULL);
    close(server_fd);
    return 0;
}

/* ask - one query to the fake server with a 3 s budget */
static SPF_dns_rr_t *ask(const char *name, ns_type type)
{
    struct sockaddr_in sin;
    SPF_dns_rr_t *rr;

    assert_int_equal(dnsres_server_parse(server_addr, &sin), 0);
    rr = dnsres_query(&sin, 3000, name, type);
    assert_non_null(rr);
    return rr;
}

/* test_addresses - A (two records) and AAAA */
static void test_addresses(void **state)
{
    SPF_dns_rr_t *rr = ask("a.test", ns_t_a);
    char text[INET6_ADDRSTRLEN];

    (void)state;
    assert_int_equal(rr->herrno, NETDB_SUCCESS);
    assert_int_equal(rr->num_rr, 2);
    assert_string_equal(inet_ntop(AF_INET, &rr->rr[1]->a, text, sizeof(text)), "192.0.2.2");
    SPF_dns_rr_free(rr);
    rr = ask("a.test", ns_t_aaaa);
    assert_int_equal(rr->num_rr, 1);
    assert_string_equal(inet_ntop(AF_INET6, &rr->rr[0]->aaaa, text, sizeof(text)), "2001:db8::1");
    SPF_dns_rr_free(rr);
}

/* test_names - MX (a short record skipped) and PTR */
static void test_names(void **state)
{
    SPF_dns_rr_t *rr = ask("mx.test", ns_t_mx);

    (void)state;
    assert_int_equal(rr->herrno, NETDB_SUCCESS);
    assert_int_equal(rr->num_rr, 1);
    assert_string_equal(rr->rr[0]->mx, "mx1.test");
    SPF_dns_rr_free(rr);
    rr = ask("1.2.0.192.in-addr.arpa", ns_t_ptr);
    assert_int_equal(rr->num_rr, 1);
    assert_string_equal(rr->rr[0]->ptr, "host.test");
    SPF_dns_rr_free(rr);
}

/* test_txt - strings joined, a NUL kept visible, malformed and stray records skipped */
static void test_txt(void **state)
{
    SPF_dns_rr_t *rr = ask("txt.test", ns_t_txt);

    (void)state;
    assert_int_equal(rr->num_rr, 2);
    assert_string_equal(rr->rr[0]->txt, "v=spf1 -all");
    assert_string_equal(rr->rr[1]->txt, "other");
    SPF_dns_rr_free(rr);
    rr = ask("nul.test", ns_t_txt);
    assert_string_equal(rr->rr[0]->txt, "a?b");
    SPF_dns_rr_free(rr);
    rr = ask("bad.test", ns_t_txt);
    assert_int_equal(rr->num_rr, 0);
    assert_int_equal(rr->herrno, NO_DATA);
    SPF_dns_rr_free(rr);
    rr = ask("cname.test", ns_t_txt);
    assert_int_equal(rr->num_rr, 1);
    assert_string_equal(rr->rr[0]->txt, "after");
    SPF_dns_rr_free(rr);
}

/* test_failures - NXDOMAIN, no data, SERVFAIL, REFUSED */
static void test_failures(void **state)
{
    static const struct {
        const char *name;
        int herrno;
    } cases[] = {
        {"nx.test", HOST_NOT_FOUND},
        {"nodata.test", NO_DATA},
        {"fail.test", TRY_AGAIN},
        {"refused.test", TRY_AGAIN},     /* glibc tries the next server, then gives up */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SPF_dns_rr_t *rr = ask(cases[i].name, ns_t_txt);

        assert_int_equal(rr->herrno, cases[i].herrno);
        assert_int_equal(rr->num_rr, 0);
        SPF_dns_rr_free(rr);
    }
}

/* elapsed_ms - since start */
static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* test_source_budget - a silent server: temporary failure within the budget, then none asked */
static void test_source_budget(void **state)
{
    struct vigie_error err;
    struct dns_source *src = dns_source_resolver(server_addr, &err);
    struct dns_deadline dl;
    struct dns_txt txt;
    struct timespec start;

    (void)state;
    assert_non_null(src);
    dns_deadline_start(&dl, 5000);
    assert_int_equal(dns_txt_lookup(src, &dl, "txt.test", &txt, &err), DNS_FOUND);
    assert_int_equal(txt.count, 2);
    dns_txt_free(&txt);
    assert_int_equal(dns_txt_lookup(src, &dl, "nx.test", &txt, &err), DNS_NOT_FOUND);
    assert_int_equal(dns_txt_lookup(src, &dl, "refused.test", &txt, &err), DNS_TEMPFAIL);
    clock_gettime(CLOCK_MONOTONIC, &start);
    dns_deadline_start(&dl, 1000);
    assert_int_equal(dns_txt_lookup(src, &dl, "silent.test", &txt, &err), DNS_TEMPFAIL);
    assert_true(elapsed_ms(&start) >= 900);
    assert_true(elapsed_ms(&start) < 2500);
    while (!dns_deadline_passed(&dl))
        usleep(10000);
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(dns_txt_lookup(src, &dl, "txt.test", &txt, &err), DNS_TEMPFAIL);
    assert_true(elapsed_ms(&start) < 100);
    dns_source_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_txt),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_source_budget),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
