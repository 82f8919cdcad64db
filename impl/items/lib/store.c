/* What both stores share. */

#include "store.h"

const char *store_strerror(int err)
{
    switch (err) {
    case STORE_OK:
        return "ok";
    case STORE_ENOTFOUND:
        return "not found";
    case STORE_ECONFLICT:
        return "name already in use";
    case STORE_EFULL:
        return "store full";
    case STORE_EBUSY:
        return "database busy";
    case STORE_EIO:
        return "storage I/O error";
    case STORE_ENOMEM:
        return "out of memory";
    }
    return "unknown store error";
}
