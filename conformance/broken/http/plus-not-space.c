/* BREAKS: HTTP-038 */
/* In the query, '+' stays a '+': "q=a+b" gives "a+b". HTML forms
 * (application/x-www-form-urlencoded) encode a space as '+', so every
 * search with two words arrives glued.
 */
#include "common.h"

static int decode_no_plus(char *s, int plus_is_space, int allow_nul)
{
	(void)plus_is_space; /* BUG: '+' is never a space */
	return http_decode(s, 0, allow_nul);
}

int main(int argc, char **argv)
{
	http.decode = decode_no_plus;
	return http_main(argc, argv);
}
