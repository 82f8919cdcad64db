#ifndef OSNET_KV_AOF_H
#define OSNET_KV_AOF_H
#include <stddef.h>
#include <sys/types.h>

#include "resp.h"

/* The append-only file: every change to the keyspace, written as the RESP
 * command that redoes it, so that replaying the file on start rebuilds the
 * keyspace.
 *
 * What is logged is the change, not the command the client sent (the
 * server builds the records, commands.c): relative times become absolute
 * deadlines (SET k v EX 10 is logged as SET k v PXAT <ms>; EXPIRE as
 * PEXPIREAT <ms>, or as DEL when that time has already passed); INCR,
 * DECR, INCRBY, DECRBY and SET ... KEEPTTL become the SET of the new value
 * carrying the key's deadline explicitly (PXAT <ms>, or none), since a
 * KEEPTTL record would depend on whether the old key had expired by the
 * time of the replay; NX, XX and GET are already decided; DEL lists only
 * the keys that existed. A command that changes several keys is one
 * record (MSET k1 v1 k2 v2, DEL k1 k2), so a torn write never leaves half
 * of it in the file. Replaying is then deterministic, whenever it happens.
 * The records are: SET key val [PXAT ms], MSET key val [key val ...],
 * DEL key [key ...], PEXPIREAT key ms, PERSIST key, FLUSHDB (the replay
 * also accepts SET key val KEEPTTL, which the server never writes).
 *
 * The fsync policy says when a change reaches the disk, as redis's
 * appendfsync does:
 *   always    aof_flush() writes and fdatasyncs; the server calls it before
 *             it answers each write command, so an acknowledged change is
 *             on disk;
 *   everysec  aof_flush() writes; a background thread fdatasyncs at most
 *             once a second, so a crash of the machine (not of the process)
 *             loses about a second of acknowledged changes (up to a second
 *             plus the caller's interval between flushes);
 *   no        aof_flush() writes; the kernel decides when it reaches disk.
 * In every policy the server flushes before it sends the replies of the
 * changes it flushes, so a change is in the kernel before a client hears
 * of it and a crash of the process alone loses nothing acknowledged.
 * Under everysec and no it flushes once per turn of its event loop, for
 * every change of that turn; under always once per change. */

enum aof_fsync { AOF_FSYNC_ALWAYS, AOF_FSYNC_EVERYSEC, AOF_FSYNC_NO };

/* "always", "everysec" or "no" -> the policy; returns 0 or -EINVAL. */
int aof_fsync_parse(const char *s, enum aof_fsync *out);

/* The name of a policy, as CONFIG GET appendfsync shows it. */
const char *aof_fsync_name(enum aof_fsync p);

struct aof;

/* Called by aof_load for each command of the file, in order; returns 0 to
 * go on, or a negative errno to stop the load with that error. */
typedef int aof_apply_fn(void *ctx, size_t argc, const struct resp_arg *argv);

/* Replays the file at path: calls apply for each complete command. A file
 * that does not exist is an empty log. A torn last command (the process
 * died in the middle of writing it) is cut off: the file is truncated to
 * the end of the last complete command, and *torn tells how many bytes
 * were dropped (0 if none). Returns 0; -EINVAL if the file holds something
 * that is not RESP (at byte offset *bad_off), so the server refuses to
 * start rather than lose what follows; apply's error (the record it
 * refused starts at byte *bad_off); or another negative errno from reading
 * the file. */
int aof_load(const char *path, aof_apply_fn *apply, void *ctx, off_t *torn, off_t *bad_off);

/* Opens (creating, mode 0644) the file at path for appending with the given
 * policy, and starts the fsync thread for everysec. Returns 0 and stores
 * it in *out, or a negative errno. */
int aof_open(struct aof **out, const char *path, enum aof_fsync policy);

/* Appends one record, a RESP array of argc bulk strings, to the bytes
 * waiting to be written. Writes nothing to the file. Returns 0 or -ENOMEM
 * (nothing appended). */
int aof_append(struct aof *a, size_t argc, const char *const *argv, const size_t *lens);

/* Writes the waiting bytes, retrying short writes; with the always policy
 * fdatasyncs too. Returns 0, or the negative errno of the write or sync
 * that failed. On failure the file is cut back to its length before this
 * flush (a half-written record never stays in it) and the waiting bytes
 * are kept, to be written by a later flush; aof_error() returns the error
 * until a flush succeeds.
 *
 * With everysec it also asks the thread to sync, at most once a second:
 * records written less than a second after the previous request get
 * theirs from a later flush. So call it at least about once a second even
 * with nothing waiting (the server's timer does), or the last records
 * before a quiet spell wait until the next write or aof_close. Such a
 * flush also retries a sync that failed. */
int aof_flush(struct aof *a);

/* Drops the bytes appended since the last successful flush: the changes
 * they record were refused (always policy, after a failed flush). */
void aof_discard(struct aof *a);

/* Bytes appended and not yet written. */
size_t aof_pending(const struct aof *a);

/* 0 while the file is being written without trouble, else the negative
 * errno of the last failed write or fsync (the fsync thread's included).
 * The server refuses write commands while it is non-zero, with
 * "-MISCONF Errors writing to the AOF file: <strerror>". */
int aof_error(const struct aof *a);

/* Flushes, fdatasyncs whatever the policy, stops the fsync thread and
 * closes the file. Returns 0 or the first negative errno met (the file is
 * closed and a freed anyway). NULL returns 0. */
int aof_close(struct aof *a);

#endif
