/*
 * NAME
 *	milter_ctx - the per-connection and per-message context
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	See milter.h. Everything stored here is a private copy of what
 *	libmilter handed to a callback (its strings live only for that
 *	callback). Adders return -1 on allocation failure and leave the
 *	context consistent; the caller marks the message failed.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "milter.h"
#include "milter_bayes.h"

/* milter_conn_new - a context holding snap's reference */
struct milter_conn *milter_conn_new(struct snapshot *snap)
{
    struct milter_conn *conn = calloc(1, sizeof(*conn));

    if (conn == NULL)
        return NULL;
    if ((conn->client_name = strdup("unknown")) == NULL
        || (conn->helo = strdup("")) == NULL || (conn->sasl_user = strdup("")) == NULL) {
        free(conn->client_name);
        free(conn->helo);
        free(conn);
        return NULL;
    }
    conn->snap = snap;
    return conn;
}

/* milter_conn_free - release the context, its message and its snapshot */
void milter_conn_free(struct milter_conn *conn)
{
    if (conn == NULL)
        return;
    milter_msg_reset(&conn->msg);
    free(conn->msg.recipients);
    free(conn->msg.headers);
    free(conn->msg.received);
    milter_bayes_free(conn->msg.bayes);
    free(conn->client_name);
    free(conn->helo);
    free(conn->sasl_user);
    snapshot_release(conn->snap);
    free(conn);
}

/* milter_conn_set - replace *field with a copy of value */
int milter_conn_set(char **field, const char *value)
{
    char *copy = strdup(value);

    if (copy == NULL)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

/*
 * milter_msg_reset - forget the current message
 *	The recipient and header arrays are kept (emptied) for the next
 *	message of the connection.
 */
void milter_msg_reset(struct milter_msg *msg)
{
    authcheck_reset(&msg->auth);
    milter_bayes_reset(msg->bayes);
    for (size_t i = 0; i < msg->rcpt_count; i++)
        free(msg->recipients[i]);
    for (size_t i = 0; i < msg->header_count; i++) {
        free((char *)msg->received[i].name);
        free((char *)msg->received[i].value);
    }
    free(msg->sender);
    msg->sender = NULL;
    msg->rcpt_count = 0;
    msg->header_count = 0;
    msg->size = 0;
    msg->active = false;
    msg->failed = false;
    msg->queue_id[0] = '\0';
}

/*
 * grow - room for one more element of size elem
 *	Returns the (possibly moved) array, or NULL on allocation failure
 *	with items and *capacity untouched.
 */
static void *grow(void *items, size_t count, size_t *capacity, size_t elem)
{
    size_t new_capacity;
    void *new_items;

    if (count < *capacity)
        return items;
    new_capacity = *capacity ? *capacity * 2 : 8;
    if ((new_items = reallocarray(items, new_capacity, elem)) == NULL)
        return NULL;
    *capacity = new_capacity;
    return new_items;
}

/* milter_msg_add_rcpt - copy a recipient in */
int milter_msg_add_rcpt(struct milter_msg *msg, const char *rcpt)
{
    char **recipients = grow(msg->recipients, msg->rcpt_count, &msg->rcpt_capacity,
                             sizeof(msg->recipients[0]));

    if (recipients == NULL)
        return -1;
    msg->recipients = recipients;
    if ((recipients[msg->rcpt_count] = strdup(rcpt)) == NULL)
        return -1;
    msg->rcpt_count++;
    return 0;
}

/*
 * milter_msg_add_header - copy a header in
 *	One copy of name and value, seen through both arrays: received[]
 *	owns them; headers[] skips the one space after the colon that
 *	libmilter strips unless SMFIP_HDR_LEADSPC was negotiated.
 */
int milter_msg_add_header(struct milter_msg *msg, const char *name, const char *value,
                          bool leadspc)
{
    size_t cap_headers = msg->header_capacity;
    size_t cap_received = msg->header_capacity;
    struct header_field *headers;
    struct header_field *received;
    char *name_copy;
    char *value_copy;

    /* Both arrays grow together; capacity changes only once both have. */
    if ((headers = grow(msg->headers, msg->header_count, &cap_headers,
                        sizeof(msg->headers[0]))) == NULL)
        return -1;
    msg->headers = headers;
    if ((received = grow(msg->received, msg->header_count, &cap_received,
                         sizeof(msg->received[0]))) == NULL)
        return -1;
    msg->received = received;
    msg->header_capacity = cap_headers;
    if ((name_copy = strdup(name)) == NULL)
        return -1;
    if ((value_copy = strdup(value)) == NULL) {
        free(name_copy);
        return -1;
    }
    received[msg->header_count].name = name_copy;
    received[msg->header_count].value = value_copy;
    headers[msg->header_count].name = name_copy;
    headers[msg->header_count].value = value_copy + (leadspc && value_copy[0] == ' ');
    msg->header_count++;
    return 0;
}

/* milter_msg_find_header - the first value of header name, or NULL */
const char *milter_msg_find_header(const struct milter_msg *msg, const char *name)
{
    for (size_t i = 0; i < msg->header_count; i++)
        if (strcasecmp(msg->headers[i].name, name) == 0)
            return msg->headers[i].value;
    return NULL;
}

/* milter_conn_facts - fill facts from conn */
void milter_conn_facts(const struct milter_conn *conn, struct message_facts *facts)
{
    facts_init(facts);
    facts->client_addr = conn->client_addr;
    facts->client_ip = conn->client_ip;
    facts->client_ip_known = conn->client_ip_known;
    facts->client_name = conn->client_name;
    facts->helo = conn->helo;
    facts->authenticated = *conn->sasl_user != '\0';
    facts->sasl_user = conn->sasl_user;
    facts->trusted = conn->trusted;
    facts->sender = conn->msg.sender ? conn->msg.sender : "";
    facts->recipients = (const char *const *)conn->msg.recipients;
    facts->recipient_count = conn->msg.rcpt_count;
    facts->headers = conn->msg.headers;
    facts->header_count = conn->msg.header_count;
    facts->size = conn->msg.size;
    authcheck_facts(&conn->msg.auth, facts);
    facts->bayes = milter_bayes_probability(conn->msg.bayes);
}

/* milter_queue_id - the queue id for log lines */
const char *milter_queue_id(const struct milter_conn *conn)
{
    return conn->msg.queue_id[0] ? conn->msg.queue_id : "NOQUEUE";
}
