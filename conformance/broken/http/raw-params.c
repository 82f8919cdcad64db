/* BREAKS: HTTP-038 */
/* Path parameters are handed to the handler as they came, still
 * percent-encoded: /_osnet/items/a%20b gives id "a%20b", not "a b".
 */
#include "common.h"

static int decode_param_none(char *s)
{
	return (int)strlen(s); /* BUG: no decoding */
}

int main(int argc, char **argv)
{
	http.decode_param = decode_param_none;
	return http_main(argc, argv);
}
