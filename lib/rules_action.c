/*
 * NAME
 *	rules_action - the actions of vigie.rules
 * SYNOPSIS
 *	#include "rules_internal.h"
 *
 *	int parse_action(struct parser *p, struct action *action);
 *	void action_release(struct action *action);
 *	const char *action_kind_name(enum action_kind kind);
 * DESCRIPTION
 *	ACTION := accept | flag | rewrite-subject "prefix" | hold
 *		| tempfail [4XX [4.X.X]] "text" | reject [5XX [5.X.X]] "text"
 *
 *	Defaults: tempfail 451 4.7.1, reject 550 5.7.1; a reply code
 *	given alone takes the status X.7.1 of its class. The class of the
 *	reply code and of the status code must match the action. The
 *	strings of a parsed action are owned by it (action_release);
 *	reply_code, status_code and text are NULL where an action has
 *	none.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

/* Indexed by enum action_kind. */
static const char *const action_names[] = {
    [ACTION_ACCEPT] = "accept",
    [ACTION_FLAG] = "flag",
    [ACTION_REWRITE_SUBJECT] = "rewrite-subject",
    [ACTION_HOLD] = "hold",
    [ACTION_TEMPFAIL] = "tempfail",
    [ACTION_REJECT] = "reject",
};

/* action_kind_name - "accept", "flag", ... for logs */
const char *action_kind_name(enum action_kind kind)
{
    if ((size_t)kind < sizeof(action_names) / sizeof(action_names[0]))
        return action_names[kind];
    return "unknown";
}

/* action_release - free the strings of an action */
void action_release(struct action *action)
{
    free((char *)action->reply_code);
    free((char *)action->status_code);
    free((char *)action->text);
    action->reply_code = action->status_code = action->text = NULL;
}

/* reply_code_ok - "5XX" for class '5' */
static bool reply_code_ok(const char *code, char class)
{
    return code[0] == class && isdigit((unsigned char)code[1])
        && isdigit((unsigned char)code[2]) && code[3] == '\0';
}

/* digits - 1 to 3 digits at s, followed by end; the count, or 0 */
static size_t digits(const char *s, char end)
{
    size_t n = 0;

    while (n < 4 && isdigit((unsigned char)s[n]))
        n++;
    return n >= 1 && n <= 3 && s[n] == end ? n : 0;
}

/* status_code_ok - RFC 3463 "5.X.X" for class '5' (X: 1 to 3 digits) */
static bool status_code_ok(const char *code, char class)
{
    size_t n;

    if (code[0] != class || code[1] != '.')
        return false;
    if ((n = digits(code + 2, '.')) == 0)
        return false;
    return digits(code + 3 + n, '\0') != 0;
}

/* set_string - *dst = copy of src; 0, or -1 with err set */
static int set_string(struct parser *p, const char **dst, const char *src)
{
    char *copy = strdup(src);

    if (copy == NULL) {
        parse_error(p, &p->tok, "out of memory");
        return -1;
    }
    free((char *)*dst);
    *dst = copy;
    return 0;
}

/* parse_reply - [CODE [STATUS]] "text" of tempfail and reject */
static int parse_reply(struct parser *p, struct action *action)
{
    const char *name = action_names[action->kind];
    char class = action->kind == ACTION_REJECT ? '5' : '4';

    if (set_string(p, &action->reply_code, class == '5' ? "550" : "451") < 0
        || set_string(p, &action->status_code, class == '5' ? "5.7.1" : "4.7.1") < 0)
        return -1;
    if (p->tok.kind == TOK_NUMBER) {
        if (!reply_code_ok(p->tok.text, class)) {
            parse_error(p, &p->tok, "bad reply code \"%s\" for %s (expected %cXX)",
                        p->tok.text, name, class);
            return -1;
        }
        if (set_string(p, &action->reply_code, p->tok.text) < 0 || parse_advance(p) < 0)
            return -1;
        if (p->tok.kind == TOK_NUMBER) {
            if (!status_code_ok(p->tok.text, class)) {
                parse_error(p, &p->tok, "bad status code \"%s\" for %s (expected %c.X.X)",
                            p->tok.text, name, class);
                return -1;
            }
            if (set_string(p, &action->status_code, p->tok.text) < 0
                || parse_advance(p) < 0)
                return -1;
        }
    }
    if (p->tok.kind != TOK_STRING) {
        parse_expected(p, "the reply text in quotes");
        return -1;
    }
    return set_string(p, &action->text, p->tok.text);
}

/*
 * parse_action - ACTION at the current token
 *	Returns 0 with the token after the action current, or -1 with
 *	p->err set. The caller releases *action either way.
 */
int parse_action(struct parser *p, struct action *action)
{
    size_t i;

    memset(action, 0, sizeof(*action));
    if (p->tok.kind != TOK_WORD) {
        parse_expected(p, "an action");
        return -1;
    }
    for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
        if (strcmp(p->tok.text, action_names[i]) == 0)
            break;
    if (i == sizeof(action_names) / sizeof(action_names[0])) {
        parse_error(p, &p->tok, "unknown action \"%s\" (expected accept, flag, "
                    "rewrite-subject, hold, tempfail or reject)", p->tok.text);
        return -1;
    }
    action->kind = (enum action_kind)i;
    if (parse_advance(p) < 0)
        return -1;
    switch (action->kind) {
    case ACTION_REWRITE_SUBJECT:
        if (p->tok.kind != TOK_STRING) {
            parse_expected(p, "the subject prefix in quotes");
            return -1;
        }
        if (set_string(p, &action->text, p->tok.text) < 0)
            return -1;
        break;
    case ACTION_TEMPFAIL:
    case ACTION_REJECT:
        if (parse_reply(p, action) < 0)
            return -1;
        break;
    default:                    /* accept, flag, hold: nothing more */
        return 0;
    }
    return parse_advance(p);
}
