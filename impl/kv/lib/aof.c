#include "aof.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

/* Bytes read from the file at a time while loading. */
#define AOF_READ_CHUNK (64 * 1024)

/* Longest "*<n>\r\n" or "$<n>\r\n" header of a record: a 20-digit size_t. */
#define AOF_HDR_MAX 24

struct aof {
    int fd;
    enum aof_fsync policy;
    struct buf pending; /* appended, not yet written */
    off_t size;         /* file length after the last successful write */
    int need_truncate;  /* a failed flush could not cut the file back */
    int write_error;    /* of the last flush (main thread only) */

    /* everysec: the thread that fdatasyncs in the background. */
    pthread_t thread;
    int thread_running;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* signalled for a sync request, and to stop */
    int sync_wanted;     /* requested and not started yet (under lock) */
    int stop;            /* (under lock) */
    /* Main thread only: the file length the last request covered, and
     * when the next request may be made (a second after the last). */
    off_t requested;
    struct timespec next_request;
    /* Set by whichever thread's fdatasync failed, cleared by one that
     * succeeded; read by aof_error() without the lock. */
    atomic_int sync_error;
};

int aof_fsync_parse(const char *s, enum aof_fsync *out)
{
    /* Case-insensitive, as redis's enum config values are. */
    if (strcasecmp(s, "always") == 0)
        *out = AOF_FSYNC_ALWAYS;
    else if (strcasecmp(s, "everysec") == 0)
        *out = AOF_FSYNC_EVERYSEC;
    else if (strcasecmp(s, "no") == 0)
        *out = AOF_FSYNC_NO;
    else
        return -EINVAL;
    return 0;
}

const char *aof_fsync_name(enum aof_fsync p)
{
    switch (p) {
    case AOF_FSYNC_ALWAYS:
        return "always";
    case AOF_FSYNC_EVERYSEC:
        return "everysec";
    case AOF_FSYNC_NO:
        return "no";
    }
    return "?";
}

/* ---- the everysec thread ---- */

static struct timespec mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

static int ts_before(struct timespec a, struct timespec b)
{
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* Sleeps until the main thread asks for a sync, then syncs. The main
 * thread asks at most once a second (aof_request_sync), so the cost of
 * fdatasync (milliseconds on a disk) is paid off the event loop, a burst
 * of writes costs one sync, and neither side wakes the other per write. A
 * failed sync is retried by aof_flush on the main thread. */
static void *aof_sync_main(void *arg)
{
    struct aof *a = arg;

    pthread_mutex_lock(&a->lock);
    for (;;) {
        int rc;

        while (!a->sync_wanted && !a->stop)
            pthread_cond_wait(&a->cond, &a->lock);
        if (a->stop)
            break; /* aof_close syncs last */
        a->sync_wanted = 0;
        pthread_mutex_unlock(&a->lock);
        rc = fdatasync(a->fd) == 0 ? 0 : -errno;
        atomic_store(&a->sync_error, rc);
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* Asks the thread to sync what was written since the last request, unless
 * that request is less than a second old: whatever the rate of writes,
 * the thread is woken at most once a second (one lock and one signal; no
 * futex per write). Records written within that second are not forgotten:
 * they get their request from a later flush, and the server flushes at
 * least once a second even with nothing pending (its timer). */
static void aof_request_sync(struct aof *a)
{
    struct timespec now;

    if (!a->thread_running || a->requested == a->size)
        return; /* closing, or nothing written since the last request */
    now = mono_now();
    if (ts_before(now, a->next_request))
        return;
    pthread_mutex_lock(&a->lock);
    a->sync_wanted = 1;
    pthread_mutex_unlock(&a->lock);
    /* After the unlock: woken under the lock, the thread would at once
     * block on it again. */
    pthread_cond_signal(&a->cond);
    a->requested = a->size;
    a->next_request = now;
    a->next_request.tv_sec += 1;
}

static void aof_stop_sync(struct aof *a)
{
    if (!a->thread_running)
        return;
    pthread_mutex_lock(&a->lock);
    a->stop = 1;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    a->thread_running = 0;
}

/* ---- writing ---- */

int aof_open(struct aof **out, const char *path, enum aof_fsync policy)
{
    struct aof *a = calloc(1, sizeof(*a));
    struct stat st;
    int rc;

    if (a == NULL)
        return -ENOMEM;
    a->policy = policy;
    buf_init(&a->pending, SIZE_MAX);
    atomic_init(&a->sync_error, 0);
    /* O_APPEND: every write lands at the end, which is where a failed flush
     * has cut the file back to. */
    a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (a->fd < 0) {
        rc = -errno;
        goto fail;
    }
    if (fstat(a->fd, &st) != 0) {
        rc = -errno;
        goto fail_fd;
    }
    a->size = st.st_size;
    a->requested = a->size; /* a sync is asked for once something is written */

    if (policy == AOF_FSYNC_EVERYSEC) {
        if ((rc = pthread_cond_init(&a->cond, NULL)) != 0) {
            rc = -rc;
            goto fail_fd;
        }
        if ((rc = pthread_mutex_init(&a->lock, NULL)) != 0) {
            rc = -rc;
            goto fail_cond;
        }
        if ((rc = pthread_create(&a->thread, NULL, aof_sync_main, a)) != 0) {
            rc = -rc;
            goto fail_lock;
        }
        a->thread_running = 1;
    }
    *out = a;
    return 0;

fail_lock:
    pthread_mutex_destroy(&a->lock);
fail_cond:
    pthread_cond_destroy(&a->cond);
fail_fd:
    close(a->fd);
fail:
    free(a);
    return rc;
}

int aof_append(struct aof *a, size_t argc, const char *const *argv, const size_t *lens)
{
    size_t total = 0, avail;
    char *p, *start;
    int rc;

    /* Size first, so the record is appended whole or not at all. */
    total = AOF_HDR_MAX;
    for (size_t i = 0; i < argc; i++) {
        if (lens[i] > SIZE_MAX - total - AOF_HDR_MAX - 2)
            return -ENOMEM;
        total += AOF_HDR_MAX + lens[i] + 2;
    }
    rc = buf_reserve(&a->pending, total, &start, &avail);
    if (rc != 0)
        return -ENOMEM;
    p = start;
    p += sprintf(p, "*%zu\r\n", argc);
    for (size_t i = 0; i < argc; i++) {
        p += sprintf(p, "$%zu\r\n", lens[i]);
        if (lens[i] > 0)
            memcpy(p, argv[i], lens[i]);
        p += lens[i];
        *p++ = '\r';
        *p++ = '\n';
    }
    buf_commit(&a->pending, (size_t)(p - start));
    return 0;
}

/* Writes n bytes whole, through short writes and signals. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (w == 0)
            return -EIO; /* no progress and no error: do not spin */
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Cuts the file back to a->size, the length after the last successful
 * flush. Only ever shortens it: if the file is not longer than that (a
 * size gone stale, or someone else cut it), ftruncate would extend it with
 * zeros that no replay could read, so nothing is done. Returns 0 or a
 * negative errno. */
static int aof_truncate_to_size(struct aof *a)
{
    struct stat st;

    if (fstat(a->fd, &st) != 0)
        return -errno;
    if (st.st_size <= a->size)
        return 0;
    return ftruncate(a->fd, a->size) == 0 ? 0 : -errno;
}

/* Cuts off whatever part of a failed flush reached the file, so a replay
 * never meets half a record in the middle of the log. If that fails too,
 * the next flush tries again before it writes anything. */
static void aof_cut_back(struct aof *a)
{
    a->need_truncate = aof_truncate_to_size(a) != 0;
}

int aof_flush(struct aof *a)
{
    size_t n = buf_len(&a->pending);
    int rc;

    if (a->need_truncate) {
        rc = aof_truncate_to_size(a);
        if (rc != 0) {
            a->write_error = rc;
            return rc;
        }
        a->need_truncate = 0;
    }
    if (n > 0) {
        rc = write_all(a->fd, buf_peek(&a->pending), n);
        if (rc != 0) {
            aof_cut_back(a);
            a->write_error = rc;
            return rc;
        }
    }
    if (a->policy == AOF_FSYNC_ALWAYS && n > 0 && fdatasync(a->fd) != 0) {
        /* With always, a record counts only once it is on the disk, and
         * what the kernel holds after a failed sync is unknown: take the
         * records out and keep them waiting, as for a failed write. */
        rc = -errno;
        aof_cut_back(a);
        a->write_error = rc;
        return rc;
    }
    a->size += (off_t)n;
    buf_consume(&a->pending, n);
    a->write_error = 0;
    if (a->policy == AOF_FSYNC_EVERYSEC) {
        /* A sync the thread could not do is retried here, so the error
         * clears as soon as the disk works again, even if nothing new is
         * written. The records are in the file either way, so the flush
         * itself succeeded; aof_error() keeps reporting a failed sync. */
        if (atomic_load(&a->sync_error) != 0) {
            int rc_sync = fdatasync(a->fd) == 0 ? 0 : -errno;
            atomic_store(&a->sync_error, rc_sync);
            if (rc_sync == 0)
                a->requested = a->size; /* synced here: nothing to ask for */
        }
        aof_request_sync(a);
    }
    return 0;
}

void aof_discard(struct aof *a)
{
    buf_consume(&a->pending, buf_len(&a->pending));
}

size_t aof_pending(const struct aof *a)
{
    return buf_len(&a->pending);
}

int aof_error(const struct aof *a)
{
    int sync = atomic_load(&a->sync_error);

    return a->write_error != 0 ? a->write_error : sync;
}

int aof_close(struct aof *a)
{
    int rc = 0, r;

    if (a == NULL)
        return 0;
    aof_stop_sync(a);
    r = aof_flush(a);
    if (r != 0)
        rc = r;
    if (fdatasync(a->fd) != 0 && rc == 0)
        rc = -errno;
    if (close(a->fd) != 0 && rc == 0)
        rc = -errno;
    if (a->policy == AOF_FSYNC_EVERYSEC) {
        pthread_mutex_destroy(&a->lock);
        pthread_cond_destroy(&a->cond);
    }
    buf_free(&a->pending);
    free(a);
    return rc;
}

/* ---- loading ---- */

/* Reads more of the file into b. Returns the bytes read (0 at the end of
 * the file) or a negative errno. */
static ssize_t read_more(int fd, struct buf *b)
{
    char *tail;
    size_t avail;
    ssize_t n;

    if (buf_reserve(b, AOF_READ_CHUNK, &tail, &avail) != 0)
        return -ENOMEM;
    do {
        n = read(fd, tail, avail);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    buf_commit(b, (size_t)n);
    return n;
}

int aof_load(const char *path, aof_apply_fn *apply, void *ctx, off_t *torn, off_t *bad_off)
{
    struct resp_parser p;
    struct buf b;
    off_t done = 0; /* file offset of the first byte in b */
    int fd, rc = 0, eof = 0;

    if (torn != NULL)
        *torn = 0;
    /* Read-write: a torn tail is cut off in place. */
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    buf_init(&b, SIZE_MAX);
    resp_parser_init(&p, NULL);

    for (;;) {
        ssize_t n;

        if (buf_len(&b) > 0) {
            /* Only what the server writes may be in the file: multibulk
             * arrays. An inline command here is not a log record but
             * something that corrupted the file. */
            if (buf_peek(&b)[0] != '*') {
                rc = -EINVAL;
                break;
            }
            n = resp_parse(&p, buf_peek(&b), buf_len(&b));
            if (n > 0) {
                if (p.argc > 0 && (rc = apply(ctx, p.argc, p.argv)) != 0) {
                    if (bad_off != NULL)
                        *bad_off = done; /* where the refused record starts */
                    break;
                }
                buf_consume(&b, (size_t)n);
                done += n;
                continue;
            }
            if (n == -1) {
                rc = -EINVAL;
                break;
            }
            if (n != -2) {
                rc = (int)n;
                break;
            }
        }
        if (eof) {
            /* A record cut short by a crash: it was never acknowledged
             * under any policy whose promise matters, so drop it and go on
             * with everything before it. */
            if (buf_len(&b) > 0) {
                if (ftruncate(fd, done) != 0) {
                    rc = -errno;
                    break;
                }
                if (torn != NULL)
                    *torn = (off_t)buf_len(&b);
            }
            break;
        }
        n = read_more(fd, &b);
        if (n < 0) {
            rc = (int)n;
            break;
        }
        eof = n == 0;
    }
    if (rc == -EINVAL && bad_off != NULL)
        *bad_off = done;
    resp_parser_free(&p);
    buf_free(&b);
    close(fd);
    return rc;
}
