/*
 * NAME
 *	bench_corpus - raw message files, split as Postfix hands them to a milter
 * SYNOPSIS
 *	#include "bench_corpus.h"
 * DESCRIPTION
 *	Each file is one RFC 5322 message, bytes unchanged, possibly
 *	starting with an mbox "From " line (skipped). It is split the
 *	way Postfix's cleanup server feeds milter8.c:
 *
 *	- header fields: a name (the bytes before the colon, trailing
 *	  blanks dropped) and a value (everything after the colon);
 *	  continuation lines are joined to their field with "\n", as
 *	  Sendmail and Postfix send multi-line headers;
 *	- the header section ends at an empty line (not part of the
 *	  body) or at the first line that is neither a header nor a
 *	  continuation (the first body line);
 *	- the body: every line ended by CRLF, whether the file had LF or
 *	  CRLF; a last line without a newline gets one; bare CRs inside a
 *	  line are kept.
 */
#ifndef VIGIE_BENCH_CORPUS_H
#define VIGIE_BENCH_CORPUS_H

#include <stddef.h>

#include "compiler.h"
#include "error.h"

struct bench_header {
    char *name;                 /* field name, without the colon */
    char *value;                /* after the colon, unchanged, lines joined by "\n" */
};

struct bench_msg {
    char *path;                 /* the file it came from */
    struct bench_header *headers;
    size_t nheaders;
    char *body;                 /* CRLF line ends; not NUL-terminated */
    size_t body_len;
};

struct bench_corpus {
    struct bench_msg *msgs;     /* sorted by path */
    size_t count;
};

/*
 * corpus_load - read every regular file named in paths, or found under
 *	a directory named there (recursively, skipping names that start
 *	with '.'). Returns 0 with corpus filled (caller frees with
 *	corpus_free), or -1 with err set ("path: what is wrong") and
 *	corpus empty. No message found is an error.
 */
int corpus_load(struct bench_corpus *corpus, char *const *paths, size_t npaths,
                struct vigie_error *err) WARN_UNUSED;

/*
 * corpus_parse - split the len bytes at raw into msg (path is copied).
 *	Returns 0, or -1 with err set (out of memory) and msg empty.
 */
int corpus_parse(struct bench_msg *msg, const char *path, const char *raw,
                 size_t len, struct vigie_error *err) WARN_UNUSED;

/* corpus_msg_free - release one message; the struct is left empty */
void corpus_msg_free(struct bench_msg *msg);

/* corpus_free - release every message; the corpus is left empty */
void corpus_free(struct bench_corpus *corpus);

#endif
