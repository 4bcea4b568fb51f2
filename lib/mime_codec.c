/*
 * NAME
 *	mime_codec - base64, quoted-printable and RFC 2047 decoding
 * DESCRIPTION
 *	See mime_codec.h. Table-driven, no allocation.
 */
#include <string.h>

#include "mime_codec.h"

#define RFC2047_WORD_MAX 1024       /* decoded bytes of one encoded word */
/* base64 characters that decode into at most RFC2047_WORD_MAX bytes */
#define RFC2047_B64_MAX ((RFC2047_WORD_MAX - 2) / 3 * 4)

/* b64_table - 1 + the value of a base64 character, 65 for '=', 0 for others */
static const unsigned char b64_table[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
    ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13,
    ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19,
    ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
    ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31,
    ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
    ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
    ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55,
    ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61,
    ['9'] = 62, ['+'] = 63, ['/'] = 64, ['='] = 65,
};

/* b64_decode - decode len characters; others than the alphabet are skipped */
size_t b64_decode(struct b64_state *st, const char *in, size_t len, char *out)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        int v = (int)b64_table[(unsigned char)in[i]] - 1;

        if (v == 64) {
            /* padding: flush whole bytes of the group, start afresh */
            if (st->nbits >= 12)
                out[n++] = (char)(st->bits >> (st->nbits - 8));
            if (st->nbits == 18)
                out[n++] = (char)(st->bits >> 2);
            st->bits = 0;
            st->nbits = 0;
            continue;
        }
        if (v < 0)
            continue;
        st->bits = (st->bits << 6) | (unsigned)v;
        st->nbits += 6;
        if (st->nbits == 24) {
            out[n++] = (char)(st->bits >> 16);
            out[n++] = (char)(st->bits >> 8);
            out[n++] = (char)st->bits;
            st->bits = 0;
            st->nbits = 0;
        }
    }
    return n;
}

/* hex_value - 0..15, or -1 */
static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* qp_decode - decode one line (or piece of a line) of quoted-printable */
size_t qp_decode(const char *in, size_t len, bool complete, char *out)
{
    size_t n = 0;
    bool soft = false;

    if (complete)
        while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
            len--;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;

        if (in[i] != '=') {
            out[n++] = in[i];
            continue;
        }
        if (i + 1 == len && complete) {
            soft = true;
            break;
        }
        if (i + 2 < len && (hi = hex_value((unsigned char)in[i + 1])) >= 0
            && (lo = hex_value((unsigned char)in[i + 2])) >= 0) {
            out[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[n++] = '=';
        }
    }
    if (complete && !soft)
        out[n++] = '\n';
    return n;
}

/* q_decode - the Q encoding of RFC 2047: '_' is a space, =XX a byte */
static size_t q_decode(const char *in, size_t len, char *out, size_t outcap)
{
    size_t n = 0;

    for (size_t i = 0; i < len && n < outcap; i++) {
        int hi, lo;

        if (in[i] == '_') {
            out[n++] = ' ';
        } else if (in[i] == '=' && i + 2 < len
                   && (hi = hex_value((unsigned char)in[i + 1])) >= 0
                   && (lo = hex_value((unsigned char)in[i + 2])) >= 0) {
            out[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[n++] = in[i];
        }
    }
    return n;
}

/*
 * encoded_word - parse "=?charset?E?text?=" at in (len bytes left)
 *	Returns the length of the whole word, or 0 when in does not start
 *	one; sets the charset, encoding letter and text spans.
 */
static size_t encoded_word(const char *in, size_t len, const char **cs, size_t *cs_len,
                           char *enc, const char **text, size_t *text_len)
{
    const char *q1, *q2, *end;

    if (len < 8 || in[0] != '=' || in[1] != '?')
        return 0;
    q1 = memchr(in + 2, '?', len - 2);
    if (q1 == NULL || q1 == in + 2 || (size_t)(q1 - in) + 3 >= len || q1[2] != '?')
        return 0;
    *enc = (char)(q1[1] | 0x20);
    if (*enc != 'b' && *enc != 'q')
        return 0;
    q2 = q1 + 3;
    end = memmem(q2, len - (size_t)(q2 - in), "?=", 2);
    if (end == NULL)
        return 0;
    *cs = in + 2;
    *cs_len = (size_t)(q1 - *cs);
    /* RFC 2231 language suffix: charset*lang */
    if (memchr(*cs, '*', *cs_len) != NULL)
        *cs_len = (size_t)((const char *)memchr(*cs, '*', *cs_len) - *cs);
    *text = q2;
    *text_len = (size_t)(end - q2);
    return (size_t)(end + 2 - in);
}

/* rfc2047_decode - a header value with its encoded words */
size_t rfc2047_decode(struct charset_conv *cs, const char *in, size_t len,
                      char *out, size_t outcap)
{
    char raw[RFC2047_WORD_MAX];
    size_t n = 0;
    size_t i = 0;
    size_t word_end = 0;            /* out length after the last encoded word */
    bool after_word = false;        /* only blanks since that word */

    while (i < len && n < outcap) {
        const char *charset, *text;
        size_t charset_len, text_len, raw_len, wlen;
        char enc;

        wlen = encoded_word(in + i, len - i, &charset, &charset_len, &enc, &text, &text_len);
        if (wlen == 0) {
            if (in[i] != ' ' && in[i] != '\t')
                after_word = false;
            out[n++] = in[i++];
            continue;
        }
        if (after_word)
            n = word_end;
        if (enc == 'b') {
            struct b64_state st = {0, 0};
            size_t take = text_len < RFC2047_B64_MAX ? text_len : RFC2047_B64_MAX;

            raw_len = b64_decode(&st, text, take, raw);
        } else {
            raw_len = q_decode(text, text_len, raw, sizeof(raw));
        }
        n += charset_convert(cs, charset, charset_len, raw, raw_len, out + n, outcap - n);
        i += wlen;
        word_end = n;
        after_word = true;
    }
    return n;
}
