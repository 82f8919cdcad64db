/* BREAKS: ITEMS-021 */
/* The body is parsed without refusing duplicate member names, so the last
 * one wins: {"name":"a","name":"b"} creates "b", where another parser in
 * front of the service (a gateway's validator) may have read "a".
 */
#include "common.h"

static json_t *body_last_wins(const struct it_req *r, int *status)
{
	json_error_t err;
	json_t *v = json_loadb(r->body ? r->body : "", r->bodylen, JSON_ALLOW_NUL, &err); /* BUG */
	*status = v == NULL && json_error_code(&err) == json_error_out_of_memory ? 500 : 400;
	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

int main(int argc, char **argv)
{
	items.body_object = body_last_wins;
	return items_main(argc, argv);
}
