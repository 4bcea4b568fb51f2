/*
 * NAME
 *	mime_charset - text in a declared charset to UTF-8, streaming (iconv)
 * DESCRIPTION
 *	See mime_charset.h. Input goes through a small staging buffer so
 *	that a sequence cut between two writes can be completed; output
 *	is collected in a buffer and handed out when full or at the end
 *	of each write. Every loop either consumes input, empties the
 *	output buffer or skips one invalid byte, so it always ends.
 */
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mime_charset.h"

#define CHARSET_NAME_MAX 40
#define CHARSET_CACHE 6
#define CHARSET_STAGE 4096
#define CHARSET_OUT 4096
#define CHARSET_TAIL_MAX 16        /* longest incomplete sequence held back */

struct charset_entry {
    char name[CHARSET_NAME_MAX];    /* normalised; "" = unused slot */
    iconv_t cd;                     /* (iconv_t)-1: iconv refused the name */
};

struct charset_conv {
    struct charset_entry cache[CHARSET_CACHE];
    unsigned next_victim;           /* round-robin replacement */
    iconv_t cd;                     /* current text; (iconv_t)-1 = pass through */
    size_t staged;
    char stage[CHARSET_STAGE];
    char out[CHARSET_OUT];
};

static const char *const passthrough_names[] = {
    "", "us-ascii", "ascii", "utf-8", "utf8", "ansi_x3.4-1968",
};

/* normalise - lower-case the name, keep only charset-name characters */
static void normalise(const char *name, size_t len, char out[CHARSET_NAME_MAX])
{
    size_t n = 0;

    for (size_t i = 0; i < len && n < CHARSET_NAME_MAX - 1; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c >= 'A' && c <= 'Z')
            out[n++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                 || c == '_' || c == '.' || c == ':')
            out[n++] = (char)c;
    }
    out[n] = '\0';
}

/* lookup - the descriptor for name, opened and cached on first use */
static iconv_t lookup(struct charset_conv *cs, const char *name, size_t len)
{
    char norm[CHARSET_NAME_MAX];
    struct charset_entry *slot;

    normalise(name, len, norm);
    for (size_t i = 0; i < sizeof(passthrough_names) / sizeof(passthrough_names[0]); i++)
        if (strcmp(norm, passthrough_names[i]) == 0)
            return (iconv_t)-1;
    for (unsigned i = 0; i < CHARSET_CACHE; i++) {
        if (strcmp(cs->cache[i].name, norm) == 0) {
            if (cs->cache[i].cd != (iconv_t)-1)
                iconv(cs->cache[i].cd, NULL, NULL, NULL, NULL);
            return cs->cache[i].cd;
        }
    }
    slot = &cs->cache[cs->next_victim];
    cs->next_victim = (cs->next_victim + 1) % CHARSET_CACHE;
    if (slot->name[0] != '\0' && slot->cd != (iconv_t)-1)
        iconv_close(slot->cd);
    memcpy(slot->name, norm, sizeof(norm));
    slot->cd = iconv_open("UTF-8", norm);
    return slot->cd;
}

/* charset_new - a converter; NULL when out of memory */
struct charset_conv *charset_new(void)
{
    struct charset_conv *cs = calloc(1, sizeof(*cs));

    if (cs == NULL)
        return NULL;
    for (unsigned i = 0; i < CHARSET_CACHE; i++)
        cs->cache[i].cd = (iconv_t)-1;
    cs->cd = (iconv_t)-1;
    return cs;
}

/* charset_free - close every cached descriptor; NULL is allowed */
void charset_free(struct charset_conv *cs)
{
    if (cs == NULL)
        return;
    for (unsigned i = 0; i < CHARSET_CACHE; i++)
        if (cs->cache[i].name[0] != '\0' && cs->cache[i].cd != (iconv_t)-1)
            iconv_close(cs->cache[i].cd);
    free(cs);
}

/* charset_begin - start a text in charset name (len bytes) */
void charset_begin(struct charset_conv *cs, const char *name, size_t len)
{
    cs->cd = lookup(cs, name, len);
    cs->staged = 0;
}

/*
 * convert_stage - convert what is staged; keep an incomplete tail
 *	final: the text ends here, so an incomplete tail is invalid too.
 */
static void convert_stage(struct charset_conv *cs, bool final, charset_out_fn out, void *arg)
{
    char *in = cs->stage;
    size_t inleft = cs->staged;
    char *op = cs->out;
    size_t outleft = sizeof(cs->out);

    while (inleft > 0) {
        size_t rc = iconv(cs->cd, &in, &inleft, &op, &outleft);

        if (rc != (size_t)-1)
            break;
        if (errno == E2BIG) {
            out(arg, cs->out, sizeof(cs->out) - outleft);
            op = cs->out;
            outleft = sizeof(cs->out);
        } else if (errno == EINVAL && !final) {
            break;
        } else {
            /* EILSEQ, or EINVAL at the very end: one byte becomes a space */
            if (outleft == 0) {
                out(arg, cs->out, sizeof(cs->out));
                op = cs->out;
                outleft = sizeof(cs->out);
            }
            *op++ = ' ';
            outleft--;
            in++;
            inleft--;
            iconv(cs->cd, NULL, NULL, NULL, NULL);
        }
    }
    if (op > cs->out)
        out(arg, cs->out, (size_t)(op - cs->out));
    memmove(cs->stage, in, inleft);
    cs->staged = inleft;
}

/* charset_write - convert len bytes; out is called zero or more times */
void charset_write(struct charset_conv *cs, const char *in, size_t len,
                   charset_out_fn out, void *arg)
{
    if (cs->cd == (iconv_t)-1) {
        if (len > 0)
            out(arg, in, len);
        return;
    }
    while (len > 0) {
        size_t n = sizeof(cs->stage) - cs->staged;

        if (n > len)
            n = len;
        memcpy(cs->stage + cs->staged, in, n);
        cs->staged += n;
        in += n;
        len -= n;
        convert_stage(cs, false, out, arg);
        /* a held-back tail is a few bytes; anything longer is no progress */
        if (cs->staged > CHARSET_TAIL_MAX)
            cs->staged = 0;
    }
}

/* charset_end - end of the text: an incomplete trailing sequence becomes a space */
void charset_end(struct charset_conv *cs, charset_out_fn out, void *arg)
{
    if (cs->cd != (iconv_t)-1 && cs->staged > 0)
        convert_stage(cs, true, out, arg);
    cs->staged = 0;
    cs->cd = (iconv_t)-1;
}

/* charset_convert - convert one short text (an encoded word) at once */
size_t charset_convert(struct charset_conv *cs, const char *name, size_t name_len,
                       const char *in, size_t len, char *out, size_t outcap)
{
    iconv_t cd = lookup(cs, name, name_len);
    char *ip = (char *)in;
    char *op = out;
    size_t inleft = len;
    size_t outleft = outcap;

    if (cd == (iconv_t)-1) {
        size_t n = len < outcap ? len : outcap;

        memcpy(out, in, n);
        return n;
    }
    while (inleft > 0 && outleft > 0) {
        if (iconv(cd, &ip, &inleft, &op, &outleft) != (size_t)-1 || errno == E2BIG)
            break;
        *op++ = ' ';
        outleft--;
        ip++;
        inleft--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    return outcap - outleft;
}
