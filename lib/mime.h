/*
 * NAME
 *	mime - streaming MIME decoder: a message in, decoded text out
 * SYNOPSIS
 *	#include "mime.h"
 *
 *	p = mime_new(&limits, &sink, arg);
 *	for each message:
 *		mime_reset(p);
 *		either	mime_write(p, raw message bytes...)	(a file)
 *		or	mime_header(p, name, value)... mime_end_headers(p);
 *			mime_write(p, body chunk...)		(a milter)
 *		mime_finish(p);
 *		mime_digest(p, digest);
 *	mime_free(p);
 * DESCRIPTION
 *	The decoder reads a message as it arrives, in chunks of any size,
 *	without keeping it: only the current line (at most
 *	MIME_LINE_MAX bytes; longer lines are handled in pieces) and the
 *	current header field (at most MIME_FIELD_MAX bytes; the rest is
 *	dropped) are buffered.
 *
 *	It calls the sink with:
 *	- every header field of the message and of its parts, unfolded,
 *	  RFC 2047 encoded words decoded, as UTF-8 (header);
 *	- the text of text/plain and text/html parts (multipart nesting,
 *	  message/rfc822 parts, base64 and quoted-printable undone, the
 *	  declared charset converted to UTF-8, HTML reduced to its text)
 *	  (text);
 *	- the link targets found in HTML (url);
 *	- the end of each text part (part_end), so that words do not run
 *	  on from one part into the next.
 *	Non-text parts (images, attachments) contribute their header
 *	fields only.
 *
 *	Real mail is accepted as it comes: a leading mbox "From " line is
 *	skipped, lines may end in LF or CRLF, NUL bytes are ordinary
 *	bytes, a first line that is not a header field starts the body,
 *	a missing closing boundary is tolerated, nesting past
 *	limits.max_depth is not decoded, and bytes past limits.max_bytes
 *	are ignored. Every byte is looked at a bounded number of times,
 *	so no input can loop or crash the decoder.
 *
 *	The digest identifies a message's content independently of the
 *	header fields added in transit or on delivery: a 128-bit hash
 *	(XXH3) of the Message-ID field and of the body lines, line ends
 *	normalised. It covers what was examined (see max_bytes).
 *
 *	Thread safety: a parser belongs to one thread.
 */
#ifndef VIGIE_MIME_H
#define VIGIE_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"

#define MIME_LINE_MAX 4096          /* a longer line is processed in pieces */
#define MIME_FIELD_MAX 8192         /* a header field is truncated past this */
#define MIME_DIGEST_LEN 16

/* Where decoded content goes; every pointer is valid during the call only. */
struct mime_sink {
    /* header - one field; depth 0 is the message's own header */
    void (*header)(void *arg, const char *name, size_t name_len,
                   const char *value, size_t value_len, unsigned depth);
    /* text - UTF-8 text; a chunk may end in the middle of a word */
    void (*text)(void *arg, const char *text, size_t len);
    /* url - a link target taken from an HTML attribute */
    void (*url)(void *arg, const char *url, size_t len);
    /* part_end - the current text part has ended */
    void (*part_end)(void *arg);
};

struct mime_limits {
    size_t max_bytes;               /* bytes examined per message; 0 = no limit */
    unsigned max_depth;             /* multipart/message nesting decoded; >= 1 */
};

/* What the decoder met; for logging, after mime_finish. */
struct mime_stats {
    unsigned parts;                 /* text parts decoded */
    bool truncated;                 /* max_bytes was reached */
    bool too_deep;                  /* nesting past max_depth was skipped */
};

struct mime_parser;

/*
 * mime_new - a parser calling sink with arg
 *	The limits and sink are copied. Returns NULL when out of memory.
 */
struct mime_parser *mime_new(const struct mime_limits *limits,
                             const struct mime_sink *sink, void *arg) WARN_UNUSED;

/* mime_free - NULL is allowed */
void mime_free(struct mime_parser *p);

/* mime_reset - forget the current message and expect a new one */
void mime_reset(struct mime_parser *p);

/*
 * mime_header - one field of the message's own header, as a milter
 *	receives it (value may hold CR LF folds). Only before
 *	mime_end_headers and the first mime_write.
 */
void mime_header(struct mime_parser *p, const char *name, const char *value);

/* mime_end_headers - the message's header is complete (milter) */
void mime_end_headers(struct mime_parser *p);

/* mime_write - the next len bytes of the message (or of its body) */
void mime_write(struct mime_parser *p, const char *data, size_t len);

/* mime_finish - end of the message: flush what is pending */
void mime_finish(struct mime_parser *p);

/* mime_digest - the content digest (after mime_finish) */
void mime_digest(const struct mime_parser *p, unsigned char digest[MIME_DIGEST_LEN]);

/* mime_stats - what the decoder met (after mime_finish) */
void mime_stats(const struct mime_parser *p, struct mime_stats *stats);

#endif
