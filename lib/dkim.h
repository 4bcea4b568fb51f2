/*
 * NAME
 *	dkim - DKIM (RFC 6376) verification and signing, streamed, with libopendkim
 * SYNOPSIS
 *	#include "dkim.h"
 * DESCRIPTION
 *	A struct vdkim_msg verifies or signs one message as it streams in,
 *	in milter order: vdkim_header() for each header field, vdkim_eoh(),
 *	vdkim_body() for each body chunk, then vdkim_verify_eom() or
 *	vdkim_sign_eom(). The message is never buffered here. (The vdkim_
 *	prefix keeps clear of libopendkim's own dkim_ names.)
 *
 *	Verification reports each signature (up to max_signatures; later
 *	ones are ignored) with its d=, s= and one RFC 8601 result: pass;
 *	fail (the signature or body hash does not match); policy (valid,
 *	but rsa-sha1, which RFC 8301 forbids, or a key shorter than
 *	min_key_bits); temperror (the key could not be fetched for now);
 *	permerror (no key, a broken signature or key, an expired
 *	signature). The summary is the best of them in the order pass,
 *	temperror, fail, policy, permerror; none for an unsigned message.
 *
 *	Keys come from DNS through a dns_source (dnszone.h: the resolver
 *	or a zone file), within a time budget per message that starts
 *	with the first key lookup; or, when settings->key_file is set,
 *	from a libopendkim key file (DKIM_QUERY_FILE: lines
 *	"selector._domainkey.domain v=DKIM1; k=rsa; p=...", for tests and
 *	air-gapped checks).
 *
 *	Signing uses a signing table (sender domain -> selector and RSA
 *	private key file), relaxed/relaxed canonicalisation, rsa-sha256,
 *	and signs From twice so that no From can be added later. Only the
 *	fields RFC 6376 5.4.1 recommends are signed (From, Subject, Date,
 *	To, Cc, Resent-*, List-*, ...), with Message-ID and MIME-Version;
 *	never trace or filter fields such as Received,
 *	Authentication-Results or X-Spam-*, which later hops and vigie
 *	itself remove or add. Ed25519 signatures (RFC 8463) are verified
 *	but vigie does not make them: libopendkim 2.11 leaks the key
 *	(about 1.3 KB) with every ed25519-sha256 signature it makes.
 *	Table file:
 *	one "domain selector keyfile" per line, '#' comments; a relative
 *	keyfile is relative to the table's directory. Key files must not
 *	be readable by others nor writable by group or others. Keys stay
 *	in memory and are wiped when the table is freed; no message ever
 *	contains key material.
 *
 *	Threads: a vdkim_lib (one libopendkim library handle, set up
 *	before use) and a vdkim_table are read-only once built and shared
 *	by every thread; a vdkim_msg belongs to one message and is used
 *	by one thread at a time.
 */
#ifndef VIGIE_DKIM_H
#define VIGIE_DKIM_H

#include <stdbool.h>
#include <stddef.h>

#include "authres.h"
#include "compiler.h"
#include "dnszone.h"
#include "error.h"

#define VDKIM_MAX_SIGNATURES 8          /* upper bound of max_signatures */
#define VDKIM_DEFAULT_MAX_SIGNATURES 5
#define VDKIM_DEFAULT_MIN_KEY_BITS 1024
#define VDKIM_DEFAULT_TIMEOUT_MS 5000

struct vdkim_settings {
    unsigned timeout_ms;        /* key lookups of one message; default 5000 */
    const char *key_file;       /* "" or NULL: keys from dns; else a key file */
    unsigned max_signatures;    /* 1..VDKIM_MAX_SIGNATURES; default 5 */
    unsigned min_key_bits;      /* shorter RSA keys give "policy"; default 1024 */
};

struct vdkim_lib;
struct vdkim_table;
struct vdkim_msg;

/* A signing key of the table; read-only, owned by the table. */
struct vdkim_key {
    char *domain;               /* d=, lower case */
    char *selector;             /* s= */
    char *path;                 /* the key file, for messages */
    unsigned char *pem;         /* the RSA key itself: never logged */
};

/*
 * vdkim_lib_new - a libopendkim library set up for vigie
 *	dns: where keys come from when settings->key_file is empty;
 *	borrowed, must outlive the library. NULL with err set on failure.
 */
struct vdkim_lib *vdkim_lib_new(const struct vdkim_settings *settings,
                                const struct dns_source *dns,
                                struct vigie_error *err) WARN_UNUSED;

/* vdkim_lib_free - release the library; NULL is allowed */
void vdkim_lib_free(struct vdkim_lib *lib);

/* One verified signature. */
struct vdkim_signature {
    enum authres_result result;
    char domain[256];           /* d= */
    char selector[256];         /* s= */
    const char *problem;        /* static text; "" for pass */
};

struct vdkim_results {
    enum authres_result result; /* summary, see DESCRIPTION */
    struct vdkim_signature sigs[VDKIM_MAX_SIGNATURES];
    size_t count;
    const char *problem;        /* for a summary that no signature carries; else "" */
};

/*
 * vdkim_verify_start - a new message to verify
 *	id: a name for libopendkim's messages (the queue id). Returns the
 *	handle (free with vdkim_free), or NULL with err set.
 */
struct vdkim_msg *vdkim_verify_start(struct vdkim_lib *lib, const char *id,
                                     struct vigie_error *err) WARN_UNUSED;

/*
 * vdkim_sign_start - a new message to sign with key (vdkim_table_find)
 *	Returns the handle (free with vdkim_free), or NULL with err set.
 */
struct vdkim_msg *vdkim_sign_start(struct vdkim_lib *lib, const struct vdkim_key *key,
                                   const char *id, struct vigie_error *err) WARN_UNUSED;

/*
 * vdkim_header - one header field, in message order
 *	value: as received after the colon, folds included. libmilter
 *	strips one leading space unless the milter negotiated
 *	SMFIP_HDR_LEADSPC; a value without leading white space gets one
 *	space back, which "simple" header canonicalisation needs.
 *	Returns 0, or -1 with err set (the message then cannot be signed,
 *	or verifies as permerror).
 */
int vdkim_header(struct vdkim_msg *m, const char *name, const char *value,
                 struct vigie_error *err) WARN_UNUSED;

/* vdkim_eoh - end of the header; 0, or -1 with err set */
int vdkim_eoh(struct vdkim_msg *m, struct vigie_error *err) WARN_UNUSED;

/* vdkim_body - one body chunk, CRLF line ends (raw milter chunks); 0, or -1 */
int vdkim_body(struct vdkim_msg *m, const void *chunk, size_t len,
               struct vigie_error *err) WARN_UNUSED;

/*
 * vdkim_verify_eom - end of message: the verification results
 *	Returns 0 with *out filled (DNS and signature problems are
 *	results), or -1 with err set when libopendkim itself failed.
 */
int vdkim_verify_eom(struct vdkim_msg *m, struct vdkim_results *out,
                     struct vigie_error *err) WARN_UNUSED;

/*
 * vdkim_sign_eom - end of message: the DKIM-Signature value
 *	*value: a new string (caller frees), folded with "\n\t". Returns
 *	0, or -1 with err set.
 */
int vdkim_sign_eom(struct vdkim_msg *m, char **value, struct vigie_error *err) WARN_UNUSED;

/* vdkim_free - release a message handle; NULL is allowed */
void vdkim_free(struct vdkim_msg *m);

/* vdkim_table_load - read a signing table and its keys; NULL with err "file:line: ..." */
struct vdkim_table *vdkim_table_load(const char *path, struct vigie_error *err) WARN_UNUSED;

/* vdkim_table_find - the key for a sender domain (any case), or NULL */
const struct vdkim_key *vdkim_table_find(const struct vdkim_table *table, const char *domain);

/* vdkim_table_free - wipe the keys and release the table; NULL is allowed */
void vdkim_table_free(struct vdkim_table *table);

#endif
