/*
 * NAME
 *	milter_wire - milter packets over a socket, MTA side
 * SYNOPSIS
 *	#include "milter_wire.h"
 * DESCRIPTION
 *	The Sendmail 8 milter framing as Postfix's milter8.c writes it: a
 *	4-byte big-endian length, one command byte, then the data; the
 *	length counts the command byte and the data.
 *
 *	Packets are built in an output buffer (wire_begin, wire_put_*,
 *	wire_end) and leave in one write when a reply is awaited
 *	(wire_read flushes first) or on wire_flush, as Postfix batches
 *	the macros with their event. Every read and write is bounded by
 *	the timeout given to wire_open.
 *
 *	The builder calls return nothing: an allocation failure is
 *	remembered and reported by the next wire_end, wire_flush or
 *	wire_read, so a caller checks once per packet.
 */
#ifndef VIGIE_MILTER_WIRE_H
#define VIGIE_MILTER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "compiler.h"
#include "error.h"

/* Largest reply accepted: a 1 MiB body replacement chunk and its header. */
#define WIRE_MAX_PACKET (1024 * 1024 + 16)

/* Where the milter listens, resolved once and shared read-only by threads. */
struct wire_target {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char spec[256];             /* the text it came from, for messages */
};

struct wire {
    int fd;                     /* -1 when closed */
    unsigned timeout_ms;
    const struct wire_target *target;
    unsigned char *out;         /* packets not yet written */
    size_t out_len;
    size_t out_cap;
    size_t pkt_start;           /* offset of the packet being built */
    bool oom;                   /* a builder call could not allocate */
    unsigned char *in;          /* bytes read, not yet consumed */
    size_t in_start;
    size_t in_end;
    size_t in_cap;
};

/*
 * wire_target_parse - "unix:/path", "local:/path", "inet:port@host",
 *	"inet6:port@host" (libmilter forms) or "inet:host:port" (Postfix
 *	form); a missing host means the loopback address. Returns 0, or
 *	-1 with err set.
 */
int wire_target_parse(const char *spec, struct wire_target *target,
                      struct vigie_error *err) WARN_UNUSED;

/* wire_init - a closed connection with empty buffers (no allocation) */
void wire_init(struct wire *w);

/*
 * wire_open - connect to target; timeout_ms bounds the connect and
 *	every later read or write. Returns 0, or -1 with err set (the
 *	connection is then closed).
 */
int wire_open(struct wire *w, const struct wire_target *target,
              unsigned timeout_ms, struct vigie_error *err) WARN_UNUSED;

/* wire_close - close the socket and drop unsent or unread bytes */
void wire_close(struct wire *w);

/* wire_free - wire_close, then release the buffers */
void wire_free(struct wire *w);

/* wire_begin - start a packet carrying command cmd */
void wire_begin(struct wire *w, int cmd);

/* wire_put - append raw bytes to the packet being built */
void wire_put(struct wire *w, const void *data, size_t len);

/* wire_put_str - append a string and its terminating NUL */
void wire_put_str(struct wire *w, const char *str);

/* wire_put_u32 - append a 32-bit value in network order */
void wire_put_u32(struct wire *w, uint32_t value);

/* wire_put_u16 - append a 16-bit value in network order */
void wire_put_u16(struct wire *w, uint16_t value);

/* wire_put_byte - append one byte */
void wire_put_byte(struct wire *w, int byte);

/* wire_end - finish the packet: 0, or -1 with err set (out of memory) */
int wire_end(struct wire *w, struct vigie_error *err) WARN_UNUSED;

/* wire_flush - write every finished packet: 0, or -1 with err set */
int wire_flush(struct wire *w, struct vigie_error *err) WARN_UNUSED;

/*
 * wire_read - flush, then read one packet. On success returns 0 and
 *	sets *cmd, and *data and *len to the data after the command byte;
 *	the data stays valid until the next wire_read or wire_close.
 *	Returns -1 with err set on timeout, end of file, a length of 0
 *	or above WIRE_MAX_PACKET, or a socket error.
 */
int wire_read(struct wire *w, int *cmd, const unsigned char **data,
              size_t *len, struct vigie_error *err) WARN_UNUSED;

#endif
