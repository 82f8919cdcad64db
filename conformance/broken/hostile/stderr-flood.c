/* HOSTILE: stderr flood: a correct echo server that writes gigabytes to stderr */
/* "Debug logging left on", at full speed: 4 MiB of the same line to stderr
 * before it listens, then a thread that goes on for as long as the process
 * lives. Kept whole, the log would fill the disk of whoever runs the
 * check; the harness keeps only --max-output bytes of it, then kills the
 * program and fails the test with that reason ("more than ... bytes on
 * stderr").
 */
#include "../echo/common.h"

static char block[64 * 1024];
static size_t block_len;

/* Fills block with copies of one debug line. */
static void make_block(void)
{
    static const char line[] =
        "stderr-flood: debug: still here, still here, still here, still here, still here\n";
    while (block_len + sizeof line - 1 <= sizeof block) {
        memcpy(block + block_len, line, sizeof line - 1);
        block_len += sizeof line - 1;
    }
}

/* Writes block to stderr n times (n < 0: forever). 64 KiB per write:
 * gigabytes a minute even to a slow disk. */
static void spew(long n)
{
    for (long i = 0; n < 0 || i < n; i++)
        if (write(2, block, block_len) < 0 && errno != EINTR)
            echo_sleep_ms(10); /* stderr closed or full: keep trying, quietly */
}

static void *flood(void *arg)
{
    (void)arg;
    spew(-1); /* HOSTILE: nothing ever turns it off */
    return NULL;
}

int main(int argc, char **argv)
{
    struct echo_opts o;
    pthread_t tid;
    echo_parse_args(argc, argv, &o);
    echo_ignore_sigpipe();
    make_block();
    /* The first 4 MiB before it even listens, so that any output limit
     * below that is crossed whatever the scheduler does; then the rest. */
    spew(64);
    int lfd = echo_listen(o.host, o.port, 1);
    int rc = pthread_create(&tid, NULL, flood, NULL);
    if (rc != 0) {
        fprintf(stderr, "pthread_create: %s\n", strerror(rc));
        return 1;
    }
    return echo_serve_threads(lfd, echo_copy);
}
