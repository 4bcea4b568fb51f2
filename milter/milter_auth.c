/*
 * NAME
 *	milter_auth - SPF, DKIM and DMARC fed from milter callbacks
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	Thin glue between the callbacks and lib/authcheck.c, which does
 *	the checking: each function hands the check what the MTA just
 *	told, and logs once what went wrong inside (the check then reports
 *	temperror, or the message goes unsigned; it is never lost).
 *	milter_auth_headers() turns the results into header edits.
 *
 *	A message whose context already failed (conn->msg.failed: a copy
 *	could not be made) is not checked further: the fail policy decides
 *	its fate at end of message.
 */
#include <string.h>
#include <strings.h>

#include "log.h"
#include "milter.h"

#define AUTH_RESULTS "Authentication-Results"

/* milter_auth_mail - SPF at MAIL FROM; begins the checks */
void milter_auth_mail(struct milter_conn *conn)
{
    struct milter_msg *msg = &conn->msg;
    const struct spf_request session = {
        .client_addr = conn->client_addr,
        .helo = conn->helo,
        .sender = msg->sender,
    };
    struct vigie_error err;

    authcheck_begin(&msg->auth, conn->snap, *conn->sasl_user == '\0' && !conn->trusted);
    if (authcheck_mail(&msg->auth, &session, &err) < 0)
        msg_warn("%s: %s (SPF result temperror)", milter_queue_id(conn), err.msg);
}

/* milter_auth_eoh - the header is complete: DKIM signs or verifies it */
void milter_auth_eoh(struct milter_conn *conn)
{
    struct milter_msg *msg = &conn->msg;
    struct vigie_error err;

    if (msg->failed || msg->auth.snap == NULL)
        return;
    if (authcheck_eoh(&msg->auth, msg->received, msg->header_count, milter_queue_id(conn),
                      &err) < 0)
        msg_warn("%s: %s (%s)", milter_queue_id(conn), err.msg,
                 msg->auth.dkim_mode == AUTHCHECK_DKIM_SIGN ? "the message is not signed"
                                                            : "DKIM result temperror");
}

/* milter_auth_body - a body chunk for DKIM */
void milter_auth_body(struct milter_conn *conn, const unsigned char *chunk, size_t len)
{
    struct milter_msg *msg = &conn->msg;
    struct vigie_error err;

    if (msg->failed || msg->auth.snap == NULL)
        return;
    if (authcheck_body(&msg->auth, chunk, len, &err) < 0)
        msg_warn("%s: %s (the message is not signed)", milter_queue_id(conn), err.msg);
}

/* milter_auth_eom - end of message: DKIM results or signature, DMARC */
void milter_auth_eom(struct milter_conn *conn)
{
    struct milter_msg *msg = &conn->msg;
    struct vigie_error err;

    if (msg->failed || msg->auth.snap == NULL)
        return;
    if (authcheck_eom(&msg->auth, &err) < 0)
        msg_warn("%s: %s (that check is temperror, or the message is not signed)",
                 milter_queue_id(conn), err.msg);
}

/*
 * remove_forged - delete the Authentication-Results fields that claim
 *	our authserv_id (RFC 8601 section 5), from the last one up so that
 *	the indexes of the others stay valid. Returns 0, or -1.
 */
static int remove_forged(SMFICTX *ctx, const struct milter_conn *conn)
{
    const struct milter_msg *msg = &conn->msg;
    const char *id = conn->snap->config->authserv_id;
    int index = 0;

    for (size_t i = 0; i < msg->header_count; i++)
        if (strcasecmp(msg->headers[i].name, AUTH_RESULTS) == 0)
            index++;
    for (size_t i = msg->header_count; i-- > 0;) {
        if (strcasecmp(msg->headers[i].name, AUTH_RESULTS) != 0)
            continue;
        if (authres_is_ours(msg->headers[i].value, id)
            && milter_hdr_change(ctx, conn, AUTH_RESULTS, index, NULL) < 0)
            return -1;
        index--;
    }
    return 0;
}

/* milter_auth_headers - the checks' header edits, at end of message */
int milter_auth_headers(SMFICTX *ctx, const struct milter_conn *conn)
{
    struct authcheck_headers h;
    struct vigie_error err;
    int status = 0;

    if (remove_forged(ctx, conn) < 0)
        return -1;
    if (conn->msg.auth.snap == NULL)
        return 0;
    if (authcheck_headers(&conn->msg.auth, &h, &err) < 0) {
        msg_warn("%s: %s", milter_queue_id(conn), err.msg);
        return -1;
    }
    /* Each goes on top: the last inserted ends up first. */
    if ((h.auth_results && milter_hdr_insert(ctx, conn, 0, AUTH_RESULTS, h.auth_results) < 0)
        || (h.received_spf && milter_hdr_insert(ctx, conn, 0, "Received-SPF",
                                                h.received_spf) < 0)
        || (h.dkim_signature && milter_hdr_insert(ctx, conn, 0, "DKIM-Signature",
                                                  h.dkim_signature) < 0))
        status = -1;
    authcheck_headers_free(&h);
    return status;
}
