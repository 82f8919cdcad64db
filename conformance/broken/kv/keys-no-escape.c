/* BREAKS: KV-029 */
/* The glob matcher knows * ? and [...] but not the backslash escape: `\`
 * is an ordinary byte, so KEYS h\*llo looks for a backslash and then any
 * bytes, and never finds the key "h*llo".
 */
#include "common.h"

static int glob(const char *p, size_t pn, const char *s, size_t sn)
{
	if (pn == 0)
		return sn == 0;
	switch (p[0]) {
	case '*':
		for (size_t i = 0; i <= sn; i++)
			if (glob(p + 1, pn - 1, s + i, sn - i))
				return 1;
		return 0;
	case '?':
		return sn > 0 && glob(p + 1, pn - 1, s + 1, sn - 1);
	case '[': {
		if (sn == 0)
			return 0;
		size_t i = 1;
		int negate = i < pn && p[i] == '^', hit = 0;
		i += negate;
		for (; i < pn && p[i] != ']'; i++) {
			if (i + 2 < pn && p[i + 1] == '-' && p[i + 2] != ']') {
				hit |= (unsigned char)s[0] >= (unsigned char)p[i] &&
				       (unsigned char)s[0] <= (unsigned char)p[i + 2];
				i += 2;
			} else {
				hit |= p[i] == s[0];
			}
		}
		if (hit == negate)
			return 0;
		return glob(p + (i < pn ? i + 1 : pn), pn - (i < pn ? i + 1 : pn), s + 1, sn - 1);
	}
	default: /* BUG: a backslash is compared like any other byte */
		return sn > 0 && p[0] == s[0] && glob(p + 1, pn - 1, s + 1, sn - 1);
	}
}

int main(int argc, char **argv)
{
	kv.match = glob;
	return kv_main(argc, argv);
}
