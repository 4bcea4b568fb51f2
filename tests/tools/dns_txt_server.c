/*
 * NAME
 *	dns_txt_server - a tiny UDP DNS server that answers TXT queries from a file
 * SYNOPSIS
 *	dns_txt_server address port zone_file
 * DESCRIPTION
 *	Test-only. Loads zone_file, one record a line, "name text" (the
 *	form of libopendkim's key file, e.g. the dkim.keys the end-to-end
 *	harness writes), and answers queries on the UDP socket
 *	address:port until it is killed. A TXT query for a
 *	name of the file gets its text as one record, cut into strings of
 *	255 bytes; any other type for a known name gets no data; an
 *	unknown name gets NXDOMAIN. Names compare case-insensitively,
 *	without a trailing dot. Empty lines and lines starting with '#'
 *	are skipped.
 *
 *	Answers fit in 512 bytes or the query is answered SERVFAIL: the
 *	server never truncates, so no client falls back to TCP.
 *
 *	Exit status: 1 when the file cannot be loaded
 *	or the socket cannot be bound (a message on stderr), 2 for bad
 *	usage.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_RECORDS	64
#define MAX_LINE	4096
#define UDP_MAX		512

struct record {
    char *name;
    char *text;
};

static struct record records[MAX_RECORDS];
static size_t record_count;

/* zone_load - read "name text" lines; 0, or -1 with a message on stderr */
static int zone_load(const char *path)
{
    FILE *fp = fopen(path, "r");
    char line[MAX_LINE];
    unsigned lineno = 0;

    if (fp == NULL) {
        fprintf(stderr, "dns_txt_server: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *name, *text, *end;

        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        name = line + strspn(line, " \t");
        if (*name == '\0' || *name == '#')
            continue;
        end = name + strcspn(name, " \t");
        text = end + strspn(end, " \t");
        *end = '\0';
        if (end > name && end[-1] == '.')
            end[-1] = '\0';
        if (*text == '\0' || record_count == MAX_RECORDS
            || (records[record_count].name = strdup(name)) == NULL
            || (records[record_count].text = strdup(text)) == NULL) {
            fprintf(stderr, "dns_txt_server: %s:%u: bad or one record too many\n", path, lineno);
            fclose(fp);
            return -1;
        }
        record_count++;
    }
    fclose(fp);
    return 0;
}

/* zone_find - the record named name, or NULL */
static const struct record *zone_find(const char *name)
{
    for (size_t i = 0; i < record_count; i++)
        if (strcasecmp(records[i].name, name) == 0)
            return &records[i];
    return NULL;
}

/* put16 - a big-endian 16-bit value at p */
static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

/* put_txt - the TXT answer for rec at p (room bytes); its length, or 0 if it does not fit */
static size_t put_txt(unsigned char *p, size_t room, const struct record *rec)
{
    size_t len = strlen(rec->text);
    size_t rdlen = len + (len + 254) / 255;
    size_t n = 12;

    if (len == 0 || n + rdlen > room)
        return 0;
    put16(p, 0xc00c);                           /* the question's name */
    put16(p + 2, ns_t_txt);
    put16(p + 4, ns_c_in);
    put16(p + 6, 0);
    put16(p + 8, 60);                           /* TTL */
    put16(p + 10, (unsigned)rdlen);
    for (size_t off = 0; off < len; off += 255) {
        size_t chunk = len - off < 255 ? len - off : 255;

        p[n++] = (unsigned char)chunk;
        memcpy(p + n, rec->text + off, chunk);
        n += chunk;
    }
    return n;
}

/* question_parse - the name and type of query q; the question's end, or 0 if malformed */
static size_t question_parse(const unsigned char *q, size_t qlen, char *name, size_t size,
                             unsigned *type)
{
    size_t off = 12, n = 0;

    if (qlen < 12 || (q[2] & 0x80) != 0 || q[4] != 0 || q[5] != 1)
        return 0;
    while (off < qlen && q[off] != 0) {
        size_t label = q[off];

        if (label > 63 || off + 1 + label >= qlen || n + label + 2 > size)
            return 0;
        if (n > 0)
            name[n++] = '.';
        memcpy(name + n, q + off + 1, label);
        n += label;
        off += 1 + label;
    }
    name[n] = '\0';
    if (off + 5 > qlen)
        return 0;
    *type = (unsigned)(q[off + 1] << 8 | q[off + 2]);
    return off + 5;
}

/* serve_one - read one datagram from fd and answer it; malformed queries are dropped */
static void serve_one(int fd)
{
    unsigned char q[UDP_MAX], r[UDP_MAX];
    char name[256];
    struct sockaddr_in from;
    socklen_t fromlen = sizeof(from);
    ssize_t got = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
    const struct record *rec;
    unsigned type, rcode = ns_r_noerror, count = 0;
    size_t end, len;

    if (got <= 0 || (end = question_parse(q, (size_t)got, name, sizeof(name), &type)) == 0)
        return;
    memcpy(r, q, end);                          /* id and question */
    len = end;
    if ((rec = zone_find(name)) == NULL) {
        rcode = ns_r_nxdomain;
    } else if (type == ns_t_txt) {
        size_t n = put_txt(r + len, sizeof(r) - len, rec);

        if (n == 0) {
            rcode = ns_r_servfail;
        } else {
            len += n;
            count = 1;
        }
    }
    r[2] = (unsigned char)(0x84 | (q[2] & 0x01));   /* QR, AA, RD as asked */
    r[3] = (unsigned char)(0x80 | rcode);           /* RA */
    put16(r + 6, count);
    put16(r + 8, 0);
    put16(r + 10, 0);
    (void)sendto(fd, r, len, 0, (struct sockaddr *)&from, fromlen);
}

/* bind_udp - a UDP socket bound to addr:port; the descriptor, or -1 with a message */
static int bind_udp(const char *addr, const char *port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    char *end;
    unsigned long num = strtoul(port, &end, 10);
    int fd;

    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 || *port == '\0' || *end != '\0'
        || num > 65535) {
        fprintf(stderr, "dns_txt_server: bad address %s:%s\n", addr, port);
        return -1;
    }
    sin.sin_port = htons((uint16_t)num);
    if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0
        || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        fprintf(stderr, "dns_txt_server: bind %s:%s: %s\n", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    int fd;

    if (argc != 4) {
        fprintf(stderr, "usage: dns_txt_server address port zone_file\n");
        return 2;
    }
    if (zone_load(argv[3]) != 0 || (fd = bind_udp(argv[1], argv[2])) < 0)
        return 1;
    for (;;)
        serve_one(fd);
}
