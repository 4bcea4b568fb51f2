/*
 * NAME
 *	mime_html - HTML reduced to its text and its link targets, streaming
 * DESCRIPTION
 *	See mime_html.h. One byte at a time through a small state machine;
 *	runs of plain text are handed to the sink straight from the input,
 *	without copying.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "mime_html.h"

#define HTML_NAME_MAX 16

static const char *const inline_tags[] = {
    "a", "abbr", "b", "big", "em", "font", "i", "s", "small", "span",
    "strike", "strong", "sub", "sup", "tt", "u",
};

static const char *const link_attributes[] = {
    "href", "src", "action", "background",
};

static const struct {
    const char *name;
    const char *text;
} named_entities[] = {
    {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
    {"nbsp", " "},
};

/* html_reset - start a new HTML text */
void html_reset(struct html_reducer *h)
{
    h->mode = HTML_TEXT;
    h->quote = 0;
    h->tag_len = 0;
    h->dashes = 0;
    h->raw_end = NULL;
    h->raw_matched = 0;
    h->ent_len = 0;
}

/* is_blank - HTML white space */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* utf8_encode - code point cp as UTF-8 in out (4 bytes); returns the length */
static size_t utf8_encode(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* entity_emit - the text of the pending character reference; back to text */
static void entity_emit(struct html_reducer *h, const struct mime_sink *sink, void *arg)
{
    char buf[4];
    size_t n = 0;

    h->mode = HTML_TEXT;
    h->ent[h->ent_len] = '\0';
    if (h->ent_len == 0) {
        sink->text(arg, "&", 1);
        return;
    }
    if (h->ent[0] == '#') {
        bool hex = h->ent[1] == 'x' || h->ent[1] == 'X';
        unsigned long cp = 0;
        bool digits = false;

        for (const char *p = h->ent + (hex ? 2 : 1); *p != '\0'; p++) {
            unsigned d;

            if (*p >= '0' && *p <= '9')
                d = (unsigned)(*p - '0');
            else if (hex && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
                d = (unsigned)((*p | 0x20) - 'a' + 10);
            else
                break;
            cp = cp * (hex ? 16 : 10) + d;
            digits = true;
            if (cp > 0x10FFFF)
                break;
        }
        if (digits && cp > 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF) && cp != 0xA0)
            n = utf8_encode(cp, buf);
    } else {
        for (size_t i = 0; i < sizeof(named_entities) / sizeof(named_entities[0]); i++)
            if (strcasecmp(h->ent, named_entities[i].name) == 0) {
                sink->text(arg, named_entities[i].text, 1);
                return;
            }
        /* not a reference we know: the text as it was, "AT&T" stays */
        sink->text(arg, "&", 1);
        sink->text(arg, h->ent, h->ent_len);
        return;
    }
    if (n == 0) {
        buf[0] = ' ';
        n = 1;
    }
    sink->text(arg, buf, n);
}

/* emit_links - pass the values of link attributes in the tag to sink->url */
static void emit_links(const struct html_reducer *h, const struct mime_sink *sink, void *arg)
{
    const char *t = h->tag;
    size_t len = h->tag_len;

    for (size_t i = 1; i < len; i++) {
        size_t name_len = 0;

        if (!is_blank(t[i - 1]))
            continue;
        for (size_t k = 0; k < sizeof(link_attributes) / sizeof(link_attributes[0]); k++) {
            size_t l = strlen(link_attributes[k]);

            if (i + l < len && strncasecmp(t + i, link_attributes[k], l) == 0) {
                name_len = l;
                break;
            }
        }
        if (name_len == 0)
            continue;
        size_t j = i + name_len;
        while (j < len && is_blank(t[j]))
            j++;
        if (j >= len || t[j] != '=')
            continue;
        j++;
        while (j < len && is_blank(t[j]))
            j++;
        size_t start = j, end;
        if (j < len && (t[j] == '"' || t[j] == '\'')) {
            const char *q = memchr(t + j + 1, t[j], len - j - 1);

            start = j + 1;
            end = q != NULL ? (size_t)(q - t) : len;
        } else {
            end = j;
            while (end < len && !is_blank(t[end]))
                end++;
        }
        if (end > start)
            sink->url(arg, t + start, end - start);
        i = end;
    }
}

/* tag_end - act on a complete tag: raw content, separator, links */
static void tag_end(struct html_reducer *h, const struct mime_sink *sink, void *arg)
{
    char name[HTML_NAME_MAX];
    size_t n = 0;
    size_t i = 0;
    bool closing = false;
    bool is_inline = false;

    if (i < h->tag_len && h->tag[i] == '/') {
        closing = true;
        i++;
    }
    while (i < h->tag_len && n < sizeof(name) - 1
           && (((h->tag[i] | 0x20) >= 'a' && (h->tag[i] | 0x20) <= 'z')
               || (h->tag[i] >= '0' && h->tag[i] <= '9')))
        name[n++] = (char)(h->tag[i++] | 0x20);
    name[n] = '\0';
    h->mode = HTML_TEXT;
    if (!closing && strcmp(name, "script") == 0) {
        h->mode = HTML_RAW;
        h->raw_end = "</script";
    } else if (!closing && strcmp(name, "style") == 0) {
        h->mode = HTML_RAW;
        h->raw_end = "</style";
    }
    h->raw_matched = 0;
    for (size_t k = 0; k < sizeof(inline_tags) / sizeof(inline_tags[0]); k++)
        if (strcmp(name, inline_tags[k]) == 0)
            is_inline = true;
    if (!is_inline)
        sink->text(arg, " ", 1);
    if (!closing)
        emit_links(h, sink, arg);
}

/* tag_byte - one byte inside a tag; true when the tag ended */
static bool tag_byte(struct html_reducer *h, char c, const struct mime_sink *sink, void *arg)
{
    if (h->quote != 0) {
        if (c == h->quote)
            h->quote = 0;
    } else if ((c == '"' || c == '\'') && h->tag_len > 0 && h->tag[h->tag_len - 1] == '=') {
        h->quote = c;
    } else if (c == '>') {
        tag_end(h, sink, arg);
        return true;
    }
    if (h->tag_len < sizeof(h->tag))
        h->tag[h->tag_len++] = c;
    if (h->tag_len == 3 && memcmp(h->tag, "!--", 3) == 0) {
        h->mode = HTML_COMMENT;
        h->dashes = 0;
    }
    return false;
}

/* comment_byte - one byte inside a comment; true when it ended */
static bool comment_byte(struct html_reducer *h, char c)
{
    if (c == '-') {
        h->dashes++;
        return false;
    }
    if (c == '>' && h->dashes >= 2) {
        h->mode = HTML_TEXT;
        return true;
    }
    h->dashes = 0;
    return false;
}

/* raw_byte - one byte of script or style content; looks for its end tag */
static void raw_byte(struct html_reducer *h, char c)
{
    char lc = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);

    if (lc == h->raw_end[h->raw_matched]) {
        h->raw_matched++;
        if (h->raw_end[h->raw_matched] == '\0') {
            /* the rest of the end tag is read as a tag */
            h->tag_len = h->raw_matched - 1;
            memcpy(h->tag, h->raw_end + 1, h->tag_len);
            h->quote = 0;
            h->mode = HTML_TAG;
        }
    } else {
        h->raw_matched = c == '<' ? 1 : 0;
    }
}

/* html_write - reduce len bytes, calling sink->text and sink->url with arg */
void html_write(struct html_reducer *h, const char *in, size_t len,
                const struct mime_sink *sink, void *arg)
{
    size_t run = 0;                 /* start of the pending text run */

    for (size_t i = 0; i < len; i++) {
        char c = in[i];

        if (h->mode == HTML_ENTITY) {
            bool alnum = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';

            if ((alnum || (c >= '0' && c <= '9') || c == '#')
                && h->ent_len < sizeof(h->ent) - 1) {
                h->ent[h->ent_len++] = c;
                continue;
            }
            entity_emit(h, sink, arg);
            run = i;
            if (c == ';') {
                run = i + 1;
                continue;
            }
        }
        switch (h->mode) {
        case HTML_TEXT:
            if (c == '<' || c == '&') {
                if (i > run)
                    sink->text(arg, in + run, i - run);
                h->mode = c == '<' ? HTML_TAG : HTML_ENTITY;
                h->tag_len = 0;
                h->quote = 0;
                h->ent_len = 0;
            }
            break;
        case HTML_TAG:
            if (tag_byte(h, c, sink, arg))
                run = i + 1;
            break;
        case HTML_COMMENT:
            if (comment_byte(h, c))
                run = i + 1;
            break;
        case HTML_RAW:
            raw_byte(h, c);
            break;
        case HTML_ENTITY:
            break;
        }
    }
    if (h->mode == HTML_TEXT && len > run)
        sink->text(arg, in + run, len - run);
}

/* html_end - end of the text: flush a pending character reference */
void html_end(struct html_reducer *h, const struct mime_sink *sink, void *arg)
{
    if (h->mode == HTML_ENTITY)
        entity_emit(h, sink, arg);
    html_reset(h);
}
