/*
 * NAME
 *	mime_html - HTML reduced to its text and its link targets, streaming
 * SYNOPSIS
 *	#include "mime_html.h"
 * DESCRIPTION
 *	Fed UTF-8 HTML in chunks of any size, the reducer passes the text
 *	between tags to the sink's text callback and the values of href,
 *	src, action and background attributes to its url callback.
 *	Comments and the content of <script> and <style> are dropped;
 *	character references (&amp; &#233; &#xE9; and a few names) are
 *	decoded, other "&name" is kept as text; block tags become a space
 *	while inline tags (b, i, font, span, ...) and comments become
 *	nothing, so that "fr<b></b>ee" and "fr<!-- -->ee" read "free".
 *
 *	It is a tolerant reader, not a parser: broken markup (an
 *	unclosed tag or quote, a comment that never ends) only hides
 *	text up to the end of the part. A tag longer than
 *	HTML_TAG_MAX bytes is truncated.
 */
#ifndef VIGIE_MIME_HTML_H
#define VIGIE_MIME_HTML_H

#include <stddef.h>

#include "mime.h"

#define HTML_TAG_MAX 1024

enum html_mode {
    HTML_TEXT,                      /* between tags */
    HTML_TAG,                       /* inside <...> */
    HTML_COMMENT,                   /* inside <!-- ... --> */
    HTML_RAW,                       /* inside <script> or <style> */
    HTML_ENTITY,                    /* after '&' */
};

/* Reducer state; html_reset makes it ready. Embedded in the MIME parser. */
struct html_reducer {
    enum html_mode mode;
    char quote;                     /* inside a quoted attribute value, or 0 */
    size_t tag_len;
    unsigned dashes;                /* consecutive '-' seen in a comment */
    const char *raw_end;            /* "</script" or "</style" */
    size_t raw_matched;
    size_t ent_len;
    char ent[12];
    char tag[HTML_TAG_MAX];
};

/* html_reset - start a new HTML text */
void html_reset(struct html_reducer *h);

/* html_write - reduce len bytes, calling sink->text and sink->url with arg */
void html_write(struct html_reducer *h, const char *in, size_t len,
                const struct mime_sink *sink, void *arg);

/* html_end - end of the text: flush a pending character reference */
void html_end(struct html_reducer *h, const struct mime_sink *sink, void *arg);

#endif
