/* BREAKS: HTTP-028 */
/* %00 is decoded like any other escape: the NUL then ends the C string that
 * names the file, so "/secret.txt%00.png" opens "secret.txt" (the classic
 * extension-check bypass). A NUL in a path is refused with 400.
 */
#include "common.h"

static int decode_path_with_nul(char *s)
{
	return http.decode(s, 0, 1); /* BUG: NUL allowed */
}

int main(int argc, char **argv)
{
	http.decode_path = decode_path_with_nul;
	return http_main(argc, argv);
}
