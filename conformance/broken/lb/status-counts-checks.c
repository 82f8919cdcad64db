/* BREAKS: LB-017 */
/* The "requests" of /lb/status count health checks too (the check goes
 * through the same counter as a forwarded request): with active checks on,
 * the number grows by itself and says nothing about client traffic.
 */
#include "../proxy/common.h"

static int health_check_counted(struct px_backend *b)
{
	pthread_mutex_lock(&px_lock);
	b->requests++; /* BUG: a check is not a client request */
	pthread_mutex_unlock(&px_lock);
	return px_health_check(b);
}

int main(int argc, char **argv)
{
	px.health_check = health_check_counted;
	return px_main(argc, argv, PX_LB);
}
