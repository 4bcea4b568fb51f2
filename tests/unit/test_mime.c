/*
 * NAME
 *	test_mime - unit tests for lib/mime.c, mime_codec.c, mime_charset.c, mime_html.c
 * DESCRIPTION
 *	Crafted messages through the streaming decoder, whose output is
 *	collected by a recording sink: each transfer encoding, charsets,
 *	RFC 2047 words, HTML, nesting, broken MIME, limits, the milter
 *	entry points and the content digest. Every message is also fed
 *	one byte at a time and must decode the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime.h"
#include "mime_codec.h"

#define OUT_MAX 16384

/* What the sink saw. */
struct record {
    char headers[OUT_MAX];          /* "depth:name=value\n" per field */
    char text[OUT_MAX];             /* all text, part ends as '|' */
    char urls[OUT_MAX];             /* one per line */
};

/* append - add to a record buffer, truncating; NUL shows as '@' */
static void append(char *buf, const char *s, size_t n)
{
    size_t len = strlen(buf);

    if (n > OUT_MAX - 1 - len)
        n = OUT_MAX - 1 - len;
    for (size_t i = 0; i < n; i++)
        buf[len + i] = s[i] == '\0' ? '@' : s[i];
    buf[len + n] = '\0';
}

/* squeeze - text with every run of blanks made one space, trimmed (static) */
static const char *squeeze(const char *text)
{
    static char out[OUT_MAX];
    size_t n = 0;

    for (const char *p = text; *p != '\0'; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t') {
            if (n > 0 && out[n - 1] != ' ')
                out[n++] = ' ';
        } else {
            out[n++] = *p;
        }
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return out;
}

static void rec_header(void *arg, const char *name, size_t name_len, const char *value,
                       size_t value_len, unsigned depth)
{
    struct record *r = arg;
    char d[16];

    snprintf(d, sizeof(d), "%u:", depth);
    append(r->headers, d, strlen(d));
    append(r->headers, name, name_len);
    append(r->headers, "=", 1);
    append(r->headers, value, value_len);
    append(r->headers, "\n", 1);
}

static void rec_text(void *arg, const char *text, size_t len)
{
    struct record *r = arg;

    append(r->text, text, len);
}

static void rec_url(void *arg, const char *url, size_t len)
{
    struct record *r = arg;

    append(r->urls, url, len);
    append(r->urls, "\n", 1);
}

static void rec_part_end(void *arg)
{
    struct record *r = arg;

    append(r->text, "|", 1);
}

static const struct mime_sink rec_sink = {rec_header, rec_text, rec_url, rec_part_end};

/* run_chunked - decode msg fed in chunks of size chunk into r */
static void run_chunked(const char *msg, size_t len, size_t chunk, size_t max_bytes,
                        struct record *r, struct mime_stats *stats,
                        unsigned char digest[MIME_DIGEST_LEN])
{
    struct mime_limits limits = {max_bytes, 4};
    struct mime_parser *p = mime_new(&limits, &rec_sink, r);

    assert_non_null(p);
    memset(r, 0, sizeof(*r));
    mime_reset(p);
    for (size_t off = 0; off < len; off += chunk)
        mime_write(p, msg + off, len - off < chunk ? len - off : chunk);
    mime_finish(p);
    if (stats != NULL)
        mime_stats(p, stats);
    if (digest != NULL)
        mime_digest(p, digest);
    mime_free(p);
}

/*
 * decode - decode msg whole into a static record, and check that a
 *	byte-at-a-time feed decodes the same
 */
static const struct record *decode(const char *msg)
{
    static struct record whole, bytewise;
    size_t len = strlen(msg);

    run_chunked(msg, len, len > 0 ? len : 1, 0, &whole, NULL, NULL);
    run_chunked(msg, len, 1, 0, &bytewise, NULL, NULL);
    assert_string_equal(whole.headers, bytewise.headers);
    assert_string_equal(whole.text, bytewise.text);
    assert_string_equal(whole.urls, bytewise.urls);
    return &whole;
}

/* test_plain - header fields, unfolding, body text, LF and CRLF alike */
static void test_plain(void **state)
{
    const struct record *r;

    (void)state;
    r = decode("From sender@example.org Mon Jun 24 17:03:24 2002\n"
               "Subject: hello\n\tworld\nFrom: a@example.org\n\nline one\nline two\n");
    assert_string_equal(r->headers, "0:Subject=hello\tworld\n0:From=a@example.org\n");
    assert_string_equal(r->text, "line one\nline two\n|");
    r = decode("Subject: hello\r\n world\r\n\r\nline one\r\nline two\r\n");
    assert_string_equal(r->headers, "0:Subject=hello world\n");
    assert_string_equal(r->text, "line one\nline two\n|");
}

/* test_no_header - a first line that is no header field starts the body */
static void test_no_header(void **state)
{
    const struct record *r;

    (void)state;
    r = decode("just some text\nand more");
    assert_string_equal(r->headers, "");
    assert_string_equal(r->text, "just some text\nand more\n|");
    r = decode("Subject: only a header");
    assert_string_equal(r->headers, "0:Subject=only a header\n");
    assert_string_equal(r->text, "");
    r = decode("");
    assert_string_equal(r->text, "");
}

/* test_nul - NUL bytes are ordinary bytes */
static void test_nul(void **state)
{
    static const char msg[] = "Subject: a\0b\n\nx\0y\n";
    struct record r;

    (void)state;
    run_chunked(msg, sizeof(msg) - 1, 3, 0, &r, NULL, NULL);
    assert_string_equal(r.headers, "0:Subject=a@b\n");
    assert_string_equal(r.text, "x@y\n|");
}

/* test_base64 - a base64 body across lines, padding, junk characters */
static void test_base64(void **state)
{
    const struct record *r;
    struct b64_state st = {0, 0};
    char out[16];

    (void)state;
    r = decode("Content-Transfer-Encoding: base64\n\n"
               "aGVsbG8g\nd29y\nbGQ=\n");
    assert_string_equal(r->text, "hello world|");
    assert_int_equal(b64_decode(&st, "Zm9v!YmE=", 9, out), 5);
    assert_memory_equal(out, "fooba", 5);
    assert_int_equal(b64_decode(&st, "Zg==", 4, out), 1);
    assert_memory_equal(out, "f", 1);
}

/* test_qp - quoted-printable escapes, soft breaks, broken escapes */
static void test_qp(void **state)
{
    const struct record *r;
    char out[32];

    (void)state;
    r = decode("Content-Transfer-Encoding: Quoted-Printable\n\n"
               "caf=C3=A9 and soft=\nbreak  \nbad =ZZ end=\n");
    assert_string_equal(r->text, "caf\xc3\xa9 and softbreak\nbad =ZZ end|");
    assert_int_equal(qp_decode("a=4", 3, false, out), 3);
    assert_memory_equal(out, "a=4", 3);
}

/* test_charset - body charsets to UTF-8; unknown ones pass through */
static void test_charset(void **state)
{
    const struct record *r;

    (void)state;
    r = decode("Content-Type: text/plain; charset=\"ISO-8859-1\"\n\ncaf\xe9\n");
    assert_string_equal(r->text, "caf\xc3\xa9\n|");
    r = decode("Content-Type: text/plain; charset=windows-1252\n\n\x93quoted\x94\n");
    assert_string_equal(r->text, "\xe2\x80\x9cquoted\xe2\x80\x9d\n|");
    r = decode("Content-Type: text/plain; charset=x-no-such-charset\n\nraw\xff\n");
    assert_string_equal(r->text, "raw\xff\n|");
    /* an EUC-JP character (0xA4 0xA2, HIRAGANA A) cut between two writes */
    r = decode("Content-Type: text/plain; charset=euc-jp\n\n\xa4\xa2\n");
    assert_string_equal(r->text, "\xe3\x81\x82\n|");
    /* an invalid byte is a space, and nothing after it is lost */
    r = decode("Content-Type: text/plain; charset=shift_jis\n\n\x82\xa0\xff\x82\xa0\n");
    assert_string_equal(r->text, "\xe3\x81\x82 \xe3\x81\x82\n|");
}

/* test_rfc2047 - encoded words in header fields */
static void test_rfc2047(void **state)
{
    const struct record *r;

    (void)state;
    r = decode("Subject: =?ISO-8859-1?Q?caf=E9_noir?= =?utf-8?B?w6l0w6k=?= end\n"
               "To: =?broken?X?abc?= plain\n"
               "From: =?gb2312*zh?B?xOO6ww==?=\n\nx\n");
    assert_string_equal(r->headers,
                        "0:Subject=caf\xc3\xa9 noir\xc3\xa9t\xc3\xa9 end\n"
                        "0:To==?broken?X?abc?= plain\n"
                        "0:From=\xe4\xbd\xa0\xe5\xa5\xbd\n");
}

/* test_html - text, links, comments, scripts, entities, inline tags */
static void test_html(void **state)
{
    const struct record *r;

    (void)state;
    r = decode("Content-Type: text/html\n\n"
               "<html><head><style>p {x}</style><script>if (a<b) x();</script></head>\n"
               "<body>fr<b>e</b>e<!-- hidden -> still -->offer<br>"
               "<a HREF=\"http://spam.example/buy?x=1\">click</a> <img src=pic.gif>"
               " &amp; &lt;&#233;&#xE9;&nbsp;&bogus; AT&T</body></html>\n");
    /* a comment joins what it separates, as an inline tag does */
    assert_string_equal(squeeze(r->text), "freeoffer click & <\xc3\xa9\xc3\xa9 &bogus AT&T |");
    assert_string_equal(r->urls, "http://spam.example/buy?x=1\npic.gif\n");
    /* an unclosed tag and an unfinished entity end with the part */
    r = decode("Content-Type: text/html\n\nbefore <a href='x' &amp\n");
    assert_string_equal(r->text, "before |");
    assert_string_equal(r->urls, "");
}

/* test_multipart - alternatives, attachments skipped, nested message */
static void test_multipart(void **state)
{
    const struct record *r;

    (void)state;
    r = decode("Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
               "preamble is skipped\n"
               "--outer\n"
               "Content-Type: multipart/alternative; boundary=inner\n\n"
               "--inner\nContent-Type: text/plain\n\nplain part\n"
               "--inner\nContent-Type: text/html\n\n<p>html part</p>\n"
               "--inner--\n"
               "--outer\nContent-Type: image/gif; name=\"a.gif\"\n"
               "Content-Transfer-Encoding: base64\n\nR0lGODlh\n"
               "--outer\nContent-Type: message/rfc822\n\n"
               "Subject: inner message\n\nforwarded text\n"
               "--outer--\nepilogue is skipped\n");
    assert_string_equal(r->headers,
                        "0:Content-Type=multipart/mixed; boundary=\"outer\"\n"
                        "1:Content-Type=multipart/alternative; boundary=inner\n"
                        "2:Content-Type=text/plain\n"
                        "2:Content-Type=text/html\n"
                        "1:Content-Type=image/gif; name=\"a.gif\"\n"
                        "1:Content-Transfer-Encoding=base64\n"
                        "1:Content-Type=message/rfc822\n"
                        "2:Subject=inner message\n");
    assert_string_equal(r->text, "plain part\n| html part \n|forwarded text\n|");
}

/* test_broken_multipart - no close delimiter, no boundary, look-alikes */
static void test_broken_multipart(void **state)
{
    const struct record *r;

    (void)state;
    /* the inner close delimiter is missing: the outer boundary closes it */
    r = decode("Content-Type: multipart/mixed; boundary=a\n\n"
               "--a\nContent-Type: multipart/mixed; boundary=b\n\n"
               "--b\n\none\n--a\n\ntwo\n--abc\n--a-- trailing\nthree\n");
    assert_string_equal(r->text, "one\n|two\n--abc\n--a-- trailing\nthree\n|");
    /* multipart without a boundary is read as text */
    r = decode("Content-Type: multipart/mixed\n\nbody\n");
    assert_string_equal(r->text, "body\n|");
    /* a part whose header section has no blank line */
    r = decode("Content-Type: multipart/mixed; boundary=a\n\n--a\nnot a header\n--a--\n");
    assert_string_equal(r->text, "not a header\n|");
}

/* test_depth - nesting past max_depth is not decoded */
static void test_depth(void **state)
{
    char msg[4096] = "";
    struct record r;
    struct mime_stats stats;

    (void)state;
    for (int i = 0; i < 6; i++) {
        char line[128];

        snprintf(line, sizeof(line),
                 "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
        strcat(msg, line);
    }
    strcat(msg, "\ndeep text\n");
    run_chunked(msg, strlen(msg), 7, 0, &r, &stats, NULL);
    assert_true(stats.too_deep);
    assert_string_equal(r.text, "");
    run_chunked("Subject: x\n\nshallow\n", 20, 20, 0, &r, &stats, NULL);
    assert_false(stats.too_deep);
    assert_int_equal(stats.parts, 1);
}

/* test_limits - max_bytes, and lines longer than the line buffer */
static void test_limits(void **state)
{
    static char msg[3 * MIME_LINE_MAX];
    struct record r;
    struct mime_stats stats;
    size_t n;

    (void)state;
    run_chunked("Subject: x\n\n0123456789\n", 22, 5, 16, &r, &stats, NULL);
    assert_true(stats.truncated);
    assert_string_equal(r.text, "0123\n|");
    /* a base64 line far longer than the line buffer still decodes whole */
    n = (size_t)sprintf(msg, "Content-Transfer-Encoding: base64\n\n");
    for (size_t i = 0; i < 2 * MIME_LINE_MAX / 4; i++)
        n += (size_t)sprintf(msg + n, "QUJD");
    msg[n++] = '\n';
    run_chunked(msg, n, 1000, 0, &r, &stats, NULL);
    assert_false(stats.truncated);
    assert_int_equal(strlen(r.text), 2 * MIME_LINE_MAX / 4 * 3 + 1);
    assert_memory_equal(r.text, "ABCABC", 6);
}

/* test_milter_api - fields one by one, then the body: as a raw message */
static void test_milter_api(void **state)
{
    static const char raw[] = "Subject: folded\n\tvalue\nContent-Type: text/html\n\n<b>body</b>\n";
    struct mime_limits limits = {0, 4};
    struct record a, b;
    struct mime_parser *p = mime_new(&limits, &rec_sink, &b);
    unsigned char da[MIME_DIGEST_LEN], db[MIME_DIGEST_LEN];

    (void)state;
    assert_non_null(p);
    run_chunked(raw, strlen(raw), 9, 0, &a, NULL, da);
    memset(&b, 0, sizeof(b));
    mime_header(p, "Subject", "folded\r\n\tvalue");
    mime_header(p, "Content-Type", "text/html");
    mime_end_headers(p);
    mime_header(p, "X-Late", "ignored after the header");
    mime_write(p, "<b>body</b>\r\n", 13);
    mime_finish(p);
    mime_digest(p, db);
    assert_string_equal(a.headers, b.headers);
    assert_string_equal(a.text, b.text);
    assert_memory_equal(da, db, MIME_DIGEST_LEN);
    mime_free(p);
}

/* test_digest - transit headers and line ends do not change it; content does */
static void test_digest(void **state)
{
    static const char *const same[] = {
        "Message-ID: <1@x>\nSubject: s\n\nbody\n",
        "Received: by mx\r\nMessage-ID: <1@x>\r\nSubject: s\r\nX-Spam-Flag: YES\r\n\r\nbody\r\n",
    };
    static const char *const other[] = {
        "Message-ID: <2@x>\nSubject: s\n\nbody\n",
        "Message-ID: <1@x>\nSubject: s\n\nbody!\n",
    };
    unsigned char d0[MIME_DIGEST_LEN], d[MIME_DIGEST_LEN];
    struct record r;

    (void)state;
    run_chunked(same[0], strlen(same[0]), 4, 0, &r, NULL, d0);
    run_chunked(same[1], strlen(same[1]), 4, 0, &r, NULL, d);
    assert_memory_equal(d0, d, MIME_DIGEST_LEN);
    for (size_t i = 0; i < 2; i++) {
        run_chunked(other[i], strlen(other[i]), 4, 0, &r, NULL, d);
        assert_memory_not_equal(d0, d, MIME_DIGEST_LEN);
    }
}

/* test_reuse - one parser, several messages: nothing leaks between them */
static void test_reuse(void **state)
{
    struct mime_limits limits = {0, 4};
    struct record r;
    struct mime_parser *p = mime_new(&limits, &rec_sink, &r);

    (void)state;
    assert_non_null(p);
    memset(&r, 0, sizeof(r));
    mime_write(p, "Content-Type: multipart/mixed; boundary=z\n\n--z\n\nfirst", 52);
    mime_finish(p);
    mime_reset(p);
    memset(&r, 0, sizeof(r));
    mime_write(p, "Subject: 2\n\n--z\nsecond\n", 23);
    mime_finish(p);
    assert_string_equal(r.text, "--z\nsecond\n|");
    mime_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_no_header),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_qp),
        cmocka_unit_test(test_charset),
        cmocka_unit_test(test_rfc2047),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_broken_multipart),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_milter_api),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_reuse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
