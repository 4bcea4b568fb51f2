/*
 * NAME
 *	netaddr - IPv4/IPv6 addresses and CIDR networks
 * SYNOPSIS
 *	#include "netaddr.h"
 * DESCRIPTION
 *	See netaddr.h. Text is converted with inet_pton(3); nothing here
 *	resolves names. An IPv4 address is kept IPv4-mapped, and an IPv4
 *	prefix length is shifted by 96 bits so that "127.0.0.0/8" and
 *	"[::ffff:127.0.0.0]/104" are the same network.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

/* Longest text accepted: "[IPv6 with embedded IPv4]" and a few spare bytes. */
#define NETADDR_TEXT_MAX 64

static const unsigned char v4mapped_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* netaddr_parse_bare - one address without brackets; sets *is_v4 */
static int netaddr_parse_bare(const char *text, struct netaddr *out, bool *is_v4)
{
    struct in_addr v4;

    if (inet_pton(AF_INET, text, &v4) == 1) {
        memcpy(out->bytes, v4mapped_prefix, sizeof(v4mapped_prefix));
        memcpy(out->bytes + 12, &v4, 4);
        *is_v4 = true;
        return 0;
    }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        *is_v4 = false;
        return 0;
    }
    return -1;
}

/*
 * netaddr_parse_len - the address part of a text, of length len
 *	Accepts "addr", "[addr]" and "IPv6:addr" (the last one for IPv6
 *	only, as in an SMTP address literal). Returns 0 or -1.
 */
static int netaddr_parse_len(const char *text, size_t len, struct netaddr *out,
                             bool *is_v4)
{
    char buf[NETADDR_TEXT_MAX];
    bool v6_only = false;

    if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    if (len > 5 && strncasecmp(text, "IPv6:", 5) == 0) {
        text += 5;
        len -= 5;
        v6_only = true;
    }
    if (len == 0 || len >= sizeof(buf) || memchr(text, '\0', len) != NULL)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (netaddr_parse_bare(buf, out, is_v4) < 0 || (v6_only && *is_v4))
        return -1;
    return 0;
}

/* netaddr_parse - text to address; 0, or -1 when malformed */
int netaddr_parse(const char *text, struct netaddr *out)
{
    bool is_v4;

    return netaddr_parse_len(text, strlen(text), out, &is_v4);
}

/* netaddr_format - canonical text; IPv4-mapped addresses as dotted quads */
void netaddr_format(const struct netaddr *addr, char *buf, size_t len)
{
    const void *src = addr->bytes;
    int family = AF_INET6;

    if (len == 0)
        return;
    if (memcmp(addr->bytes, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
        src = addr->bytes + 12;
        family = AF_INET;
    }
    if (inet_ntop(family, src, buf, (socklen_t)len) == NULL)
        buf[0] = '\0';
}

/* netaddr_mask - clear every bit past the first prefix bits */
static void netaddr_mask(struct netaddr *addr, unsigned prefix)
{
    for (unsigned i = 0; i < sizeof(addr->bytes); i++) {
        unsigned keep = prefix > i * 8 ? prefix - i * 8 : 0;

        if (keep < 8)
            addr->bytes[i] &= (unsigned char)(0xff00u >> keep);
    }
}

/* prefix_parse - decimal prefix length, at most max; 0 or -1 */
static int prefix_parse(const char *text, unsigned max, unsigned *out)
{
    unsigned value = 0;

    if (*text == '\0' || strlen(text) > 3)
        return -1;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9')
            return -1;
        value = value * 10 + (unsigned)(*text - '0');
    }
    if (value > max)
        return -1;
    *out = value;
    return 0;
}

/* netnet_parse - "addr" or "addr/len", len in the family of addr; 0 or -1 */
int netnet_parse(const char *text, struct netnet *out)
{
    const char *slash = strrchr(text, '/');
    size_t addr_len = slash != NULL ? (size_t)(slash - text) : strlen(text);
    unsigned prefix;
    bool is_v4;

    if (netaddr_parse_len(text, addr_len, &out->addr, &is_v4) < 0)
        return -1;
    if (slash == NULL)
        prefix = is_v4 ? 32 : 128;
    else if (prefix_parse(slash + 1, is_v4 ? 32 : 128, &prefix) < 0)
        return -1;
    out->prefix = is_v4 ? prefix + 96 : prefix;
    netaddr_mask(&out->addr, out->prefix);
    return 0;
}

/* netnet_contains - true when addr lies inside net */
bool netnet_contains(const struct netnet *net, const struct netaddr *addr)
{
    struct netaddr masked = *addr;

    netaddr_mask(&masked, net->prefix);
    return memcmp(masked.bytes, net->addr.bytes, sizeof(masked.bytes)) == 0;
}

/* netlist_add - append a copy of net; 0, or -1 (list unchanged) */
int netlist_add(struct netlist *list, const struct netnet *net)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 8;
        struct netnet *items = reallocarray(list->items, capacity, sizeof(*items));

        if (items == NULL)
            return -1;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = *net;
    return 0;
}

/* netlist_contains - true when any network of list holds addr */
bool netlist_contains(const struct netlist *list, const struct netaddr *addr)
{
    for (size_t i = 0; i < list->count; i++)
        if (netnet_contains(&list->items[i], addr))
            return true;
    return false;
}

/* netlist_free - release the items; the list is empty and reusable */
void netlist_free(struct netlist *list)
{
    free(list->items);
    list->items = NULL;
    list->count = 0;
    list->capacity = 0;
}
