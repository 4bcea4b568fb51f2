/*
 * NAME
 *	test_tokenize - unit tests for lib/tokenize.c
 * DESCRIPTION
 *	Which tokens crafted messages give: words and their bounds, URLs,
 *	tagged header fields under each header mode, word pairs, long
 *	words, de-duplication and the token cap, reuse of a tokenizer,
 *	the milter entry points, script family tokens, and parameter
 *	errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "tokenize.h"

/* params - the defaults with pairs off, unless a test changes them */
static struct tokenize_params params(void)
{
    struct tokenize_params p = TOKENIZE_PARAMS_DEFAULT;

    p.word_pairs = false;
    return p;
}

/* tokens_of - the token set of a raw message, written in chunks of 5 */
static const struct token_set *tokens_of(struct tokenizer *t, const char *msg)
{
    size_t len = strlen(msg);

    tokenizer_reset(t);
    for (size_t off = 0; off < len; off += 5)
        tokenizer_write(t, msg + off, len - off < 5 ? len - off : 5);
    return tokenizer_finish(t, NULL);
}

/* has - is token text in the set (and is its hash right)? */
static bool has(const struct token_set *set, const char *text)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].len == strlen(text) && memcmp(set->items[i].text, text, set->items[i].len) == 0) {
            assert_true(set->items[i].hash == XXH3_64bits(text, strlen(text)));
            return true;
        }
    return false;
}

/* test_words - lower-casing, trimming, length bounds, kept punctuation */
static void test_words(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t = tokenizer_new(&p, NULL);
    const struct token_set *s;

    (void)state;
    assert_non_null(t);
    s = tokens_of(t, "\nFREE Offer!!! for $100, (100%) 'quoted' ...dots... "
                     "a.b.c e-mail hello@example.org ab x\n");
    assert_true(has(s, "free"));
    assert_true(has(s, "offer!!!"));
    assert_true(has(s, "for"));
    assert_true(has(s, "$100"));
    assert_true(has(s, "100%"));
    assert_true(has(s, "quoted"));
    assert_true(has(s, "dots"));
    assert_true(has(s, "a.b.c"));
    assert_true(has(s, "e-mail"));
    assert_true(has(s, "hello"));
    assert_true(has(s, "example.org"));
    assert_false(has(s, "ab"));
    assert_false(has(s, "x"));
    assert_int_equal(s->count, 11);
    tokenizer_free(t);
}

/* test_long_words - skip tokens, and character pairs for unspaced scripts */
static void test_long_words(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t;
    const struct token_set *s;

    (void)state;
    p.max_len = 10;
    t = tokenizer_new(&p, NULL);
    assert_non_null(t);
    s = tokens_of(t, "\nabcdefghijklmnopqrstuvwxyz 1234567890123 "
                     "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c\n");
    assert_true(has(s, "skip:a:20"));
    assert_true(has(s, "skip:d:10"));
    assert_true(has(s, "\xe4\xbd\xa0\xe5\xa5\xbd"));
    assert_true(has(s, "\xe5\xa5\xbd\xe4\xb8\x96"));
    assert_true(has(s, "\xe4\xb8\x96\xe7\x95\x8c"));
    assert_true(has(s, "script:cjk"));
    assert_int_equal(s->count, 6);
    tokenizer_free(t);
}

/* test_urls - hosts, parent domains, addresses, "url:ip"; user and port dropped */
static void test_urls(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t = tokenizer_new(&p, NULL);
    const struct token_set *s;

    (void)state;
    assert_non_null(t);
    s = tokens_of(t, "Content-Type: text/html\n\n"
                     "see HTTP://user:pw@Www.Shop.Example.COM:8080/buy/now?id=7 "
                     "and www.other.example and http://192.0.2.7/x "
                     "<a href=\"https://link.example.net/offer\">here</a>\n");
    assert_true(has(s, "url:www.shop.example.com"));
    assert_true(has(s, "url:example.com"));
    assert_true(has(s, "buy"));
    assert_true(has(s, "now"));
    assert_true(has(s, "url:www.other.example"));
    assert_true(has(s, "url:other.example"));
    assert_true(has(s, "url:192.0.2.7"));
    assert_true(has(s, "url:ip"));
    assert_false(has(s, "url:2.7"));
    assert_true(has(s, "url:link.example.net"));
    assert_true(has(s, "url:example.net"));
    assert_true(has(s, "offer"));
    assert_false(has(s, "user"));
    s = tokens_of(t, "\nsee http://www.192-0-2-7.example/ and www.3com.example\n");
    assert_true(has(s, "url:www.192-0-2-7.example"));
    assert_false(has(s, "url:ip"));
    tokenizer_free(t);
}

/* test_headers - tagged fields, presence tokens, each header mode */
static void test_headers(void **state)
{
    static const char msg[] =
        "Subject: Cheap Pills\nFrom: Seller <seller@shop.example>\n"
        "Received: from relay.example\nDate: Mon, 1 Jan 2024\n"
        "X-Spam-Status: Yes, score=9\nList-Id: <l.example>\n\nbody\n";
    struct tokenize_params p = params();
    struct tokenizer *t;
    const struct token_set *s;

    (void)state;
    t = tokenizer_new(&p, NULL);
    assert_non_null(t);
    s = tokens_of(t, msg);
    assert_true(has(s, "subject:cheap"));
    assert_true(has(s, "subject:pills"));
    assert_true(has(s, "from:seller"));
    assert_true(has(s, "from:shop.example"));
    assert_true(has(s, "received:relay.example"));
    assert_true(has(s, "list-id:l.example"));
    assert_true(has(s, "header:subject"));
    assert_true(has(s, "header:list-id"));
    assert_false(has(s, "header:date"));
    assert_false(has(s, "date:mon"));
    assert_false(has(s, "header:x-spam-status"));
    assert_false(has(s, "x-spam-status:score"));
    assert_true(has(s, "body"));
    tokenizer_free(t);

    p.headers = TOKENIZE_HEADERS_BASIC;
    t = tokenizer_new(&p, NULL);
    assert_non_null(t);
    s = tokens_of(t, msg);
    assert_true(has(s, "subject:cheap"));
    assert_true(has(s, "from:shop.example"));
    assert_false(has(s, "received:relay.example"));
    assert_false(has(s, "header:list-id"));
    tokenizer_free(t);

    p.headers = TOKENIZE_HEADERS_NONE;
    t = tokenizer_new(&p, NULL);
    assert_non_null(t);
    s = tokens_of(t, msg);
    assert_int_equal(s->count, 1);
    assert_true(has(s, "body"));
    tokenizer_free(t);
}

/* test_pairs - pairs of consecutive body words, not across parts or URLs */
static void test_pairs(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t;
    const struct token_set *s;

    (void)state;
    p.word_pairs = true;
    t = tokenizer_new(&p, NULL);
    assert_non_null(t);
    s = tokens_of(t, "Subject: one two\nContent-Type: multipart/mixed; boundary=b\n\n"
                     "--b\n\nbuy cheap http://x.example pills\n--b\n\nnow today\n--b--\n");
    assert_true(has(s, "buy cheap"));
    assert_false(has(s, "cheap pills"));
    assert_false(has(s, "pills now"));
    assert_true(has(s, "now today"));
    assert_false(has(s, "subject:one two"));
    tokenizer_free(t);
}

/* test_dedup_and_cap - one token per distinct text; max_tokens */
static void test_dedup_and_cap(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t;
    const struct token_set *s;

    (void)state;
    p.max_tokens = 3;
    t = tokenizer_new(&p, NULL);
    assert_non_null(t);
    s = tokens_of(t, "\nspam spam SPAM eggs\n");
    assert_int_equal(s->count, 2);
    assert_false(s->truncated);
    s = tokens_of(t, "\nalpha beta gamma delta epsilon\n");
    assert_int_equal(s->count, 3);
    assert_true(s->truncated);
    assert_true(has(s, "gamma"));
    assert_false(has(s, "delta"));
    tokenizer_free(t);
}

/* test_reuse - a reset empties the set, with small and large messages */
static void test_reuse(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t = tokenizer_new(&p, NULL);
    const struct token_set *s;
    char *big = malloc(200000);
    size_t n = 0;

    (void)state;
    assert_non_null(t);
    assert_non_null(big);
    big[n++] = '\n';
    for (int i = 0; i < 3000; i++)
        n += (size_t)sprintf(big + n, "word%d ", i);
    big[n] = '\0';
    s = tokens_of(t, big);
    assert_int_equal(s->count, 3000);
    s = tokens_of(t, "\nword1 other\n");
    assert_int_equal(s->count, 2);
    assert_true(has(s, "word1"));
    s = tokens_of(t, "\nword2 another\n");
    assert_int_equal(s->count, 2);
    assert_false(has(s, "word1"));
    free(big);
    tokenizer_free(t);
}

/* test_milter_api - header by header and body by chunk, as a raw message */
static void test_milter_api(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *a = tokenizer_new(&p, NULL);
    struct tokenizer *b = tokenizer_new(&p, NULL);
    const struct token_set *sa, *sb;
    unsigned char da[MIME_DIGEST_LEN], db[MIME_DIGEST_LEN];

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    sa = tokens_of(a, "Subject: hello there\nMessage-ID: <x@y>\n\nsome body text\n");
    tokenizer_finish(a, da);
    tokenizer_reset(b);
    tokenizer_header(b, "Subject", "hello there");
    tokenizer_header(b, "Message-ID", "<x@y>");
    tokenizer_end_headers(b);
    tokenizer_write(b, "some bo", 7);
    tokenizer_write(b, "dy text\r\n", 9);
    sb = tokenizer_finish(b, db);
    assert_int_equal(sa->count, sb->count);
    for (size_t i = 0; i < sa->count; i++)
        assert_true(sa->items[i].hash == sb->items[i].hash);
    assert_memory_equal(da, db, MIME_DIGEST_LEN);
    tokenizer_free(a);
    tokenizer_free(b);
}

/* script_count - how many "script:" tokens the set holds */
static size_t script_count(const struct token_set *set)
{
    size_t n = 0;

    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].len > 7 && memcmp(set->items[i].text, "script:", 7) == 0)
            n++;
    return n;
}

/* test_scripts_charsets - non-Latin text after conversion; Latin gives none */
static void test_scripts_charsets(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t = tokenizer_new(&p, NULL);
    const struct token_set *s;

    (void)state;
    assert_non_null(t);
    /* "privet mir" in KOI8-R */
    s = tokens_of(t, "Content-Type: text/plain; charset=koi8-r\n\n"
                     "\xf0\xd2\xc9\xd7\xc5\xd4 \xcd\xc9\xd2\n");
    assert_true(has(s, "script:cyrillic"));
    assert_int_equal(script_count(s), 1);
    /* "zhongwen" in GB2312, then Big5, in two parts: one token */
    s = tokens_of(t, "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                     "Content-Type: text/plain; charset=gb2312\n\n\xd6\xd0\xce\xc4\n--b\n"
                     "Content-Type: text/html; charset=big5\n\n<p>\xa4\xa4\xa4\xe5</p>\n--b--\n");
    assert_true(has(s, "script:cjk"));
    assert_int_equal(script_count(s), 1);
    /* accented Latin, typographic quotes, the euro sign, an emoji */
    s = tokens_of(t, "Content-Type: text/plain; charset=utf-8\n\n"
                     "caf\xc3\xa9 na\xc3\xafve \xe2\x80\x9cquoted\xe2\x80\x9d 10\xe2\x82\xac "
                     "\xf0\x9f\x98\x80 e\xcc\x81\n");
    assert_true(has(s, "caf\xc3\xa9"));
    assert_int_equal(script_count(s), 0);
    s = tokens_of(t, "Content-Type: text/plain; charset=iso-8859-1\n\nGr\xfc\xdf" "e aus K\xf6ln\n");
    assert_true(has(s, "gr\xc3\xbc\xc3\x9f" "e"));
    assert_int_equal(script_count(s), 0);
    s = tokens_of(t, "Subject: plain English\n\nNothing but ASCII here.\n");
    assert_int_equal(script_count(s), 0);
    tokenizer_free(t);
}

/* test_scripts_families - each family once; Subject counts, other fields not */
static void test_scripts_families(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t;
    const struct token_set *s;

    (void)state;
    p.headers = TOKENIZE_HEADERS_NONE;
    t = tokenizer_new(&p, NULL);
    assert_non_null(t);
    /* Greek in an encoded Subject, Hebrew in From (ignored) */
    s = tokens_of(t, "From: =?utf-8?B?16nXnNeV150=?= <a@example.org>\n"
                     "Subject: =?utf-8?B?zrXOu867zrfOvc65zrrOrA==?=\n\nhello\n");
    assert_true(has(s, "script:greek"));
    assert_false(has(s, "script:hebrew"));
    assert_int_equal(s->count, 2);
    /* one character of each family, twice */
    s = tokens_of(t, "Content-Type: text/plain; charset=utf-8\n\n"
                     "\xd7\xa9 \xd8\xb3 \xe0\xa4\x95 \xe0\xb8\x81 \xea\xb0\x80 \xe3\x81\x82 "
                     "\xd5\xa1 \xd0\xb6 \xce\xb1 \xef\xbc\x81\n"
                     "\xd7\xa9 \xd8\xb3 \xe0\xa4\x95 \xe0\xb8\x81 \xea\xb0\x80 \xe3\x81\x82 "
                     "\xd5\xa1 \xd0\xb6 \xce\xb1 \xef\xbc\x81\n");
    assert_true(has(s, "script:hebrew"));
    assert_true(has(s, "script:arabic"));
    assert_true(has(s, "script:indic"));
    assert_true(has(s, "script:thai"));
    assert_true(has(s, "script:hangul"));
    assert_true(has(s, "script:cjk"));
    assert_true(has(s, "script:other"));
    assert_true(has(s, "script:cyrillic"));
    assert_true(has(s, "script:greek"));
    assert_int_equal(script_count(s), 9);
    /* the families of one message are forgotten by the next */
    s = tokens_of(t, "\n\xd0\xb6\xd0\xb6\xd0\xb6\n");
    assert_true(has(s, "script:cyrillic"));
    assert_int_equal(script_count(s), 1);
    tokenizer_free(t);
}

/* test_scripts_bytes - invalid UTF-8 gives nothing; a cut character is completed */
static void test_scripts_bytes(void **state)
{
    struct tokenize_params p = params();
    struct tokenizer *t = tokenizer_new(&p, NULL);
    const struct token_set *s;
    char *msg = malloc(2 * MIME_LINE_MAX);

    (void)state;
    assert_non_null(t);
    assert_non_null(msg);
    /* stray continuations, a cut lead byte, overlong forms, 0xF8 and above */
    s = tokens_of(t, "\n\x80\xbf x\xd0 y\xe4\xb8 z\xc0\x80 \xe0\x80\xaf \xf8\x88\x80\x80\x80 "
                     "\xd0\n\xb6\n");
    assert_int_equal(script_count(s), 0);
    /* a character cut by the end of the Subject or of a part */
    s = tokens_of(t, "Subject: x\xd0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n"
                     "\xb6x\xd0\n--b\n\n\xb6\n--b--\n");
    assert_int_equal(script_count(s), 0);
    tokens_of(t, "\nx\xd0");
    s = tokens_of(t, "\n\xb6\xb6");
    assert_int_equal(script_count(s), 0);
    /* a line longer than MIME_LINE_MAX reaches the tokenizer in pieces */
    for (size_t lead = MIME_LINE_MAX - 8; lead <= MIME_LINE_MAX + 1; lead++) {
        msg[0] = '\n';
        memset(msg + 1, 'x', lead);
        memcpy(msg + 1 + lead, "\xe4\xb8\xad\n", 5);
        s = tokens_of(t, msg);
        assert_true(has(s, "script:cjk"));
    }
    free(msg);
    tokenizer_free(t);
}

/* test_bad_params - every range is checked */
static void test_bad_params(void **state)
{
    struct tokenize_params bad[4];
    struct vigie_error err;

    (void)state;
    for (int i = 0; i < 4; i++)
        bad[i] = params();
    bad[0].min_len = 0;
    bad[1].max_len = 2;
    bad[2].max_len = TOKENIZE_MAX_LEN_CAP + 1;
    bad[3].max_tokens = 0;
    for (int i = 0; i < 4; i++) {
        assert_null(tokenizer_new(&bad[i], &err));
        assert_string_equal(err.msg, "tokenizer: word lengths must be 1 <= min <= max <= 64, "
                                     "max tokens between 1 and 1000000");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_long_words),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_dedup_and_cap),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_milter_api),
        cmocka_unit_test(test_scripts_charsets),
        cmocka_unit_test(test_scripts_families),
        cmocka_unit_test(test_scripts_bytes),
        cmocka_unit_test(test_bad_params),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
