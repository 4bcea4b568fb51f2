/*
 * NAME
 *	milter_hdr - header edits with the leading space the MTA expects
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	See milter.h. Without SMFIP_HDR_LEADSPC the MTA puts a space
 *	between the colon and the value vigie gives; with it, the value is
 *	used as it is, so these functions put the space there themselves.
 */
#include <stdio.h>
#include <stdlib.h>

#include "milter.h"

/*
 * spaced - the value as the MTA wants it: value itself, or a new
 *	string " value" (*copy, caller frees). NULL on allocation failure.
 */
static char *spaced(const struct milter_conn *conn, const char *value, char **copy)
{
    *copy = NULL;
    if (!conn->leadspc)
        return (char *)value;
    if (asprintf(copy, " %s", value) < 0) {
        *copy = NULL;
        return NULL;
    }
    return *copy;
}

/* milter_hdr_add - smfi_addheader */
int milter_hdr_add(SMFICTX *ctx, const struct milter_conn *conn, const char *name,
                   const char *value)
{
    char *copy;
    char *v = spaced(conn, value, &copy);
    int status = v != NULL && smfi_addheader(ctx, (char *)name, v) == MI_SUCCESS ? 0 : -1;

    free(copy);
    return status;
}

/* milter_hdr_insert - smfi_insheader */
int milter_hdr_insert(SMFICTX *ctx, const struct milter_conn *conn, int index,
                      const char *name, const char *value)
{
    char *copy;
    char *v = spaced(conn, value, &copy);
    int status = v != NULL && smfi_insheader(ctx, index, (char *)name, v) == MI_SUCCESS
                 ? 0 : -1;

    free(copy);
    return status;
}

/* milter_hdr_change - smfi_chgheader; a NULL value deletes */
int milter_hdr_change(SMFICTX *ctx, const struct milter_conn *conn, const char *name,
                      int index, const char *value)
{
    char *copy = NULL;
    char *v = value != NULL ? spaced(conn, value, &copy) : NULL;
    int status;

    if (value != NULL && v == NULL)
        return -1;
    status = smfi_chgheader(ctx, (char *)name, index, v) == MI_SUCCESS ? 0 : -1;
    free(copy);
    return status;
}
