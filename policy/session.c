/*
 * NAME
 *	session - what one policy connection remembers about the message in progress
 * SYNOPSIS
 *	#include "policy.h"
 * DESCRIPTION
 *	Postfix sends every request about one message over the same
 *	connection, with the same "instance" attribute; a new instance
 *	means the previous message is done. A session keeps, for the
 *	current instance, the recipients vigie let through at RCPT (for
 *	the facts of END-OF-MESSAGE, where Postfix sends only their
 *	number) and the SPF result (checked once per message).
 *
 *	Memory is fixed: a session is one block; recipients that do not
 *	fit in POLICY_SESSION_RCPT_BYTES are counted at END-OF-MESSAGE as
 *	empty addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* policy_session_begin - follow the instance of req */
void policy_session_begin(struct policy_session *s, const struct policy_request *req)
{
    /* instances longer than the buffer are compared on what it holds */
    if (strncmp(s->instance, req->instance, sizeof(s->instance) - 1) == 0)
        return;
    snprintf(s->instance, sizeof(s->instance), "%s", req->instance);
    s->rcpt_len = 0;
    s->rcpt_count = 0;
    s->spf_done = false;
}

/* policy_session_add_rcpt - remember a recipient let through */
void policy_session_add_rcpt(struct policy_session *s, const char *recipient)
{
    size_t len = strlen(recipient) + 1;

    if (len > sizeof(s->rcpt_buf) - s->rcpt_len)
        return;
    memcpy(s->rcpt_buf + s->rcpt_len, recipient, len);
    s->rcpt_len += len;
    s->rcpt_count++;
}

/* policy_session_recipients - count recipients, the remembered ones first */
const char **policy_session_recipients(const struct policy_session *s, size_t *count)
{
    const char **list;
    const char *p = s->rcpt_buf;

    if (*count > POLICY_EOM_RECIPIENTS_MAX)
        *count = POLICY_EOM_RECIPIENTS_MAX;
    if ((list = calloc(*count, sizeof(*list))) == NULL)
        return NULL;
    for (size_t i = 0; i < *count; i++) {
        if (i < s->rcpt_count) {
            list[i] = p;
            p += strlen(p) + 1;
        } else {
            list[i] = "";
        }
    }
    return list;
}
