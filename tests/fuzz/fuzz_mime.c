/*
 * NAME
 *	fuzz_mime - libFuzzer target for the MIME decoder and the tokenizer
 * DESCRIPTION
 *	The first input byte picks how the rest is fed: its low bit the
 *	entry points (a raw message, or milter style: NUL-separated
 *	header names and values up to an empty name, then the body), its
 *	other bits the chunk size (1 to 128 bytes). One tokenizer serves
 *	every input, as in the milter, so that state left over by one
 *	message would show in the next. Any crash, hang, leak or
 *	undefined behaviour is a bug; every token must lie in the arena
 *	and carry the hash of its text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* feed_milter - NUL-separated name/value pairs, an empty name, the body */
static void feed_milter(struct tokenizer *t, const char *p, size_t n, size_t chunk)
{
    char name[256], value[4096];

    while (n > 0) {
        size_t nl = strnlen(p, n), vl;

        if (nl == 0 || nl == n) {
            p += nl < n ? 1 : nl;
            n -= nl < n ? 1 : nl;
            break;
        }
        vl = strnlen(p + nl + 1, n - nl - 1);
        snprintf(name, sizeof(name), "%.*s", (int)nl, p);
        snprintf(value, sizeof(value), "%.*s", (int)vl, p + nl + 1);
        tokenizer_header(t, name, value);
        if (nl + 1 + vl >= n) {
            n = 0;
            break;
        }
        p += nl + 1 + vl + 1;
        n -= nl + 1 + vl + 1;
    }
    tokenizer_end_headers(t);
    for (size_t off = 0; off < n; off += chunk)
        tokenizer_write(t, p + off, n - off < chunk ? n - off : chunk);
}

/* LLVMFuzzerTestOneInput - one input, one message */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tokenizer *t;
    struct tokenize_params params = TOKENIZE_PARAMS_DEFAULT;
    const struct token_set *set;
    unsigned char digest[MIME_DIGEST_LEN];
    const char *p = (const char *)data + 1;
    size_t n, chunk;

    if (size == 0)
        return 0;
    if (t == NULL) {
        params.max_bytes = 64 * 1024;
        params.max_tokens = 1000;
        params.word_pairs = true;
        if ((t = tokenizer_new(&params, NULL)) == NULL)
            abort();
    }
    n = size - 1;
    chunk = (size_t)(data[0] >> 1) + 1;
    tokenizer_reset(t);
    if (data[0] & 1) {
        feed_milter(t, p, n, chunk);
    } else {
        for (size_t off = 0; off < n; off += chunk)
            tokenizer_write(t, p + off, n - off < chunk ? n - off : chunk);
    }
    set = tokenizer_finish(t, digest);
    for (size_t i = 0; i < set->count; i++) {
        uint64_t h = XXH3_64bits(set->items[i].text, set->items[i].len);

        if (set->items[i].len == 0 || set->items[i].len > TOKEN_MAX
            || set->items[i].hash != (h != 0 ? h : 1))
            abort();
    }
    return 0;
}
