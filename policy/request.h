/*
 * NAME
 *	request - Postfix SMTP access policy requests: framing, parsing, replies
 * SYNOPSIS
 *	#include "request.h"
 * DESCRIPTION
 *	The protocol of Postfix's SMTPD_POLICY_README: a request is
 *	"name=value" lines ended by "\n", closed by an empty line; the
 *	reply is one "action=..." line and an empty line. The same
 *	connection carries any number of requests.
 *
 *	policy_frame() finds where the request at the head of a buffer
 *	ends, as bytes arrive, and enforces the limits before the request
 *	is complete: its size, its number of lines, and no NUL byte (a
 *	client sending binary junk is stopped at once). A "\r" before
 *	"\n" is tolerated (people test with telnet).
 *
 *	policy_request_parse() splits a framed request in place. The
 *	attributes vigie uses are kept (pointers into the buffer); the
 *	others are ignored, as the protocol requires. When an attribute
 *	comes twice, the last value wins. Refused: a line without '=',
 *	an empty name, a control byte other than TAB, a number that is not
 *	one, a request without "request=smtpd_access_policy".
 *
 *	Error messages quote at most a few bytes of what the client sent,
 *	made printable, so they are safe to log.
 *
 *	Nothing here allocates: every function works in caller memory.
 */
#ifndef VIGIE_POLICY_REQUEST_H
#define VIGIE_POLICY_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "error.h"

#define POLICY_REPLY_MAX 1024           /* bytes of "action=...\n\n" */

/* protocol_state */
enum policy_state {
    POLICY_STATE_UNKNOWN,       /* absent, or a name this version does not know */
    POLICY_STATE_CONNECT,
    POLICY_STATE_EHLO,
    POLICY_STATE_HELO,
    POLICY_STATE_MAIL,
    POLICY_STATE_RCPT,
    POLICY_STATE_DATA,
    POLICY_STATE_END_OF_MESSAGE,
    POLICY_STATE_VRFY,
    POLICY_STATE_ETRN,
};

/* What a request may hold; strings point into the parsed buffer, "" when absent. */
struct policy_request {
    const char *request;        /* "smtpd_access_policy" */
    enum policy_state state;
    const char *state_name;     /* protocol_state as sent */
    const char *protocol_name;  /* SMTP, ESMTP */
    const char *helo_name;
    const char *queue_id;
    const char *sender;
    const char *recipient;
    unsigned long recipient_count;
    const char *client_address;
    const char *client_name;
    const char *reverse_client_name;
    const char *instance;
    const char *sasl_method;
    const char *sasl_username;
    const char *sasl_sender;
    unsigned long size;
    const char *etrn_domain;
    const char *stress;
    const char *policy_context;
    const char *client_port;
    const char *server_address;
    const char *server_port;
    unsigned attributes;        /* lines in the request, the empty one excepted */
};

/* Limits on one request (vigie.conf policy_max_request, policy_max_attributes). */
struct policy_limits {
    size_t max_size;            /* bytes, the closing empty line included */
    unsigned max_attributes;
};

/* State of policy_frame() between calls, for one request. */
struct policy_framer {
    size_t scanned;             /* bytes looked at */
    size_t line_start;          /* offset of the current line */
    unsigned lines;             /* complete lines seen */
};

enum policy_frame_status {
    POLICY_FRAME_MORE,          /* no end yet: read more */
    POLICY_FRAME_DONE,          /* a complete request of *request_len bytes */
    POLICY_FRAME_ERROR,         /* a limit was passed or junk was sent: err says which */
};

/* policy_framer_reset - ready for the next request */
void policy_framer_reset(struct policy_framer *f);

/*
 * policy_frame - look for the end of the request at the head of buf
 *	buf holds len bytes (the same head as in the previous call, maybe
 *	more). Only new bytes are looked at. On DONE, call
 *	policy_framer_reset() before framing the next request.
 */
enum policy_frame_status policy_frame(struct policy_framer *f, const char *buf, size_t len,
                                      const struct policy_limits *limits, size_t *request_len,
                                      struct vigie_error *err) WARN_UNUSED;

/*
 * policy_request_parse - split a framed request (modified in place)
 *	text, len: exactly what policy_frame() delimited. Returns 0 with
 *	*req filled (pointing into text), or -1 with err set.
 */
int policy_request_parse(char *text, size_t len, struct policy_request *req,
                         struct vigie_error *err) WARN_UNUSED;

/* policy_state_name - "RCPT", "END-OF-MESSAGE", ...; "unknown" */
const char *policy_state_name(enum policy_state state);

/*
 * policy_reply - "action=ACTION\n\n" into buf (POLICY_REPLY_MAX bytes)
 *	Control bytes of action become spaces; an action too long is cut.
 *	Returns the length written.
 */
size_t policy_reply(const char *action, char *buf);

#endif
