/*
 * NAME
 *	mime_charset - text in a declared charset to UTF-8, streaming (iconv)
 * SYNOPSIS
 *	#include "mime_charset.h"
 * DESCRIPTION
 *	A converter turns the bytes of one text part into UTF-8, chunk by
 *	chunk: a multibyte sequence cut between two chunks is held back
 *	until the next one. A byte that is invalid in the declared charset
 *	becomes one space. "us-ascii", "utf-8", an empty name and a name
 *	iconv does not know are passed through unchanged (mail often lies
 *	about its charset; raw bytes still make consistent tokens).
 *
 *	iconv descriptors are costly to open, so a converter keeps the
 *	last few it opened (and the names iconv refused) for the life of
 *	the converter: reuse one converter for many messages.
 *
 *	Thread safety: a converter belongs to one thread.
 */
#ifndef VIGIE_MIME_CHARSET_H
#define VIGIE_MIME_CHARSET_H

#include <stddef.h>

#include "compiler.h"

struct charset_conv;

/* charset_out_fn - receives converted UTF-8 (valid during the call only) */
typedef void (*charset_out_fn)(void *arg, const char *utf8, size_t len);

/* charset_new - a converter; NULL when out of memory */
struct charset_conv *charset_new(void) WARN_UNUSED;

/* charset_free - close every cached descriptor; NULL is allowed */
void charset_free(struct charset_conv *cs);

/*
 * charset_begin - start a text in charset name (len bytes, not
 *	NUL-terminated, case-insensitive); drops what an earlier text
 *	left pending.
 */
void charset_begin(struct charset_conv *cs, const char *name, size_t len);

/* charset_write - convert len bytes; out is called zero or more times */
void charset_write(struct charset_conv *cs, const char *in, size_t len,
                   charset_out_fn out, void *arg);

/* charset_end - end of the text: an incomplete trailing sequence becomes a space */
void charset_end(struct charset_conv *cs, charset_out_fn out, void *arg);

/*
 * charset_convert - convert one short text at once (an RFC 2047
 *	encoded word). Writes at most outcap bytes of UTF-8 to out
 *	(truncating, possibly inside a character) and returns how many.
 *	Must not be called between charset_begin and charset_end: it
 *	shares the descriptors of the streaming conversion.
 */
size_t charset_convert(struct charset_conv *cs, const char *name, size_t name_len,
                       const char *in, size_t len, char *out, size_t outcap);

#endif
