#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* 1 KiB keeps a line well under PIPE_BUF, so a write to a pipe is atomic. */
#define LOG_LINE_MAX 1024

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static enum log_level min_level = LOG_LEVEL_INFO;
static const char *prog_name;
static log_sink_fn *sink_fn;
static void *sink_ctx;

void log_set_sink(log_sink_fn *sink, void *ctx)
{
    sink_fn = sink;
    sink_ctx = ctx;
}

int log_init(const char *argv0)
{
    const char *env = getenv("OSNET_LOG");
    const char *slash;
    int level;

    if (argv0 != NULL) {
        slash = strrchr(argv0, '/');
        prog_name = slash != NULL ? slash + 1 : argv0;
    }
    if (env == NULL || env[0] == '\0')
        return 0;
    level = log_parse_level(env);
    if (level < 0)
        return level;
    min_level = (enum log_level)level;
    return 0;
}

void log_set_level(enum log_level level)
{
    min_level = level;
}

enum log_level log_get_level(void)
{
    return min_level;
}

int log_parse_level(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcasecmp(name, level_names[i]) == 0)
            return (int)i;
    }
    return -EINVAL;
}

/* Writes all of buf to stderr; a short write to a terminal or pipe is
 * continued, an error drops the rest of the line (there is nowhere to report
 * it). */
static void write_all_stderr(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    const char *prog = prog_name != NULL ? prog_name : program_invocation_short_name;
    int saved_errno = errno;
    size_t len;
    va_list ap;
    int n;

    if (level < min_level || level > LOG_LEVEL_ERROR)
        return;
    if (sink_fn != NULL) {
        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (n >= 0)
            sink_fn(level, line, sink_ctx);
        goto out;
    }

    n = snprintf(line, sizeof(line), "%s: %s: ", prog, level_names[level]);
    if (n < 0)
        goto out;
    len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;

    va_start(ap, fmt);
    n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
    va_end(ap);
    if (n < 0)
        goto out;

    /* Room for "\n" is kept by cutting the message; a cut is marked. */
    if (len + (size_t)n >= sizeof(line) - 1) {
        len = sizeof(line) - 5;
        memcpy(line + len, "...", 3);
        len += 3;
    } else {
        len += (size_t)n;
    }
    line[len++] = '\n';
    write_all_stderr(line, len);
out:
    errno = saved_errno;
}
