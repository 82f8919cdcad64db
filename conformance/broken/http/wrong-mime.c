/* BREAKS: HTTP-031 */
/* A short table of types (html, css, txt) and text/plain for everything
 * else: images, scripts and JSON arrive labelled as text, and browsers
 * refuse scripts and stylesheets with the wrong type (nosniff).
 */
#include "common.h"

static const char *mime_type_short(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
		return "text/html";
	if (dot && strcmp(dot, ".css") == 0)
		return "text/css";
	return "text/plain"; /* BUG: the rest of the table is missing */
}

int main(int argc, char **argv)
{
	http.mime_type = mime_type_short;
	return http_main(argc, argv);
}
