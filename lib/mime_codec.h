/*
 * NAME
 *	mime_codec - base64, quoted-printable and RFC 2047 decoding
 * SYNOPSIS
 *	#include "mime_codec.h"
 * DESCRIPTION
 *	Decoders for the content transfer encodings, one line (or piece
 *	of a line) at a time, and for encoded words in header fields.
 *	They never fail: what is not valid encoding is skipped (base64)
 *	or kept as it is (quoted-printable, RFC 2047).
 */
#ifndef VIGIE_MIME_CODEC_H
#define VIGIE_MIME_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "mime_charset.h"

/* Base64 state carried from one line to the next. Zero is the start. */
struct b64_state {
    unsigned bits;                  /* pending bits, right-aligned */
    unsigned nbits;                 /* 0, 6, 12 or 18 */
};

/*
 * b64_decode - decode len characters; characters outside the alphabet
 *	are skipped, '=' ends the current group. Writes at most
 *	len * 3 / 4 + 2 bytes to out; returns how many.
 */
size_t b64_decode(struct b64_state *st, const char *in, size_t len, char *out);

/*
 * qp_decode - decode one line (without its line end) of
 *	quoted-printable. complete: the line ends here (false for a piece
 *	of a long line). A complete line gets a '\n' unless it ends in a
 *	soft line break. Writes at most len + 1 bytes to out; returns how
 *	many.
 */
size_t qp_decode(const char *in, size_t len, bool complete, char *out);

/*
 * rfc2047_decode - a header value with its encoded words
 *	(=?charset?B|Q?text?=) decoded and converted to UTF-8 with cs;
 *	blanks between two encoded words are dropped. Writes at most
 *	outcap bytes (truncating) and returns how many.
 */
size_t rfc2047_decode(struct charset_conv *cs, const char *in, size_t len,
                      char *out, size_t outcap);

#endif
