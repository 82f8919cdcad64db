#ifndef OSNET_LOG_H
#define OSNET_LOG_H

/* Leveled logging to stderr. Every call produces exactly one line written
 * with a single write(2), so lines from different threads never interleave:
 *
 *     echo-epoll: info: listening on 127.0.0.1:7007
 */

enum log_level {
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_INFO,
    LOG_LEVEL_WARN,
    LOG_LEVEL_ERROR,
};

/* Sets the program name shown on every line to the last path component of
 * argv0 and the level from the environment variable OSNET_LOG (debug, info,
 * warn or error; default info). Call it once at the start of main(), before
 * any thread is created. Returns 0, or -EINVAL when OSNET_LOG holds an unknown
 * name, in which case the level stays at info. */
int log_init(const char *argv0);

/* Sets the lowest level that is printed. Not thread-safe: call it before
 * threads exist. */
void log_set_level(enum log_level level);

/* Returns the lowest level that is printed. */
enum log_level log_get_level(void);

/* Returns the level named by name ("debug", "info", "warn" or "error",
 * case-insensitive), or -EINVAL. */
int log_parse_level(const char *name);

/* Prints one line "<prog>: <level>: <message>" to stderr when level is at or
 * above the current level. Messages longer than one line buffer (1 KiB) are
 * cut and end with "...". Preserves errno. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Where lines go instead of stderr: a program whose log is not text lines
 * (impl/items writes JSON objects) gets each message, already formatted
 * and without the "<prog>: <level>: " prefix, and writes it its own way.
 * The sink is called from whichever thread logs; it must be thread-safe. */
typedef void log_sink_fn(enum log_level level, const char *msg, void *ctx);

/* Sends every line at or above the current level to sink (NULL: back to
 * stderr). Not thread-safe: call it while no other thread can log (before
 * the threads start, or after they are joined). */
void log_set_sink(log_sink_fn *sink, void *ctx);

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
