#ifndef OSNET_KV_COMMANDS_H
#define OSNET_KV_COMMANDS_H
#include <stddef.h>

#include "resp.h"

struct client;

/* Runs the request in c->argv[0..c->argc): finds the command (names are
 * case-insensitive), checks its arity and whether it may run now
 * (subscribed mode, AOF write errors), runs it and writes its reply to c,
 * every error worded as redis 7.0 words it. */
void command_run(struct client *c);

/* Applies one record of the append-only file to the keyspace of the
 * server ctx (a struct server *), while loading: an aof_apply_fn. The
 * records are the changes commands.c logs: SET key val [PXAT ms | KEEPTTL],
 * MSET key val ..., DEL key ..., PEXPIREAT key ms, PERSIST key, FLUSHDB.
 * Returns 0, -ENOMEM, or -EBADMSG for a record that is none of those
 * (logged). */
int command_apply(void *ctx, size_t argc, const struct resp_arg *argv);

/* Number of commands in the table (COMMAND COUNT). */
size_t command_count(void);

#endif
