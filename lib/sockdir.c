/*
 * NAME
 *	sockdir - the directory that holds a daemon's unix socket
 * DESCRIPTION
 *	See sockdir.h. Only the last path component is created: a missing
 *	grandparent is a configuration mistake worth reporting.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockdir.h"

int sockdir_prepare(const char *socket_path, bool chown_to, uid_t uid, gid_t gid,
                    struct vigie_error *err)
{
    char dir[PATH_MAX];
    char *slash;

    if (snprintf(dir, sizeof(dir), "%s", socket_path) >= (int)sizeof(dir)) {
        error_set(err, "socket path too long: %s", socket_path);
        return -1;
    }
    if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
        return 0;
    *slash = '\0';
    if (mkdir(dir, 0750) < 0) {
        if (errno == EEXIST)
            return 0;
        error_set(err, "cannot create socket directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (chown_to && chown(dir, uid, gid) < 0) {
        error_set(err, "cannot chown socket directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}
