/*
 * NAME
 *	mime - streaming MIME decoder: a message in, decoded text out
 * DESCRIPTION
 *	See mime.h. Input is cut into lines (a line longer than the line
 *	buffer is handled as several pieces; only a line's first piece
 *	can be a boundary or start a header field). Each line goes to
 *	the state of the entity being read: its header section, the body
 *	of a text part (decoded, converted, maybe reduced from HTML), or
 *	a body that is skipped while watching for boundaries.
 *
 *	Open multiparts form a stack of boundaries, at most max_depth
 *	deep. A boundary line closes every part nested inside the
 *	multipart it belongs to, which is how a missing close delimiter
 *	is forgiven.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "mime.h"
#include "mime_charset.h"
#include "mime_codec.h"
#include "mime_html.h"

#define MIME_BOUNDARY_MAX 200       /* RFC 2046 allows 70 */
#define MIME_CHARSET_MAX 40
#define MIME_DEPTH_CAP 32           /* max_depth is clamped to this */

enum mime_state {
    MS_START,                       /* first line: maybe an mbox "From " line */
    MS_HEADER,                      /* a header section */
    MS_BODY,                        /* the body of a text part */
    MS_SKIP,                        /* preamble, epilogue, non-text body */
    MS_DONE,                        /* past max_bytes */
};

enum mime_kind {
    KIND_TEXT,
    KIND_HTML,
    KIND_MULTIPART,
    KIND_MESSAGE,
    KIND_OTHER,
};

enum mime_cte {
    CTE_IDENTITY,
    CTE_BASE64,
    CTE_QP,
};

/* What the header of the entity being read said. */
struct mime_part {
    enum mime_kind kind;
    enum mime_cte cte;
    size_t charset_len;
    size_t boundary_len;
    char charset[MIME_CHARSET_MAX];
    char boundary[MIME_BOUNDARY_MAX];
};

/* One open multipart. */
struct mime_level {
    unsigned depth;                 /* of the multipart entity itself */
    size_t len;
    char text[MIME_BOUNDARY_MAX];
};

struct mime_parser {
    struct mime_limits limits;
    struct mime_sink sink;
    void *arg;
    enum mime_state state;
    unsigned depth;                 /* of the entity being read */
    struct mime_part part;
    struct mime_level *levels;      /* open multiparts, outermost first */
    unsigned nlevels;
    bool in_body;                   /* past the message's own header */
    bool skip_line;                 /* the rest of this line is ignored */
    bool line_started;              /* a piece of this line was handled */
    size_t line_len;
    size_t field_len;
    size_t fed;
    struct mime_stats stats;
    struct b64_state b64;
    struct charset_conv *cs;
    XXH3_state_t *digest;
    struct html_reducer html;
    char line[MIME_LINE_MAX];
    char field[MIME_FIELD_MAX];
    char decoded[MIME_FIELD_MAX];
    char scratch[MIME_LINE_MAX + 8];    /* decoded body bytes of one line */
};

static void body_piece(struct mime_parser *p, const char *s, size_t n, bool first,
                       bool complete);

/* part_reset - the defaults of an entity without header fields */
static void part_reset(struct mime_part *part)
{
    part->kind = KIND_TEXT;
    part->cte = CTE_IDENTITY;
    part->charset_len = 0;
    part->boundary_len = 0;
}

/* mime_new - a parser calling sink with arg */
struct mime_parser *mime_new(const struct mime_limits *limits,
                             const struct mime_sink *sink, void *arg)
{
    struct mime_parser *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->limits = *limits;
    if (p->limits.max_depth < 1)
        p->limits.max_depth = 1;
    if (p->limits.max_depth > MIME_DEPTH_CAP)
        p->limits.max_depth = MIME_DEPTH_CAP;
    p->sink = *sink;
    p->arg = arg;
    p->levels = calloc(p->limits.max_depth, sizeof(*p->levels));
    p->cs = charset_new();
    p->digest = XXH3_createState();
    if (p->levels == NULL || p->cs == NULL || p->digest == NULL) {
        mime_free(p);
        return NULL;
    }
    mime_reset(p);
    return p;
}

/* mime_free - NULL is allowed */
void mime_free(struct mime_parser *p)
{
    if (p == NULL)
        return;
    free(p->levels);
    charset_free(p->cs);
    XXH3_freeState(p->digest);
    free(p);
}

/* mime_reset - forget the current message and expect a new one */
void mime_reset(struct mime_parser *p)
{
    p->state = MS_START;
    p->depth = 0;
    part_reset(&p->part);
    p->nlevels = 0;
    p->in_body = false;
    p->skip_line = false;
    p->line_started = false;
    p->line_len = 0;
    p->field_len = 0;
    p->fed = 0;
    memset(&p->stats, 0, sizeof(p->stats));
    html_reset(&p->html);
    XXH3_128bits_reset(p->digest);
}

/* text_out - converted UTF-8 of the current part, to the sink or via HTML */
static void text_out(void *arg, const char *utf8, size_t len)
{
    struct mime_parser *p = arg;

    if (p->part.kind == KIND_HTML)
        html_write(&p->html, utf8, len, &p->sink, p->arg);
    else
        p->sink.text(p->arg, utf8, len);
}

/* skip_blanks - advance *i past spaces and tabs */
static void skip_blanks(const char *v, size_t n, size_t *i)
{
    while (*i < n && (v[*i] == ' ' || v[*i] == '\t'))
        (*i)++;
}

/*
 * param_value - the value of parameter name in a Content-Type value
 *	Copies at most cap bytes to out; returns the length, 0 when absent.
 */
static size_t param_value(const char *v, size_t n, const char *name, char *out, size_t cap)
{
    size_t name_len = strlen(name);

    for (size_t i = 0; i < n; i++) {
        size_t len = 0;

        if (v[i] != ';')
            continue;
        i++;
        skip_blanks(v, n, &i);
        if (i + name_len >= n || strncasecmp(v + i, name, name_len) != 0)
            continue;
        i += name_len;
        skip_blanks(v, n, &i);
        if (i >= n || v[i] != '=')
            continue;
        i++;
        skip_blanks(v, n, &i);
        if (i < n && v[i] == '"') {
            for (i++; i < n && v[i] != '"'; i++) {
                if (v[i] == '\\' && i + 1 < n)
                    i++;
                if (len < cap)
                    out[len++] = v[i];
            }
        } else {
            for (; i < n && v[i] != ';' && v[i] != ' ' && v[i] != '\t'; i++)
                if (len < cap)
                    out[len++] = v[i];
        }
        return len;
    }
    return 0;
}

/* starts_with - case-insensitive prefix test on a counted string */
static bool starts_with(const char *v, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);

    return n >= len && strncasecmp(v, prefix, len) == 0;
}

/* parse_content_type - kind, charset and boundary of the current part */
static void parse_content_type(struct mime_part *part, const char *v, size_t n)
{
    size_t i = 0;

    skip_blanks(v, n, &i);
    v += i;
    n -= i;
    if (starts_with(v, n, "text/html"))
        part->kind = KIND_HTML;
    else if (starts_with(v, n, "text/"))
        part->kind = KIND_TEXT;
    else if (starts_with(v, n, "multipart/"))
        part->kind = KIND_MULTIPART;
    else if (starts_with(v, n, "message/rfc822"))
        part->kind = KIND_MESSAGE;
    else
        part->kind = KIND_OTHER;
    part->charset_len = param_value(v, n, "charset", part->charset, sizeof(part->charset));
    part->boundary_len = param_value(v, n, "boundary", part->boundary, sizeof(part->boundary));
}

/* parse_encoding - the Content-Transfer-Encoding of the current part */
static void parse_encoding(struct mime_part *part, const char *v, size_t n)
{
    size_t i = 0;

    skip_blanks(v, n, &i);
    if (starts_with(v + i, n - i, "base64"))
        part->cte = CTE_BASE64;
    else if (starts_with(v + i, n - i, "quoted-printable"))
        part->cte = CTE_QP;
    else
        part->cte = CTE_IDENTITY;
}

/* field_flush - act on the complete header field held in p->field */
static void field_flush(struct mime_parser *p)
{
    const char *f = p->field;
    size_t n = p->field_len;
    const char *colon = memchr(f, ':', n);
    size_t name_len, i, vlen;

    p->field_len = 0;
    if (colon == NULL)
        return;
    name_len = (size_t)(colon - f);
    while (name_len > 0 && (f[name_len - 1] == ' ' || f[name_len - 1] == '\t'))
        name_len--;
    i = (size_t)(colon - f) + 1;
    skip_blanks(f, n, &i);
    vlen = n - i;
    while (vlen > 0 && (f[i + vlen - 1] == ' ' || f[i + vlen - 1] == '\t'))
        vlen--;
    if (name_len == 12 && strncasecmp(f, "content-type", 12) == 0)
        parse_content_type(&p->part, f + i, vlen);
    else if (name_len == 25 && strncasecmp(f, "content-transfer-encoding", 25) == 0)
        parse_encoding(&p->part, f + i, vlen);
    else if (p->depth == 0 && name_len == 10 && strncasecmp(f, "message-id", 10) == 0)
        XXH3_128bits_update(p->digest, f + i, vlen);
    vlen = rfc2047_decode(p->cs, f + i, vlen, p->decoded, sizeof(p->decoded));
    p->sink.header(p->arg, f, name_len, p->decoded, vlen, p->depth);
}

/* field_append - more of the current header field; the excess is dropped */
static void field_append(struct mime_parser *p, const char *s, size_t n)
{
    size_t room = sizeof(p->field) - p->field_len;

    if (n > room)
        n = room;
    memcpy(p->field + p->field_len, s, n);
    p->field_len += n;
}

/* start_text - the body of a text part begins */
static void start_text(struct mime_parser *p)
{
    p->state = MS_BODY;
    p->b64.bits = 0;
    p->b64.nbits = 0;
    charset_begin(p->cs, p->part.charset, p->part.charset_len);
    html_reset(&p->html);
    p->stats.parts++;
}

/* part_end - the current entity's body ends */
static void part_end(struct mime_parser *p)
{
    if (p->state != MS_BODY)
        return;
    charset_end(p->cs, text_out, p);
    if (p->part.kind == KIND_HTML)
        html_end(&p->html, &p->sink, p->arg);
    p->sink.part_end(p->arg);
    p->state = MS_SKIP;
}

/* headers_end - the header section of the current entity is complete */
static void headers_end(struct mime_parser *p)
{
    p->in_body = true;
    p->state = MS_SKIP;
    switch (p->part.kind) {
    case KIND_MULTIPART:
        if (p->part.boundary_len == 0) {
            p->part.kind = KIND_TEXT;
            start_text(p);
        } else if (p->depth < p->limits.max_depth) {
            struct mime_level *level = &p->levels[p->nlevels++];

            level->depth = p->depth;
            level->len = p->part.boundary_len;
            memcpy(level->text, p->part.boundary, level->len);
        } else {
            p->stats.too_deep = true;
        }
        break;
    case KIND_MESSAGE:
        if (p->part.cte != CTE_IDENTITY)
            break;
        if (p->depth < p->limits.max_depth) {
            p->depth++;
            part_reset(&p->part);
            p->state = MS_HEADER;
        } else {
            p->stats.too_deep = true;
        }
        break;
    case KIND_TEXT:
    case KIND_HTML:
        start_text(p);
        break;
    case KIND_OTHER:
        break;
    }
}

/* is_field_start - does a line open a header field ("name:")? */
static bool is_field_start(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == ':')
            return i > 0;
        if (c <= ' ' || c >= 127)
            return false;
    }
    return false;
}

/* header_piece - a piece of a line in a header section */
static void header_piece(struct mime_parser *p, const char *s, size_t n, bool first,
                         bool complete)
{
    if (!first) {
        field_append(p, s, n);
        return;
    }
    if (n == 0 && complete) {
        field_flush(p);
        headers_end(p);
        return;
    }
    if (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
        field_append(p, s, n);
        return;
    }
    field_flush(p);
    if (!is_field_start(s, n)) {
        /* not a header field: the header section ended without its blank line */
        headers_end(p);
        body_piece(p, s, n, first, complete);
        return;
    }
    field_append(p, s, n);
}

/* boundary - if the line is a boundary of an open multipart, act on it */
static bool boundary(struct mime_parser *p, const char *s, size_t n)
{
    for (unsigned k = p->nlevels; k-- > 0;) {
        const struct mime_level *level = &p->levels[k];
        size_t i = 2 + level->len;
        bool close = false;

        if (n < i || memcmp(s + 2, level->text, level->len) != 0)
            continue;
        if (i + 2 <= n && s[i] == '-' && s[i + 1] == '-') {
            close = true;
            i += 2;
        }
        skip_blanks(s, n, &i);
        if (i != n)
            continue;
        part_end(p);
        p->field_len = 0;
        if (close) {
            p->nlevels = k;
            p->depth = level->depth;
            p->state = MS_SKIP;
        } else {
            p->nlevels = k + 1;
            p->depth = level->depth + 1;
            part_reset(&p->part);
            p->state = MS_HEADER;
        }
        return true;
    }
    return false;
}

/* body_piece - a piece of a line in a body: boundary, text or skipped */
static void body_piece(struct mime_parser *p, const char *s, size_t n, bool first,
                       bool complete)
{
    size_t m;

    if (first && n >= 2 && s[0] == '-' && s[1] == '-' && p->nlevels > 0 && boundary(p, s, n))
        return;
    if (p->state != MS_BODY)
        return;
    switch (p->part.cte) {
    case CTE_IDENTITY:
        charset_write(p->cs, s, n, text_out, p);
        if (complete)
            charset_write(p->cs, "\n", 1, text_out, p);
        break;
    case CTE_QP:
        m = qp_decode(s, n, complete, p->scratch);
        charset_write(p->cs, p->scratch, m, text_out, p);
        break;
    case CTE_BASE64:
        m = b64_decode(&p->b64, s, n, p->scratch);
        charset_write(p->cs, p->scratch, m, text_out, p);
        break;
    }
}

/*
 * line_piece - dispatch a line, or a piece of a long one (n <= MIME_LINE_MAX)
 *	complete: the line ends here (its LF was seen; a CR before it is
 *	dropped).
 */
static void line_piece(struct mime_parser *p, const char *s, size_t n, bool complete)
{
    bool first = !p->line_started;

    p->line_started = !complete;
    if (complete && n > 0 && s[n - 1] == '\r')
        n--;
    if (p->skip_line) {
        p->skip_line = !complete;
        return;
    }
    if (p->in_body) {
        XXH3_128bits_update(p->digest, s, n);
        if (complete)
            XXH3_128bits_update(p->digest, "\n", 1);
    }
    switch (p->state) {
    case MS_START:
        p->state = MS_HEADER;
        if (n >= 5 && memcmp(s, "From ", 5) == 0) {
            p->skip_line = !complete;
            return;
        }
        header_piece(p, s, n, first, complete);
        break;
    case MS_HEADER:
        header_piece(p, s, n, first, complete);
        break;
    case MS_BODY:
    case MS_SKIP:
        body_piece(p, s, n, first, complete);
        break;
    case MS_DONE:
        break;
    }
}

/* feed - split data into lines; a line may continue in the next call */
static void feed(struct mime_parser *p, const char *data, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl != NULL ? (size_t)(nl - data) : len;
        size_t room, n;

        if (nl != NULL && p->line_len == 0 && take <= MIME_LINE_MAX) {
            /* a whole line in the input: no copy */
            line_piece(p, data, take, true);
            data += take + 1;
            len -= take + 1;
            continue;
        }
        room = sizeof(p->line) - p->line_len;
        n = take < room ? take : room;
        memcpy(p->line + p->line_len, data, n);
        p->line_len += n;
        data += n;
        len -= n;
        if (n < take || (nl == NULL && p->line_len == sizeof(p->line))) {
            line_piece(p, p->line, p->line_len, false);
            p->line_len = 0;
        } else if (nl != NULL) {
            line_piece(p, p->line, p->line_len, true);
            p->line_len = 0;
            data++;
            len--;
        }
    }
}

/* mime_write - the next len bytes of the message (or of its body) */
void mime_write(struct mime_parser *p, const char *data, size_t len)
{
    bool cut = false;

    if (p->state == MS_DONE)
        return;
    if (p->limits.max_bytes > 0 && len > p->limits.max_bytes - p->fed) {
        len = p->limits.max_bytes - p->fed;
        cut = true;
    }
    p->fed += len;
    feed(p, data, len);
    if (cut) {
        mime_finish(p);
        p->stats.truncated = true;
        p->state = MS_DONE;
    }
}

/* mime_header - one field of the message's own header, as a milter gets it */
void mime_header(struct mime_parser *p, const char *name, const char *value)
{
    if (p->state == MS_START)
        p->state = MS_HEADER;
    if (p->state != MS_HEADER || p->depth != 0 || p->in_body)
        return;
    p->field_len = 0;
    field_append(p, name, strlen(name));
    field_append(p, ": ", 2);
    while (*value != '\0') {
        size_t span = strcspn(value, "\r\n");

        field_append(p, value, span);
        value += span;
        value += strspn(value, "\r\n");
    }
    field_flush(p);
}

/* mime_end_headers - the message's header is complete (milter) */
void mime_end_headers(struct mime_parser *p)
{
    if (p->state == MS_START)
        p->state = MS_HEADER;
    if (p->state != MS_HEADER || p->depth != 0 || p->in_body)
        return;
    field_flush(p);
    headers_end(p);
}

/* mime_finish - end of the message: flush what is pending */
void mime_finish(struct mime_parser *p)
{
    if (p->state == MS_DONE)
        return;
    if (p->line_len > 0 || p->line_started) {
        line_piece(p, p->line, p->line_len, true);
        p->line_len = 0;
    }
    if (p->state == MS_HEADER)
        field_flush(p);
    part_end(p);
}

/* mime_digest - the content digest (after mime_finish) */
void mime_digest(const struct mime_parser *p, unsigned char digest[MIME_DIGEST_LEN])
{
    XXH128_canonical_t canon;

    XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(p->digest));
    memcpy(digest, canon.digest, MIME_DIGEST_LEN);
}

/* mime_stats - what the decoder met (after mime_finish) */
void mime_stats(const struct mime_parser *p, struct mime_stats *stats)
{
    *stats = p->stats;
}
