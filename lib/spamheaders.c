/*
 * NAME
 *	spamheaders - the X-Spam-* header values and the Subject rewrite
 * SYNOPSIS
 *	#include "spamheaders.h"
 * DESCRIPTION
 *	See spamheaders.h. Rule names and the version are copied through
 *	a whitelist ([A-Za-z0-9_.-], anything else becomes '_'); subject
 *	prefixes through spamheaders_clean(); received subjects keep their
 *	folds, rewritten to milter form, and lose any other CR or LF.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spamheaders.h"

#define FOLD_WIDTH 78                   /* RFC 5322 recommended line length */
#define STATUS_NAME_LEN 15              /* strlen("X-Spam-Status: ") */

/* A growable string; a failed append marks it failed and frees it at the end. */
struct strbuf {
    char *data;
    size_t len;
    size_t cap;
    unsigned column;                    /* length of the current (last) line */
    int failed;
};

/* strbuf_append - add len bytes; on allocation failure set failed */
static void strbuf_append(struct strbuf *sb, const char *text, size_t len)
{
    if (sb->failed)
        return;
    if (sb->len + len + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 128;
        char *data;

        while (sb->len + len + 1 > cap)
            cap *= 2;
        if ((data = realloc(sb->data, cap)) == NULL) {
            sb->failed = 1;
            return;
        }
        sb->data = data;
        sb->cap = cap;
    }
    memcpy(sb->data + sb->len, text, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
    sb->column += (unsigned)len;
}

/* token_char - may c appear in a rule name or version in a header? */
static int token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || c == '_' || c == '.' || c == '-';
}

/*
 * strbuf_word - append sep then word, folding first when the line
 *	would pass FOLD_WIDTH. A fold replaces sep by "\n\t".
 */
static void strbuf_word(struct strbuf *sb, const char *sep, const char *word)
{
    size_t len = strlen(word);

    if (sb->column > 1 && sb->column + strlen(sep) + len > FOLD_WIDTH) {
        strbuf_append(sb, "\n\t", 2);
        sb->column = 1;
    } else {
        strbuf_append(sb, sep, strlen(sep));
    }
    strbuf_append(sb, word, len);
}

/*
 * token_word - "before" + token through the whitelist + "after"
 *	Returns a new string (caller frees), or NULL on allocation failure.
 */
static char *token_word(const char *before, const char *token, const char *after)
{
    char *word;
    char *p;

    if (asprintf(&word, "%s%s%s", before, token, after) < 0)
        return NULL;
    p = word + strlen(before);
    for (size_t i = strlen(token); i > 0; i--, p++)
        if (!token_char((unsigned char)*p))
            *p = '_';
    return word;
}

/* strbuf_token - strbuf_word of token_word(before, token, after) */
static void strbuf_token(struct strbuf *sb, const char *sep, const char *before,
                         const char *token, const char *after)
{
    char *word = token_word(before, token, after);

    if (word == NULL) {
        sb->failed = 1;
        return;
    }
    strbuf_word(sb, sep, word);
    free(word);
}

/* format_score - "%.1f" without a negative zero */
static void format_score(char *buf, size_t len, double score)
{
    snprintf(buf, len, "%.1f", score);
    if (strcmp(buf, "-0.0") == 0)
        snprintf(buf, len, "0.0");
}

/* spamheaders_format - the four values for a verdict */
int spamheaders_format(const struct verdict *verdict, const char *version, const char *skipped,
                       struct spam_headers *out)
{
    struct strbuf sb = {.column = STATUS_NAME_LEN};
    char number[64];
    char word[96];
    size_t stars = 0;

    memset(out, 0, sizeof(*out));
    snprintf(out->flag, sizeof(out->flag), "%s", verdict->spam ? "YES" : "NO");
    format_score(out->score, sizeof(out->score), verdict->score);
    if (verdict->score >= 1.0)
        stars = verdict->score >= SPAMHEADERS_MAX_STARS ? SPAMHEADERS_MAX_STARS
                                                         : (size_t)verdict->score;
    memset(out->level, '*', stars);
    out->level[stars] = '\0';

    strbuf_word(&sb, "", verdict->spam ? "Yes," : "No,");
    snprintf(word, sizeof(word), "score=%s", out->score);
    strbuf_word(&sb, " ", word);
    if (isfinite(verdict->required)) {
        format_score(number, sizeof(number), verdict->required);
        snprintf(word, sizeof(word), "required=%s", number);
        strbuf_word(&sb, " ", word);
    }
    if (verdict->hit_count == 0)
        strbuf_word(&sb, " ", "tests=none");
    /* Folds fall between rule names, after the comma that ends a line. */
    for (size_t i = 0; i < verdict->hit_count; i++)
        strbuf_token(&sb, i == 0 ? " " : "", i == 0 ? "tests=" : "",
                     verdict->hits[i].name, i + 1 < verdict->hit_count ? "," : "");
    strbuf_token(&sb, " ", "version=", version, "");
    if (skipped != NULL)
        strbuf_token(&sb, " ", "", skipped, "=skipped");
    if (sb.failed) {
        free(sb.data);
        return -1;
    }
    out->status = sb.data;
    return 0;
}

/* spamheaders_free - release out->status */
void spamheaders_free(struct spam_headers *out)
{
    free(out->status);
    out->status = NULL;
}

/* spamheaders_clean - make text safe for one header or reply line */
void spamheaders_clean(char *text)
{
    for (unsigned char *p = (unsigned char *)text; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* prefix_length - prefix without its trailing blanks */
static size_t prefix_length(const char *prefix)
{
    size_t len = strlen(prefix);

    while (len > 0 && (prefix[len - 1] == ' ' || prefix[len - 1] == '\t'))
        len--;
    return len;
}

/*
 * copy_subject - append a received value in milter form
 *	"\r\n" or "\n" followed by a blank is a fold and becomes "\n";
 *	every other CR or LF becomes a space.
 */
static void copy_subject(struct strbuf *sb, const char *subject)
{
    for (const char *p = subject; *p; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;
        if (*p == '\r' || *p == '\n') {
            int fold = *p == '\n' && (p[1] == ' ' || p[1] == '\t');

            strbuf_append(sb, fold ? "\n" : " ", 1);
            continue;
        }
        strbuf_append(sb, p, 1);
    }
}

/* spamheaders_subject - the Subject value after adding prefix */
int spamheaders_subject(const char *subject, const char *prefix, char **out)
{
    struct strbuf sb = {0};
    const char *rest = subject ? subject + strspn(subject, " \t") : "";
    char *clean;
    size_t plen;

    *out = NULL;
    if ((clean = strdup(prefix)) == NULL)
        return -1;
    spamheaders_clean(clean);
    plen = prefix_length(clean);
    if (plen == 0 || strncasecmp(rest, clean, plen) == 0) {
        free(clean);
        return 0;
    }
    strbuf_append(&sb, clean, subject ? strlen(clean) : plen);
    free(clean);
    if (subject)
        copy_subject(&sb, subject);
    if (sb.failed) {
        free(sb.data);
        return -1;
    }
    *out = sb.data;
    return 0;
}
