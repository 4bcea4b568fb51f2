/*
 * NAME
 *	tokenize - the set of Bayes tokens of one message, streaming
 * DESCRIPTION
 *	See tokenize.h. The MIME decoder calls back with header fields,
 *	text and link targets. Text is cut into runs, found directly in
 *	the decoder's buffers; only a run cut by the end of a chunk is
 *	copied (its first RUN_MAX bytes) until the next chunk ends it.
 *
 *	The set is an open-addressing table of hashes (linear probing,
 *	at most half full) beside an array of tokens whose text lives in
 *	a fixed arena; all three are sized once from max_tokens.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "tokenize.h"

#define RUN_MAX 256                 /* bytes of one run looked at */
#define TAG_MAX 24                  /* bytes of a field name used as a tag */
#define ARENA_PER_TOKEN 32          /* average text bytes budgeted per token */
#define LONG_PAIRS 64               /* character pairs taken from one long word */

/* Byte classes (the low two bits of byte_class[]) and flags. */
enum {
    C_SEP,                          /* ends a run */
    C_PUNCT,                        /* ends a word inside a run */
    C_WORD,                         /* part of a word */
    C_INNER,                        /* part of a word, trimmed at its ends */
};
#define F_TRIM_LEAD 0x10            /* trimmed at the start of a word */
#define F_TRIM_TRAIL 0x20           /* trimmed at the end of a word */
#define F_PATH 0x40                 /* ends the host part of a URL */

/* Script families of non-Latin text: "script:NAME" tokens. */
enum script {
    SCRIPT_NONE = -1,
    SCRIPT_OTHER,
    SCRIPT_ARABIC,
    SCRIPT_CJK,
    SCRIPT_CYRILLIC,
    SCRIPT_GREEK,
    SCRIPT_HANGUL,
    SCRIPT_HEBREW,
    SCRIPT_INDIC,
    SCRIPT_THAI,
};

static const char *const script_names[] = {
    "other", "arabic", "cjk", "cyrillic", "greek", "hangul", "hebrew", "indic", "thai",
};

/*
 * Code point ranges, ascending; a code point that no range holds is
 * SCRIPT_OTHER. Latin, punctuation, symbols and emoji give no token;
 * kana and CJK punctuation count as CJK.
 */
static const struct script_range {
    uint32_t first, last;
    enum script script;
} script_ranges[] = {
    {0x0000, 0x036F, SCRIPT_NONE},      /* Latin, IPA, combining marks */
    {0x0370, 0x03FF, SCRIPT_GREEK},
    {0x0400, 0x052F, SCRIPT_CYRILLIC},
    {0x0590, 0x05FF, SCRIPT_HEBREW},
    {0x0600, 0x06FF, SCRIPT_ARABIC},
    {0x0750, 0x077F, SCRIPT_ARABIC},
    {0x0900, 0x0DFF, SCRIPT_INDIC},
    {0x0E00, 0x0E7F, SCRIPT_THAI},
    {0x1100, 0x11FF, SCRIPT_HANGUL},
    {0x1E00, 0x1EFF, SCRIPT_NONE},      /* Latin Extended Additional */
    {0x1F00, 0x1FFF, SCRIPT_GREEK},
    {0x2000, 0x2BFF, SCRIPT_NONE},      /* punctuation, symbols, arrows */
    {0x3000, 0x30FF, SCRIPT_CJK},       /* CJK punctuation, kana */
    {0x3130, 0x318F, SCRIPT_HANGUL},
    {0x3400, 0x4DBF, SCRIPT_CJK},
    {0x4E00, 0x9FFF, SCRIPT_CJK},
    {0xAC00, 0xD7AF, SCRIPT_HANGUL},
    {0xF900, 0xFAFF, SCRIPT_CJK},
    {0xFB50, 0xFDFF, SCRIPT_ARABIC},
    {0xFE70, 0xFEFF, SCRIPT_ARABIC},
    {0xFF00, 0xFFEF, SCRIPT_CJK},       /* full- and half-width forms */
    {0xFFF0, 0xFFFF, SCRIPT_NONE},      /* specials, U+FFFD */
    {0x1F000, 0x1FAFF, SCRIPT_NONE},    /* emoji, playing cards */
};

struct tokenizer {
    struct tokenize_params params;
    struct mime_parser *mime;
    struct token_set set;
    struct token *items;
    uint64_t *table;                /* 0 = empty slot */
    size_t mask;
    char *arena;
    size_t arena_len;
    size_t arena_cap;
    size_t run_len;                 /* pending run cut by a chunk end */
    bool run_long;                  /* ... longer than RUN_MAX */
    size_t prev_len;                /* previous body word, for pairs */
    uint32_t code;                  /* UTF-8 character being decoded */
    unsigned code_need;             /* ... continuation bytes still due */
    unsigned scripts;               /* script families met (1 << script) */
    char prev[TOKENIZE_MAX_LEN_CAP];
    char run[RUN_MAX];
};

static unsigned char byte_class[256];
static pthread_once_t byte_class_once = PTHREAD_ONCE_INIT;

/* class_init - fill the byte class table (once, from tokenizer_new) */
static void class_init(void)
{
    for (unsigned c = 0; c < 256; c++) {
        if (c <= ' ' || c == 127 || strchr("\"<>()[]{},;", (int)c) != NULL)
            byte_class[c] = C_SEP;
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                 || c >= 128)
            byte_class[c] = C_WORD;
        else if (strchr("$!'-._%", (int)c) != NULL)
            byte_class[c] = C_INNER;
        else
            byte_class[c] = C_PUNCT;
        if (c != 0 && strchr("'-._!%", (int)c) != NULL)
            byte_class[c] |= F_TRIM_LEAD;
        if (c != 0 && strchr("'-._$", (int)c) != NULL)
            byte_class[c] |= F_TRIM_TRAIL;
        if (c != 0 && strchr("/?#\\", (int)c) != NULL)
            byte_class[c] |= F_PATH;
    }
}

/* classify - the class of a byte */
static inline unsigned classify(char c)
{
    return byte_class[(unsigned char)c] & 3;
}

/* has_flag - does a byte carry flag? */
static inline bool has_flag(char c, unsigned flag)
{
    return (byte_class[(unsigned char)c] & flag) != 0;
}

/* lower - ASCII lower case */
static inline char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

/* add - put one token in the set unless it is there already */
static void add(struct tokenizer *t, const char *text, size_t len)
{
    uint64_t h = XXH3_64bits(text, len);
    size_t i;

    if (h == 0)
        h = 1;
    for (i = h & t->mask; t->table[i] != 0; i = (i + 1) & t->mask)
        if (t->table[i] == h)
            return;
    if (t->set.count >= t->params.max_tokens || t->arena_cap - t->arena_len < len) {
        t->set.truncated = true;
        return;
    }
    t->table[i] = h;
    memcpy(t->arena + t->arena_len, text, len);
    t->items[t->set.count].hash = h;
    t->items[t->set.count].text = t->arena + t->arena_len;
    t->items[t->set.count].len = len;
    t->arena_len += len;
    t->set.count++;
}

/* emit - tag ":" text (or text alone when tag is NULL) as a token */
static void emit(struct tokenizer *t, const char *tag, const char *text, size_t len)
{
    char buf[TOKEN_MAX];
    size_t n = 0;

    if (tag != NULL) {
        n = strlen(tag);
        memcpy(buf, tag, n);
        buf[n++] = ':';
    }
    if (len > sizeof(buf) - n)
        len = sizeof(buf) - n;
    memcpy(buf + n, text, len);
    add(t, buf, n + len);
}

/* utf8_len - bytes of the UTF-8 character starting with c (1 when invalid) */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/*
 * long_word - a word longer than max_len: "skip:C:N", or, for text in
 *	a script written without spaces (a run starting with a multibyte
 *	character), each pair of consecutive characters, at most
 *	LONG_PAIRS of them.
 */
static void long_word(struct tokenizer *t, const char *tag, const char *w, size_t n)
{
    unsigned char c = (unsigned char)w[0];
    char buf[32];
    int len;

    if (c >= 0xC0) {
        size_t a = 0, pairs = 0;

        while (a < n && pairs < LONG_PAIRS) {
            size_t la = utf8_len((unsigned char)w[a]);
            size_t lb = a + la < n ? utf8_len((unsigned char)w[a + la]) : 0;

            if (lb == 0 || a + la + lb > n)
                break;
            emit(t, tag, w + a, la + lb);
            pairs++;
            a += la;
        }
        return;
    }
    len = snprintf(buf, sizeof(buf), "skip:%c:%zu",
                   c >= 128 ? 'u' : (c >= '0' && c <= '9') ? 'd'
                   : classify(w[0]) == C_WORD ? 'a' : 'p', n / 10 * 10);
    emit(t, tag, buf, (size_t)len);
}

/* script_of - the script family of a code point */
static enum script script_of(uint32_t code)
{
    for (size_t i = 0; i < sizeof(script_ranges) / sizeof(script_ranges[0]); i++) {
        if (code < script_ranges[i].first)
            break;
        if (code <= script_ranges[i].last)
            return script_ranges[i].script;
    }
    return SCRIPT_OTHER;
}

/*
 * scripts - "script:NAME" for each script family first met in UTF-8
 *	text; a character cut by the end of s is completed by the next
 *	call (code_need), an invalid sequence is skipped.
 */
static void scripts(struct tokenizer *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        enum script k;

        if (c < 0x80 && t->code_need == 0)
            continue;
        if (t->code_need > 0 && (c & 0xC0) == 0x80) {
            t->code = t->code << 6 | (c & 0x3F);
            if (--t->code_need > 0)
                continue;
            k = script_of(t->code);
            if (k != SCRIPT_NONE && (t->scripts & 1u << k) == 0) {
                t->scripts |= 1u << k;
                emit(t, "script", script_names[k], strlen(script_names[k]));
            }
            continue;
        }
        t->code_need = c >= 0xF8 || c < 0xC0 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        t->code = c & (0x3Fu >> t->code_need);
    }
}

/* word - one word: trimmed, bounded, lower-cased; pairs with the previous one */
static void word(struct tokenizer *t, const char *tag, const char *w, size_t n, bool pairs)
{
    char buf[2 * TOKENIZE_MAX_LEN_CAP + 1];

    while (n > 0 && has_flag(w[0], F_TRIM_LEAD)) {
        w++;
        n--;
    }
    while (n > 0 && has_flag(w[n - 1], F_TRIM_TRAIL))
        n--;
    if (n < t->params.min_len)
        return;
    if (n > t->params.max_len) {
        long_word(t, tag, w, n);
        t->prev_len = 0;
        return;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = lower(w[i]);
    emit(t, tag, buf, n);
    if (!pairs || !t->params.word_pairs)
        return;
    if (t->prev_len > 0) {
        char pair[2 * TOKENIZE_MAX_LEN_CAP + 1];

        memcpy(pair, t->prev, t->prev_len);
        pair[t->prev_len] = ' ';
        memcpy(pair + t->prev_len + 1, buf, n);
        emit(t, tag, pair, t->prev_len + 1 + n);
    }
    memcpy(t->prev, buf, n);
    t->prev_len = n;
}

/* words - the words of s; cut: s was cut short, its last word is partial */
static void words(struct tokenizer *t, const char *tag, const char *s, size_t n, bool cut,
                  bool pairs)
{
    size_t i = 0;

    while (i < n) {
        size_t start;

        while (i < n && classify(s[i]) < C_WORD)
            i++;
        start = i;
        while (i < n && classify(s[i]) >= C_WORD)
            i++;
        /* a word cut short is dropped, unless it is too long anyway */
        if (i > start && !(cut && i == n && i - start <= t->params.max_len))
            word(t, tag, s + start, i - start, pairs);
    }
}

/* url_start - where the host of a URL run starts, or -1 when it is not a URL */
static long url_start(const char *s, size_t n)
{
    static const char *const schemes[] = {"http://", "https://", "ftp://"};

    if (n < 5 || strchr("hHfFwW", s[0]) == NULL)
        return -1;
    for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++) {
        size_t l = strlen(schemes[k]);

        if (n > l && strncasecmp(s, schemes[k], l) == 0)
            return (long)l;
    }
    if (n > 4 && strncasecmp(s, "www.", 4) == 0)
        return 0;
    return -1;
}

/* url - host tokens of a URL whose host starts at s + start, then its words */
static void url(struct tokenizer *t, const char *tag, const char *s, size_t n, size_t start,
                bool cut)
{
    char host[TOKEN_MAX];
    size_t end = start, at = start, hn = 0, dots = 0, last_dot = 0, prev_dot = 0;
    bool numeric = true;

    while (end < n && !has_flag(s[end], F_PATH))
        end++;
    for (size_t i = start; i < end; i++)
        if (s[i] == '@')
            at = i + 1;
    memcpy(host, "url:", 4);
    hn = 4;
    for (size_t i = at; i < end && s[i] != ':' && hn < sizeof(host); i++) {
        char c = lower(s[i]);

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            break;
        if (c == '.') {
            dots++;
            prev_dot = last_dot;
            last_dot = hn;
        } else if (!(c >= '0' && c <= '9')) {
            numeric = false;
        }
        host[hn++] = c;
    }
    while (hn > 4 && host[hn - 1] == '.')
        hn--;
    if (hn > 4 && !(cut && end == n)) {
        emit(t, tag, host, hn);
        if (numeric) {
            emit(t, tag, "url:ip", 6);      /* a bare address: whichever, it tells */
        } else if (dots >= 2 && prev_dot > 4 && last_dot + 1 < hn) {
            memmove(host + 4, host + prev_dot + 1, hn - prev_dot - 1);
            emit(t, tag, host, 4 + hn - prev_dot - 1);
        }
    }
    words(t, tag, s + end, n - end, cut, false);
}

/* run - one run: a URL or words */
static void run(struct tokenizer *t, const char *tag, const char *s, size_t n, bool cut,
                bool pairs)
{
    long start = url_start(s, n);

    if (start >= 0) {
        url(t, tag, s, n, (size_t)start, cut);
        t->prev_len = 0;
    } else {
        words(t, tag, s, n, cut, pairs);
    }
}

/*
 * scan - cut text into runs
 *	stream: body text, whose last run may continue in the next chunk
 *	(it is then kept in t->run).
 */
static void scan(struct tokenizer *t, const char *tag, const char *s, size_t n, bool stream)
{
    size_t i = 0;

    while (i < n) {
        size_t start;

        while (i < n && classify(s[i]) == C_SEP)
            i++;
        start = i;
        while (i < n && classify(s[i]) != C_SEP)
            i++;
        if (i == start)
            break;
        if (stream && i == n) {
            t->run_len = i - start < RUN_MAX ? i - start : RUN_MAX;
            t->run_long = i - start > RUN_MAX;
            memcpy(t->run, s + start, t->run_len);
            return;
        }
        if (i - start > RUN_MAX)
            run(t, tag, s + start, RUN_MAX, true, stream);
        else
            run(t, tag, s + start, i - start, false, stream);
    }
}

/* run_flush - the pending run is complete */
static void run_flush(struct tokenizer *t)
{
    if (t->run_len > 0)
        run(t, NULL, t->run, t->run_len, t->run_long, true);
    t->run_len = 0;
    t->run_long = false;
}

/* on_text - body text from the MIME decoder */
static void on_text(void *arg, const char *s, size_t n)
{
    struct tokenizer *t = arg;
    size_t i = 0;

    scripts(t, s, n);
    if (t->run_len > 0) {
        while (i < n && classify(s[i]) != C_SEP) {
            if (t->run_len < RUN_MAX)
                t->run[t->run_len++] = s[i];
            else
                t->run_long = true;
            i++;
        }
        if (i == n)
            return;
        run_flush(t);
    }
    scan(t, NULL, s + i, n - i, true);
}

/* on_part_end - a text part ended: no run or pair continues past it */
static void on_part_end(void *arg)
{
    struct tokenizer *t = arg;

    run_flush(t);
    t->prev_len = 0;
}

/* on_url - a link target from HTML */
static void on_url(void *arg, const char *s, size_t n)
{
    struct tokenizer *t = arg;
    bool cut = n > RUN_MAX;

    run(t, NULL, s, cut ? RUN_MAX : n, cut, false);
}

static const char *const basic_fields[] = {
    "subject", "from", "to", "cc", "reply-to", "sender", "content-type",
    "content-transfer-encoding", "content-disposition", "x-mailer", "user-agent",
};

static const char *const ignored_fields[] = {
    "date", "delivery-date", "message-id", "in-reply-to", "references", "status",
    "x-status", "x-keywords", "x-uid", "content-length", "lines", "x-bogosity",
    "authentication-results",
};

static const char *const ignored_prefixes[] = {"x-spam-", "x-vigie-"};

/* field_wanted - does this (lower-cased) field give tokens under params? */
static bool field_wanted(const struct tokenizer *t, const char *tag)
{
    switch (t->params.headers) {
    case TOKENIZE_HEADERS_NONE:
        return false;
    case TOKENIZE_HEADERS_BASIC:
        for (size_t i = 0; i < sizeof(basic_fields) / sizeof(basic_fields[0]); i++)
            if (strcmp(tag, basic_fields[i]) == 0)
                return true;
        return false;
    case TOKENIZE_HEADERS_ALL:
        break;
    }
    for (size_t i = 0; i < sizeof(ignored_fields) / sizeof(ignored_fields[0]); i++)
        if (strcmp(tag, ignored_fields[i]) == 0)
            return false;
    for (size_t i = 0; i < sizeof(ignored_prefixes) / sizeof(ignored_prefixes[0]); i++)
        if (strncmp(tag, ignored_prefixes[i], strlen(ignored_prefixes[i])) == 0)
            return false;
    return true;
}

/* on_header - a header field from the MIME decoder */
static void on_header(void *arg, const char *name, size_t name_len, const char *value,
                      size_t value_len, unsigned depth)
{
    struct tokenizer *t = arg;
    char tag[TAG_MAX + 1];
    size_t n = name_len < TAG_MAX ? name_len : TAG_MAX;

    for (size_t i = 0; i < n; i++)
        tag[i] = lower(name[i]);
    tag[n] = '\0';
    if (depth == 0 && strcmp(tag, "subject") == 0) {
        scripts(t, value, value_len);
        t->code_need = 0;           /* a cut character ends with the field */
    }
    if (!field_wanted(t, tag))
        return;
    emit(t, "header", tag, n);
    scan(t, tag, value, value_len, false);
}

/* tokenizer_new - a tokenizer with a copy of params */
struct tokenizer *tokenizer_new(const struct tokenize_params *params, struct vigie_error *err)
{
    static const struct mime_sink sink = {on_header, on_text, on_url, on_part_end};
    struct mime_limits limits;
    struct tokenizer *t;
    size_t slots = 16;

    if (params->min_len < 1 || params->max_len < params->min_len
        || params->max_len > TOKENIZE_MAX_LEN_CAP || params->max_tokens < 1
        || params->max_tokens > 1000000) {
        error_set(err, "tokenizer: word lengths must be 1 <= min <= max <= %d, "
                  "max tokens between 1 and 1000000", TOKENIZE_MAX_LEN_CAP);
        return NULL;
    }
    pthread_once(&byte_class_once, class_init);
    while (slots < 2 * (size_t)params->max_tokens)
        slots *= 2;
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        error_set(err, "tokenizer: out of memory");
        return NULL;
    }
    t->params = *params;
    limits.max_bytes = params->max_bytes;
    limits.max_depth = params->max_depth;
    t->mime = mime_new(&limits, &sink, t);
    t->items = calloc(params->max_tokens, sizeof(*t->items));
    t->table = calloc(slots, sizeof(*t->table));
    t->mask = slots - 1;
    t->arena_cap = (size_t)params->max_tokens * ARENA_PER_TOKEN;
    t->arena = malloc(t->arena_cap);
    if (t->mime == NULL || t->items == NULL || t->table == NULL || t->arena == NULL) {
        tokenizer_free(t);
        error_set(err, "tokenizer: out of memory");
        return NULL;
    }
    t->set.items = t->items;
    return t;
}

/* tokenizer_free - NULL is allowed */
void tokenizer_free(struct tokenizer *t)
{
    if (t == NULL)
        return;
    mime_free(t->mime);
    free(t->items);
    free(t->table);
    free(t->arena);
    free(t);
}

/* tokenizer_reset - start a new message (the previous set is discarded) */
void tokenizer_reset(struct tokenizer *t)
{
    if (t->set.count * 8 > t->mask) {
        memset(t->table, 0, (t->mask + 1) * sizeof(*t->table));
    } else {
        for (size_t k = 0; k < t->set.count; k++) {
            size_t i = t->items[k].hash & t->mask;

            while (t->table[i] != t->items[k].hash)
                i = (i + 1) & t->mask;
            t->table[i] = 0;
        }
    }
    t->set.count = 0;
    t->set.truncated = false;
    t->arena_len = 0;
    t->run_len = 0;
    t->run_long = false;
    t->prev_len = 0;
    t->code_need = 0;
    t->scripts = 0;
    mime_reset(t->mime);
}

/* tokenizer_header - one field of the message's header, as a milter gets it */
void tokenizer_header(struct tokenizer *t, const char *name, const char *value)
{
    mime_header(t->mime, name, value);
}

/* tokenizer_end_headers - the message's header is complete (milter) */
void tokenizer_end_headers(struct tokenizer *t)
{
    mime_end_headers(t->mime);
}

/* tokenizer_write - the next bytes of the message (or of its body) */
void tokenizer_write(struct tokenizer *t, const char *data, size_t len)
{
    mime_write(t->mime, data, len);
}

/* tokenizer_finish - the end of the message */
const struct token_set *tokenizer_finish(struct tokenizer *t,
                                         unsigned char digest[MIME_DIGEST_LEN])
{
    struct mime_stats stats;

    mime_finish(t->mime);
    run_flush(t);
    mime_stats(t->mime, &stats);
    if (stats.truncated)
        t->set.truncated = true;
    if (digest != NULL)
        mime_digest(t->mime, digest);
    return &t->set;
}
