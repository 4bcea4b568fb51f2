/*
 * NAME
 *	tokenize - the set of Bayes tokens of one message, streaming
 * SYNOPSIS
 *	#include "tokenize.h"
 *
 *	t = tokenizer_new(&params, &err);
 *	for each message:
 *		tokenizer_reset(t);
 *		tokenizer_write(t, raw message...);		(a file), or
 *		tokenizer_header(t, name, value)...;		(a milter)
 *		tokenizer_end_headers(t);
 *		tokenizer_write(t, body chunk...);
 *		set = tokenizer_finish(t, digest);
 *	tokenizer_free(t);
 * DESCRIPTION
 *	The tokenizer feeds a message through the MIME decoder (mime.h)
 *	and turns the decoded text into a set of distinct tokens, each
 *	with a 64-bit hash (XXH3) that names it in the statistics:
 *
 *	word	body text is cut into runs at blanks, control characters
 *		and "<>()[]{},;; a run is cut into words at any other
 *		punctuation but $ ! ' - . _ % (so "$100", "free!!" and
 *		"100%" stay whole); leading '-._!% and trailing '-._$ are
 *		trimmed; ASCII letters are lower-cased (other bytes are
 *		kept as they are: UTF-8 text makes UTF-8 tokens). Words
 *		shorter than min_len bytes are dropped; words longer than
 *		max_len become "skip:C:N" (C the class of the first byte:
 *		a letter, d digit, u non-ASCII, p other; N the length
 *		rounded down to tens), as in SpamBayes.
 *	url:HOST a run that is a URL (scheme://... or www....), or a link
 *		target from HTML, gives "url:" and its host (lower-cased,
 *		without user or port) and, for a host of three labels or
 *		more, "url:" and its last two labels; a numeric host (an
 *		IP address) gives "url:ip" too; the rest of the URL gives
 *		words.
 *	FIELD:WORD header fields give "header:FIELD" (the field is
 *		present) and the words and URLs of their value prefixed by
 *		the lower-cased field name, e.g. "subject:free",
 *		"from:example.com". Which fields count is params.headers:
 *		none, a basic set (subject, from, to, cc, reply-to, sender,
 *		content-type, content-transfer-encoding,
 *		content-disposition, x-mailer, user-agent) or all fields
 *		except those that identify one copy or one delivery (date,
 *		message-id, in-reply-to, references, status, x-uid, ...)
 *		or that a spam filter added (x-spam-*, x-vigie-*,
 *		x-bogosity, authentication-results): learning a delivered
 *		message must not learn the verdict it carries.
 *	WORD WORD with params.word_pairs, each pair of consecutive body
 *		words (within one part) is a token too.
 *	script:NAME one token per non-Latin script family that the body
 *		text or the message's Subject field uses (cjk: Han, kana,
 *		CJK punctuation, full-width forms; hangul, cyrillic, greek,
 *		arabic, hebrew, thai, indic; other: any other script), from
 *		its first character on, whatever params.headers is. Latin,
 *		punctuation, symbols and emoji give none.
 *
 *	A word longer than max_len that starts with a multibyte character
 *	(text in a script written without spaces) gives each pair of
 *	consecutive characters instead, at most 64 of them.
 *
 *	A token is at most TOKEN_MAX bytes. A message gives at most
 *	params.max_tokens distinct tokens (the first ones met); past that,
 *	or when their text fills the token arena, set->truncated is set.
 *	A run longer than 256 bytes is read in its first 256 bytes only.
 *
 *	Memory: everything is allocated by tokenizer_new; tokenizing a
 *	message allocates nothing (but iconv descriptors, cached).
 *
 *	Thread safety: a tokenizer belongs to one thread.
 */
#ifndef VIGIE_TOKENIZE_H
#define VIGIE_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "error.h"
#include "mime.h"

#define TOKEN_MAX 160               /* bytes of one token's text */
#define TOKENIZE_MAX_LEN_CAP 64     /* max_len is at most this */

enum tokenize_headers {
    TOKENIZE_HEADERS_NONE,
    TOKENIZE_HEADERS_BASIC,
    TOKENIZE_HEADERS_ALL,
};

struct tokenize_params {
    enum tokenize_headers headers;  /* which header fields give tokens */
    bool word_pairs;                /* pairs of consecutive body words */
    unsigned min_len;               /* shortest word kept, bytes (>= 1) */
    unsigned max_len;               /* longest word kept, bytes (<= 64) */
    unsigned max_tokens;            /* distinct tokens per message (>= 1) */
    size_t max_bytes;               /* bytes of a message examined; 0 = all */
    unsigned max_depth;             /* MIME nesting decoded */
};

/* The defaults, chosen on the training corpus (see bayes.h). */
#define TOKENIZE_PARAMS_DEFAULT { \
        .headers = TOKENIZE_HEADERS_ALL, \
        .word_pairs = true, \
        .min_len = 3, \
        .max_len = 40, \
        .max_tokens = 4000, \
        .max_bytes = 512 * 1024, \
        .max_depth = 8, \
    }

struct token {
    uint64_t hash;                  /* XXH3-64 of the text; never 0 */
    const char *text;               /* not NUL-terminated */
    size_t len;
};

/* The tokens of a message, in the order first met; owned by the tokenizer. */
struct token_set {
    const struct token *items;
    size_t count;
    bool truncated;                 /* max_tokens or max_bytes was reached */
};

struct tokenizer;

/*
 * tokenizer_new - a tokenizer with a copy of params
 *	Returns NULL with err set when a parameter is out of range or
 *	memory is short.
 */
struct tokenizer *tokenizer_new(const struct tokenize_params *params,
                                struct vigie_error *err) WARN_UNUSED;

/* tokenizer_free - NULL is allowed */
void tokenizer_free(struct tokenizer *t);

/* tokenizer_reset - start a new message (the previous set is discarded) */
void tokenizer_reset(struct tokenizer *t);

/* tokenizer_header - one field of the message's header, as a milter gets it */
void tokenizer_header(struct tokenizer *t, const char *name, const char *value);

/* tokenizer_end_headers - the message's header is complete (milter) */
void tokenizer_end_headers(struct tokenizer *t);

/* tokenizer_write - the next bytes of the message (or of its body) */
void tokenizer_write(struct tokenizer *t, const char *data, size_t len);

/*
 * tokenizer_finish - the end of the message
 *	Returns the token set, valid until the next reset, and writes the
 *	message's content digest (mime.h) when digest is not NULL.
 */
const struct token_set *tokenizer_finish(struct tokenizer *t,
                                         unsigned char digest[MIME_DIGEST_LEN]);

#endif
