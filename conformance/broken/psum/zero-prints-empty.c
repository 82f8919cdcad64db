/* BREAKS: PSUM-002 */
/* The 128-bit number printed digit by digit with `while (v != 0)`: a sum
 * of 0 prints an empty line.
 */
#include "common.h"

static void print_while(u128 v)
{
    char buf[48];
    char *p = buf + sizeof buf;
    *--p = '\0';
    while (v != 0) { /* BUG: no digit at all for 0 */
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    }
    puts(p);
}

int main(int argc, char **argv)
{
    ps.print = print_while;
    return ps_main(argc, argv);
}
