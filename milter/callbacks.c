/*
 * NAME
 *	callbacks - vigie-milter's libmilter callbacks
 * SYNOPSIS
 *	#include "milter.h"
 *
 *	smfi_register(milter_desc);
 * DESCRIPTION
 *	Thin adapters from the milter protocol to the engine: collect the
 *	facts of a connection and of each message, enforce the relay
 *	guard at RCPT, the sender-login check and the account lock
 *	(milter_limits.h) at MAIL FROM, feed the SPF, DKIM and DMARC
 *	checks (milter_auth.c: SPF at MAIL FROM, DKIM from the end of the
 *	header on, the body streamed to it), and hand
 *	the message to milter_act_eom() at its end.
 *
 *	Any libmilter thread may run any callback; all state is in the
 *	context kept with smfi_setpriv() (milter.h). xxfi_close may come
 *	without xxfi_connect (priv NULL). Postfix's XCLIENT restarts the
 *	conversation: a new xxfi_connect replaces the context.
 *
 *	xxfi_negotiate asks for SMFIP_HDR_LEADSPC when offered (see
 *	milter.h). Until xxfi_connect, and again after xxfi_close (an MTA
 *	may start another connection on the same milter session), priv
 *	holds no context but &leadspc_marker when it was granted: the one
 *	fact of the session that outlives a connection.
 *
 *	Macros asked for in xxfi_negotiate (Postfix does not send
 *	{client_addr} or {daemon_port} by default):
 *	    connect  j {client_addr} {client_name} {daemon_port}
 *	    MAIL     i {auth_authen} {auth_type} {mail_addr}
 *	    RCPT     i {rcpt_addr}
 *	    EOH, EOM i
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "milter.h"
#include "milter_bayes.h"
#include "milter_limits.h"
#include "relay.h"

/* What vigie asks the MTA for: actions and the protocol steps it skips. */
#define MILTER_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST)
#define MILTER_SKIPPED_STEPS (SMFIP_NOUNKNOWN | SMFIP_NODATA)

static char leadspc_marker;     /* priv outside a connection: HDR_LEADSPC granted */

/* conn_of - the context of ctx, or NULL before connect (or after its failure) */
static struct milter_conn *conn_of(SMFICTX *ctx)
{
    void *priv = smfi_getpriv(ctx);

    return priv == &leadspc_marker ? NULL : priv;
}

/* session_leadspc - was SMFIP_HDR_LEADSPC granted on this milter session? */
static bool session_leadspc(SMFICTX *ctx)
{
    const struct milter_conn *conn = conn_of(ctx);

    return conn != NULL ? conn->leadspc : smfi_getpriv(ctx) == &leadspc_marker;
}

/* symval - a macro's value, or NULL when the MTA did not send it */
static const char *symval(SMFICTX *ctx, const char *name)
{
    return smfi_getsymval(ctx, (char *)name);
}

/* remember_queue_id - keep Postfix's queue id once it is known */
static void remember_queue_id(SMFICTX *ctx, struct milter_conn *conn)
{
    const char *id = symval(ctx, "i");

    if (id != NULL && *id != '\0')
        snprintf(conn->msg.queue_id, sizeof(conn->msg.queue_id), "%s", id);
}

/* set_field - milter_conn_set; on allocation failure mark the connection failed */
static void set_field(struct milter_conn *conn, char **field, const char *value)
{
    if (milter_conn_set(field, value) < 0)
        conn->failed = true;
}

/* strip_brackets - "<a@b>" -> "a@b" into a new string; NULL on allocation failure */
static char *strip_brackets(const char *address)
{
    size_t len = strlen(address);

    if (len >= 2 && address[0] == '<' && address[len - 1] == '>')
        return strndup(address + 1, len - 2);
    return strdup(address);
}

/* vigie_negotiate - choose actions and steps; ask for the macros vigie uses */
static sfsistat vigie_negotiate(SMFICTX *ctx, unsigned long actions, unsigned long steps,
                                unsigned long unused2, unsigned long unused3,
                                unsigned long *want_actions, unsigned long *want_steps,
                                unsigned long *want2, unsigned long *want3)
{
    static atomic_bool warned;

    (void)unused2;
    (void)unused3;
    msg_debug("negotiate: the MTA offers actions 0x%lx, steps 0x%lx", actions, steps);
    *want_actions = actions & MILTER_ACTIONS;
    *want_steps = steps & (MILTER_SKIPPED_STEPS | SMFIP_HDR_LEADSPC);
    smfi_setpriv(ctx, (steps & SMFIP_HDR_LEADSPC) ? &leadspc_marker : NULL);
    *want2 = 0;
    *want3 = 0;
    if ((actions & MILTER_ACTIONS) != MILTER_ACTIONS && !atomic_exchange(&warned, true))
        msg_warn("the MTA offers milter actions 0x%lx, vigie needs 0x%lx: some verdicts"
                 " (headers, hold) will fail and follow fail_policy", actions,
                 (unsigned long)MILTER_ACTIONS);
    if (actions & SMFIF_SETSYMLIST) {
        smfi_setsymlist(ctx, SMFIM_CONNECT, "j {client_addr} {client_name} {daemon_port}");
        smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen} {auth_type} {mail_addr}");
        smfi_setsymlist(ctx, SMFIM_ENVRCPT, "i {rcpt_addr}");
        smfi_setsymlist(ctx, SMFIM_EOH, "i");
        smfi_setsymlist(ctx, SMFIM_EOM, "i");
    }
    return SMFIS_CONTINUE;
}

/* client_address - the client's address from the socket address or {client_addr} */
static void client_address(SMFICTX *ctx, struct milter_conn *conn, const struct sockaddr *sa)
{
    const char *macro = symval(ctx, "{client_addr}");

    if (sa != NULL && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, conn->client_addr,
                  sizeof(conn->client_addr));
    else if (sa != NULL && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  conn->client_addr, sizeof(conn->client_addr));
    else if (macro != NULL)
        snprintf(conn->client_addr, sizeof(conn->client_addr), "%s", macro);
    conn->client_ip_known = netaddr_parse(conn->client_addr, &conn->client_ip) == 0;
    conn->trusted = conn->client_ip_known
                    && relay_client_trusted(conn->snap->config, &conn->client_ip);
}

/*
 * vigie_connect - a new SMTP connection (or an XCLIENT restart)
 *	Without memory for a context the fail policy decides for the
 *	whole connection: SMFIS_ACCEPT (not filtered) or SMFIS_TEMPFAIL.
 */
static sfsistat vigie_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
    struct snapshot *snap = snapshot_acquire();
    const char *name = symval(ctx, "{client_name}");
    const char *port = symval(ctx, "{daemon_port}");
    bool leadspc = session_leadspc(ctx);
    struct milter_conn *conn;

    milter_conn_free(conn_of(ctx));
    smfi_setpriv(ctx, leadspc ? &leadspc_marker : NULL);
    if (snap == NULL) {
        msg_error("NOQUEUE: connection before any configuration was loaded");
        return SMFIS_TEMPFAIL;
    }
    if ((conn = milter_conn_new(snap)) == NULL) {
        bool tempfail = snap->config->fail_policy == FAIL_TEMPFAIL;

        msg_warn("NOQUEUE: out of memory at connect: connection %s (fail_policy)",
                 tempfail ? "tempfailed" : "accepted unfiltered");
        snapshot_release(snap);
        return tempfail ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
    }
    conn->leadspc = leadspc;
    smfi_setpriv(ctx, conn);
    client_address(ctx, conn, hostaddr);
    if (name == NULL)
        name = hostname;
    /* Sendmail's convention for an unresolved client is "[addr]". */
    if (name != NULL && *name != '\0' && *name != '[')
        set_field(conn, &conn->client_name, name);
    msg_debug("connect from %s[%s] port %s%s%s", conn->client_name, conn->client_addr,
              port ? port : "?", conn->trusted ? " (trusted)" : "",
              conn->leadspc ? ", header values with their leading space" : "");
    return SMFIS_CONTINUE;
}

/* vigie_helo - remember the HELO/EHLO name */
static sfsistat vigie_helo(SMFICTX *ctx, char *helohost)
{
    struct milter_conn *conn = conn_of(ctx);

    if (conn != NULL)
        set_field(conn, &conn->helo, helohost ? helohost : "");
    return SMFIS_CONTINUE;
}

/* vigie_envfrom - a new message; the sender-login check, the account lock, then SPF */
static sfsistat vigie_envfrom(SMFICTX *ctx, char **argv)
{
    struct milter_conn *conn = conn_of(ctx);
    const char *login;
    struct message_facts facts;
    char reason[512];
    sfsistat locked;

    if (conn == NULL)
        return SMFIS_CONTINUE;
    milter_msg_reset(&conn->msg);
    conn->msg.active = true;
    login = symval(ctx, "{auth_authen}");
    set_field(conn, &conn->sasl_user, login ? login : "");
    if ((conn->msg.sender = strip_brackets(argv[0])) == NULL) {
        conn->msg.failed = true;
        return SMFIS_CONTINUE;
    }
    remember_queue_id(ctx, conn);
    milter_conn_facts(conn, &facts);
    if (relay_sender_allowed(conn->snap->logins, rules_get_settings(conn->snap->rules),
                             &facts, reason, sizeof(reason))) {
        if ((locked = milter_limits_mail(ctx, conn)) != SMFIS_CONTINUE) {
            milter_msg_reset(&conn->msg);
            return locked;
        }
        milter_auth_mail(conn);
        return SMFIS_CONTINUE;
    }
    msg_info("%s: reject: MAIL from %s[%s]: 553 5.7.1 %s; from=<%s> sasl_user=%s",
             milter_queue_id(conn), conn->client_name, conn->client_addr, reason,
             conn->msg.sender, conn->sasl_user);
    milter_reply(ctx, "553", "5.7.1", reason);
    milter_msg_reset(&conn->msg);
    return SMFIS_REJECT;
}

/* vigie_envrcpt - one recipient; the open-relay guard */
static sfsistat vigie_envrcpt(SMFICTX *ctx, char **argv)
{
    struct milter_conn *conn = conn_of(ctx);
    struct message_facts facts;
    char reason[1024];
    char *rcpt;

    if (conn == NULL)
        return SMFIS_CONTINUE;
    remember_queue_id(ctx, conn);
    if ((rcpt = strip_brackets(argv[0])) == NULL) {
        conn->msg.failed = true;
        return SMFIS_CONTINUE;
    }
    milter_conn_facts(conn, &facts);
    if (!relay_recipient_allowed(conn->snap->config, rules_get_settings(conn->snap->rules),
                                 &facts, rcpt, reason, sizeof(reason))) {
        msg_info("%s: reject: RCPT from %s[%s]: 554 5.7.1 %s; from=<%s> to=<%s>",
                 milter_queue_id(conn), conn->client_name, conn->client_addr, reason,
                 facts.sender, rcpt);
        milter_reply(ctx, "554", "5.7.1", reason);
        free(rcpt);
        return SMFIS_REJECT;
    }
    if (milter_msg_add_rcpt(&conn->msg, rcpt) < 0)
        conn->msg.failed = true;
    free(rcpt);
    return SMFIS_CONTINUE;
}

/* vigie_header - keep a copy of each header; count its size; stream it to Bayes */
static sfsistat vigie_header(SMFICTX *ctx, char *name, char *value)
{
    struct milter_conn *conn = conn_of(ctx);

    if (conn == NULL)
        return SMFIS_CONTINUE;
    /* name, ':', the value as received (with its leading space or not) and CRLF */
    conn->msg.size += strlen(name) + strlen(value) + (conn->leadspc ? 3 : 4);
    if (milter_msg_add_header(&conn->msg, name, value, conn->leadspc) < 0)
        conn->msg.failed = true;
    milter_bayes_header(conn, name, value + (conn->leadspc && value[0] == ' '));
    return SMFIS_CONTINUE;
}

/* vigie_eoh - end of headers: the blank line counts in the size; DKIM starts */
static sfsistat vigie_eoh(SMFICTX *ctx)
{
    struct milter_conn *conn = conn_of(ctx);

    if (conn != NULL) {
        conn->msg.size += 2;
        remember_queue_id(ctx, conn);
        milter_auth_eoh(conn);
        milter_bayes_eoh(conn);
    }
    return SMFIS_CONTINUE;
}

/* vigie_body - count body bytes; stream them to DKIM and Bayes */
static sfsistat vigie_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct milter_conn *conn = conn_of(ctx);

    if (conn != NULL) {
        conn->msg.size += len;
        milter_auth_body(conn, chunk, len);
        milter_bayes_body(conn, chunk, len);
    }
    return SMFIS_CONTINUE;
}

/* vigie_eom - the verdict */
static sfsistat vigie_eom(SMFICTX *ctx)
{
    struct milter_conn *conn = conn_of(ctx);
    sfsistat status;

    if (conn == NULL)
        return SMFIS_CONTINUE;
    remember_queue_id(ctx, conn);
    status = milter_act_eom(ctx, conn);
    milter_msg_reset(&conn->msg);
    return status;
}

/*
 * vigie_abort - the client or the MTA gave up the message
 *	Logged only when a recipient had been accepted (Postfix has a
 *	queue id then); a transaction that never got that far is
 *	Postfix's to log.
 */
static sfsistat vigie_abort(SMFICTX *ctx)
{
    struct milter_conn *conn = conn_of(ctx);

    if (conn == NULL)
        return SMFIS_CONTINUE;
    if (conn->msg.active && conn->msg.rcpt_count > 0)
        milter_log_summary(conn, false, "action=abort");
    milter_msg_reset(&conn->msg);
    return SMFIS_CONTINUE;
}

/* vigie_close - end of the connection; priv may be NULL or the marker */
static sfsistat vigie_close(SMFICTX *ctx)
{
    bool leadspc = session_leadspc(ctx);

    milter_conn_free(conn_of(ctx));
    smfi_setpriv(ctx, leadspc ? &leadspc_marker : NULL);
    return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = (char *)MILTER_NAME,
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = MILTER_ACTIONS,
    .xxfi_connect = vigie_connect,
    .xxfi_helo = vigie_helo,
    .xxfi_envfrom = vigie_envfrom,
    .xxfi_envrcpt = vigie_envrcpt,
    .xxfi_header = vigie_header,
    .xxfi_eoh = vigie_eoh,
    .xxfi_body = vigie_body,
    .xxfi_eom = vigie_eom,
    .xxfi_abort = vigie_abort,
    .xxfi_close = vigie_close,
    .xxfi_negotiate = vigie_negotiate,
};
