/* See listout.h. */
#include "listout.h"

#include <errno.h>
#include <string.h>

void listout_init(struct listout *o, FILE *f)
{
    o->f = f;
    o->error = 0;
}

/* stdio leaves the errno of the write(2) that failed; it is kept here
 * because later calls may change errno before the message is printed.
 * A failure without errno (none on Linux) counts as EIO. */
void listout_write(struct listout *o, const void *p, size_t n)
{
    if (o->error != 0 || n == 0)
        return;
    errno = 0;
    if (fwrite(p, 1, n, o->f) != n)
        o->error = errno != 0 ? errno : EIO;
}

int listout_finish(struct listout *o, const char *prog)
{
    errno = 0;
    if (o->error == 0 && fflush(o->f) != 0)
        o->error = errno != 0 ? errno : EIO;
    if (o->error == 0)
        return 0;
    fprintf(stderr, "%s: write error: %s\n", prog, strerror(o->error));
    return 1;
}
