/* BREAKS: ITEMS-060 */
/* Routes are matched by prefix (strncmp with the pattern's length):
 * /itemsx and /items.json are the collection too.
 */
#include "common.h"

static int route_by_prefix(struct it_req *r)
{
	int route = it_route_of(r);
	if (route == IT_R_OTHER && strncmp(r->path, "/items", 6) == 0 && strchr(r->path + 1, '/') == NULL)
		route = IT_R_LIST; /* BUG: "/itemsx" starts with "/items" */
	return route;
}

int main(int argc, char **argv)
{
	items.route_of = route_by_prefix;
	return items_main(argc, argv);
}
