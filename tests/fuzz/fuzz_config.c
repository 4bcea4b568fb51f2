/*
 * NAME
 *	fuzz_config - libFuzzer target for the vigie.conf parser
 * DESCRIPTION
 *	Feeds arbitrary bytes to config_parse() without asking postconf,
 *	then frees whatever was built. Any crash, leak or undefined
 *	behaviour is a bug; a refused input is not.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one input, one parse */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vigie_error err;

    config_free(config_parse("/etc/vigie/vigie.conf", (const char *)data, size, false, &err));
    return 0;
}
