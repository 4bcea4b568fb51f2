/*
 * NAME
 *	fuzz_authhdr - libFuzzer target for the header parsing of SPF/DKIM/DMARC
 * DESCRIPTION
 *	One input, used as the value of header fields and records:
 *	the From domain extraction and the DMARC record parser (dmarc.c),
 *	the Authentication-Results recogniser and formatter (authres.c:
 *	the formatted value must never carry a CR or LF of its own), and
 *	a DKIM verification fed a DKIM-Signature and a From field made of
 *	the input (dkim.c and libopendkim; keys come from an empty local
 *	zone, so nothing touches the network). Any crash, leak, undefined
 *	behaviour or abort is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "dkim.h"
#include "dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_source *dns;
static struct vdkim_lib *dkim;

/* setup - an empty zone and a DKIM library, once */
static void setup(void)
{
    struct vdkim_settings settings = {.timeout_ms = 1000, .key_file = "",
                                      .max_signatures = 2, .min_key_bits = 1024};
    struct vigie_error err;

    if (dns == NULL && (dns = dns_source_zone_text("fuzz", "", 0, &err)) == NULL)
        abort();
    if (dkim == NULL && (dkim = vdkim_lib_new(&settings, dns, &err)) == NULL)
        abort();
}

/* check_authres - the recogniser, and the formatter's line discipline */
static void check_authres(const char *text)
{
    struct authres_method m = {.method = "dkim", .result = AUTHRES_PASS, .reason = text,
                               .prop_count = 2,
                               .props = {{"header", "d", text}, {"header", "s", text}}};
    struct vigie_error err;
    char *value;

    (void)authres_is_ours(text, "mx.example.net");
    if (authres_format(text, &m, 1, &value, &err) != 0)
        return;
    for (const char *p = value; *p; p++)
        if (*p == '\r' || (*p == '\n' && p[1] != '\t'))
            abort();
    free(value);
}

/* check_dmarc - From extraction and the record parser */
static void check_dmarc(const char *text)
{
    char domain[256];
    const char *problem;
    struct dmarc_record rec;

    (void)dmarc_from_domain(&text, 1, domain, sizeof(domain), &problem);
    (void)dmarc_record_parse(text, &rec, &problem);
}

/* check_dkim - a verification with the input as signature and From */
static void check_dkim(const char *text)
{
    struct vigie_error err;
    struct vdkim_results results;
    struct vdkim_msg *m = vdkim_verify_start(dkim, "fuzz", &err);

    if (m == NULL)
        return;
    if (vdkim_header(m, "DKIM-Signature", text, &err) == 0
        && vdkim_header(m, "From", text, &err) == 0
        && vdkim_eoh(m, &err) == 0
        && vdkim_body(m, "body\r\n", 6, &err) == 0)
        (void)vdkim_verify_eom(m, &results, &err);
    vdkim_free(m);
}

/* LLVMFuzzerTestOneInput - one input through every parser */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    setup();
    check_authres(text);
    check_dmarc(text);
    check_dkim(text);
    free(text);
    return 0;
}
