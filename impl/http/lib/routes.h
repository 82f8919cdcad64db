#ifndef OSNET_HTTP_ROUTES_H
#define OSNET_HTTP_ROUTES_H

#include "router.h"

/* The routes the reference server answers before looking for files:
 *
 *   GET|HEAD /_osnet/items/:id             one line per path parameter, then
 *   GET|HEAD /_osnet/items/:id/tags/:tag   one per query pair (text/plain)
 *   POST     /_osnet/echo                  the request body, byte for byte
 *
 * They exist so the suite can check routing, parameter and query decoding
 * and body reading; a REST service adds its own handlers the same way. */

/* Adds the routes above to r. Returns 0 or a negative errno. */
int routes_register(struct router *r);

#endif
