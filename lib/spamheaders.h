/*
 * NAME
 *	spamheaders - the X-Spam-* header values and the Subject rewrite
 * SYNOPSIS
 *	#include "spamheaders.h"
 * DESCRIPTION
 *	Formats a verdict the way SpamAssassin does, so that existing
 *	Sieve filters and mail clients read it unchanged:
 *
 *	    X-Spam-Flag: YES
 *	    X-Spam-Score: 7.5
 *	    X-Spam-Level: *******
 *	    X-Spam-Status: Yes, score=7.5 required=5.0 tests=RULE_A,RULE_B
 *	    	version=vigie-0.1
 *
 *	"required=" is left out when the rules have no threshold that
 *	flags (verdict->required is infinite). Values are returned
 *	without the header name. A long X-Spam-Status
 *	is folded with "\n\t" (the milter convention for continuation
 *	lines) so that no line exceeds 78 characters when it can be
 *	avoided. Whatever the input, no CR, LF or other control character
 *	from a rule name, a version string or a subject prefix reaches an
 *	output value: the only line breaks are the folds made here.
 */
#ifndef VIGIE_SPAMHEADERS_H
#define VIGIE_SPAMHEADERS_H

#include "compiler.h"
#include "rules.h"

#define SPAMHEADERS_MAX_STARS 50    /* X-Spam-Level is capped like SpamAssassin's */

struct spam_headers {
    char flag[4];                           /* "YES" or "NO" */
    char score[32];                         /* "7.5", "-1.0" */
    char level[SPAMHEADERS_MAX_STARS + 1];  /* one '*' per whole point; "" below 1 */
    char *status;                           /* X-Spam-Status value; owned, see spamheaders_free */
};

/*
 * spamheaders_format - the four values for a verdict
 *	version: the producer, e.g. "vigie-0.1". skipped: NULL, or the
 *	name of a check that could not run ("bayes"): X-Spam-Status then
 *	ends with "bayes=skipped", saying the message was not fully
 *	checked. Returns 0, or -1 on allocation failure (out then owns
 *	nothing).
 */
int spamheaders_format(const struct verdict *verdict, const char *version, const char *skipped,
                       struct spam_headers *out) WARN_UNUSED;

/* spamheaders_free - release out->status; safe on a zeroed struct */
void spamheaders_free(struct spam_headers *out);

/*
 * spamheaders_subject - the Subject value after adding prefix
 *	subject: the current value as received (folds "\r\n\t" or "\n\t"
 *	allowed), or NULL when the message has no Subject. On success
 *	returns 0 and sets *out to a new string (caller frees) in milter
 *	form (folds as "\n" + blank), or to NULL when subject already
 *	starts with the prefix (no double prefixing). Returns -1 on
 *	allocation failure.
 */
int spamheaders_subject(const char *subject, const char *prefix, char **out) WARN_UNUSED;

/*
 * spamheaders_clean - make text safe for one header or reply line
 *	Replaces, in place, every control character (CR, LF, TAB, NUL
 *	excepted as terminator, DEL ...) with a space.
 */
void spamheaders_clean(char *text);

#endif
