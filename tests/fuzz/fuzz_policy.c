/*
 * NAME
 *	fuzz_policy - libFuzzer target for the policy request parser
 * DESCRIPTION
 *	Feeds arbitrary bytes to policy/request.c as vigie-policyd's
 *	server loop does: framed in two pieces (split at a point taken
 *	from the input), then each complete request parsed and answered,
 *	until the framer wants more or refuses. Any crash, read out of
 *	bounds or undefined behaviour is a bug; a refused input is not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one input, framed, parsed and answered */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct policy_limits limits = {4096, 64};
    struct policy_framer f;
    struct policy_request req;
    struct vigie_error err;
    char reply[POLICY_REPLY_MAX];
    size_t split = size > 0 ? data[0] % (size + 1) : 0;
    size_t held = split;
    size_t len;
    char *buf;

    if ((buf = malloc(size + 1)) == NULL)
        return 0;
    memcpy(buf, data, size);
    policy_framer_reset(&f);
    for (;;) {
        enum policy_frame_status st = policy_frame(&f, buf, held, &limits, &len, &err);

        if (st == POLICY_FRAME_MORE && held < size) {
            held = size;
            continue;
        }
        if (st != POLICY_FRAME_DONE)
            break;
        if (policy_request_parse(buf, len, &req, &err) == 0)
            (void)policy_reply(req.sender, reply);
        memmove(buf, buf + len, size - len);
        size -= len;
        held -= len;
        policy_framer_reset(&f);
    }
    free(buf);
    return 0;
}
