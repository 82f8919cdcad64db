/* BREAKS: HTTP-001 */
/* The port is hard-coded: --port is parsed and then ignored, so the server
 * always listens on 41080. A harness (or a second instance) that picks the
 * port never finds it there.
 */
#include "common.h"

int main(int argc, char **argv)
{
	http.fixed_port = "41080"; /* BUG: the port the learner used while developing */
	return http_main(argc, argv);
}
