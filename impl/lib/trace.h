#ifndef OSNET_TRACE_H
#define OSNET_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* W3C Trace Context (Level 2): the `traceparent` field, and the random ids
 * a program makes for new traces, new spans and request ids (the sidecar's
 * trace context, the trace_id of items' log lines).
 *
 *     traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
 *                  |  trace-id (16 bytes)              parent-id (8)    flags
 *                  version
 *
 * Every field is lowercase hex; an all-zero trace-id or parent-id is
 * invalid. Nothing here touches a socket or allocates. */

#define TRACE_ID_BYTES   16
#define TRACE_SPAN_BYTES 8

#define TRACE_FLAG_SAMPLED 0x01 /* the caller may have recorded this trace */
#define TRACE_FLAG_RANDOM  0x02 /* Level 2: the trace-id's right 7 bytes are random */
#define TRACE_FLAGS_KNOWN  (TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM)

/* Length of a version-00 traceparent value: 2+1+32+1+16+1+2. */
#define TRACE_PARENT_LEN 55

/* The parts of a traceparent. */
struct trace_parent {
    uint8_t version;
    uint8_t trace_id[TRACE_ID_BYTES];
    uint8_t parent_id[TRACE_SPAN_BYTES];
    uint8_t flags;
};

/* Parses a traceparent value s[0..n) (not NUL-terminated). Version 00 must
 * be exactly 55 characters. A higher version (01..fe) is read as version 00
 * followed either by the end or by "-" and fields this code does not know,
 * which are ignored (W3C §3.2.4, "Versioning of traceparent"). Returns 0, or
 * -EINVAL for anything else: a wrong length, upper-case or non-hex digits, a
 * missing dash, version ff, an all-zero trace-id or parent-id. */
int trace_parse(const char *s, size_t n, struct trace_parent *out);

/* Writes the version-00 value "00-<trace-id>-<span>-<flags>" and a NUL
 * into out (at least TRACE_PARENT_LEN + 1 bytes). Returns TRACE_PARENT_LEN. */
size_t trace_format(const uint8_t trace_id[TRACE_ID_BYTES], const uint8_t span_id[TRACE_SPAN_BYTES],
                    uint8_t flags, char *out);

/* Writes n bytes as 2n lowercase hex digits and a NUL into out. */
void trace_hex(const void *p, size_t n, char *out);

/* Random bytes from getrandom(2), fetched a pool at a time: one system call
 * serves many requests' ids. One pool per thread: the sidecar has one thread; items keeps one
 * per worker thread. */
struct trace_rng {
    uint8_t pool[512];
    size_t left; /* unused bytes at the end of pool */
};

/* Starts with an empty pool (the first draw fills it). */
void trace_rng_init(struct trace_rng *r);

/* Fills p[0..n) (n <= sizeof(pool)) with random bytes. Returns 0 or -errno
 * (getrandom failed: never on Linux >= 3.17 once the kernel's pool is
 * initialized, which happens during boot). */
int trace_random(struct trace_rng *r, void *p, size_t n);

/* Fills id[0..n) with random bytes that are not all zero (the W3C ids
 * forbid that value). Returns 0 or -errno. */
int trace_random_id(struct trace_rng *r, uint8_t *id, size_t n);

#endif
