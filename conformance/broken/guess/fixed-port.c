/* BREAKS: GUESS-001 */
/* The port is hard-coded: --port is parsed and then ignored, so the server
 * always binds 41019, where the harness never looks.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct guess_opts o;
	guess_parse_args(argc, argv, &o);
	o.port = "41019"; /* BUG: the port the learner used while developing */
	return guess_serve(&o, NULL);
}
