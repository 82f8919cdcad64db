/* Shared, correct plumbing for the deliberately broken sumsq programs.
 *
 * This is a whole, correct `sumsq --mode proc|thread -j K N`
 * (specs/sumsq.md) in one header. 1..N is cut in K contiguous ranges whose
 * sizes differ by at most one (the first N mod K get one more term); each
 * worker adds i*i term by term in unsigned 128-bit arithmetic.
 *
 * proc: one pipe per worker; the child writes its 16-byte partial sum and
 * _exits; the parent poll()s the pipes and reads each until it has 16
 * bytes (a read may return fewer), then waitpid()s every child. A pipe
 * that reaches end of file short means its worker died: the parent waits
 * for it, says how it ended, kills and reaps the others, exits 1. A fork
 * that fails: the message, the started workers killed and reaped, exit 1.
 *
 * thread: K pthreads, each writing its own slot; a failed pthread_create
 * raises a stop flag the workers look at every 2^20 terms, then joins the
 * started ones and exits 1.
 *
 * Each broken program replaces one piece through the `sq` hook table and
 * marks its lines BUG, so that it differs from a correct program in
 * exactly that piece.
 */
#ifndef OSNET_BROKEN_SUMSQ_COMMON_H
#define OSNET_BROKEN_SUMSQ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

typedef unsigned __int128 u128;

#define SQ_MAX_N 10069012961344ULL /* the largest N whose sum fits in 128 bits */
#define SQ_MAX_K 1024u

/* One worker's range: lo..hi inclusive, empty when lo > hi. */
struct sq_range {
	uint64_t lo, hi;
};

struct sq_hooks {
	/* A decimal operand: 0, or -1 if it is not a whole number <= max. */
	int (*parse_num)(const char *s, uint64_t max, uint64_t *out);
	/* Checks K and N together once parsed: 0, or -1 after a usage message. */
	int (*check)(unsigned k, uint64_t n);
	/* Worker w's range (w from 0 to k-1). */
	struct sq_range (*range)(uint64_t n, unsigned k, unsigned w);
	/* Σ i² over r, term by term (thread mode: stops early when *stop). */
	u128 (*partial)(struct sq_range r, atomic_bool *stop);
	/* The whole computation: 0 with *total, or 1 after a message. */
	int (*run_proc)(uint64_t n, unsigned k, u128 *total);
	int (*run_thread)(uint64_t n, unsigned k, u128 *total);
	/* Reads up to len bytes of a worker's partial sum from its pipe, once
	 * poll() says it is readable: len, fewer at end of file, or -errno. */
	ssize_t (*recv)(int fd, void *buf, size_t len);
	/* A fork failed: what becomes of the workers already started. */
	void (*start_failed)(pid_t *pids, unsigned k);
	/* What the parent does when a worker is lost: stops the others... */
	void (*lost)(pid_t *pids, unsigned k, unsigned w, int status);
	/* ...and, once that is done, whether it reaps them (waitpid). */
	bool reap;
	/* Prints the total in decimal and a newline. */
	void (*print)(u128 v);
};

extern struct sq_hooks sq;
static const char *sq_prog = "sumsq";

/* ---- the correct pieces ---- */

static int sq_parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return -1; /* past max, and no overflow on the way */
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

static int sq_check(unsigned k, uint64_t n)
{
	(void)k;
	(void)n;
	return 0;
}

/* The first n mod k ranges get one term more than n / k. */
static struct sq_range sq_range(uint64_t n, unsigned k, unsigned w)
{
	uint64_t base = n / k, extra = n % k;
	uint64_t lo = w * base + (w < extra ? w : extra) + 1;
	return (struct sq_range){lo, lo + base + (w < extra) - 1};
}

static u128 sq_partial(struct sq_range r, atomic_bool *stop)
{
	u128 sum = 0;
	for (uint64_t i = r.lo; i <= r.hi; i++) {
		sum += (u128)i * i;
		if (stop && (i & 0xfffff) == 0 && atomic_load(stop))
			break;
	}
	return sum;
}

/* Reads until len bytes or end of file: a pipe gives what it has. */
static ssize_t sq_recv(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Writes all of buf: 0 or -errno. */
static int sq_send(int fd, const void *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

/* Kills the live workers other than w (pids[i] > 0). */
static void sq_kill_others(pid_t *pids, unsigned k, unsigned w)
{
	for (unsigned i = 0; i < k; i++)
		if (i != w && pids[i] > 0)
			kill(pids[i], SIGKILL);
}

/* A worker's pipe ended short: say how it ended (status from waitpid). */
static void sq_lost(pid_t *pids, unsigned k, unsigned w, int status)
{
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s: worker %u (pid %d) killed by signal %d (%s)\n", sq_prog, w + 1,
			(int)pids[w], WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, "%s: worker %u (pid %d) exited with status %d without a result\n",
			sq_prog, w + 1, (int)pids[w], WEXITSTATUS(status));
	sq_kill_others(pids, k, w);
}

/* Waits for every worker still to be waited for (pids[i] > 0). */
static void sq_reap(pid_t *pids, unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		if (pids[i] > 0) {
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
			pids[i] = 0;
		}
}

/* Stops and reaps the workers started before a fork failed. */
static void sq_start_failed(pid_t *pids, unsigned k)
{
	sq_kill_others(pids, k, k);
	sq_reap(pids, k);
}

static int sq_run_proc(uint64_t n, unsigned k, u128 *total)
{
	pid_t *pids = calloc(k, sizeof *pids);
	int *fds = calloc(k, sizeof *fds);
	struct pollfd *pf = calloc(k, sizeof *pf);
	unsigned char (*got)[16] = calloc(k, 16);
	size_t *have = calloc(k, sizeof *have);
	if (!pids || !fds || !pf || !got || !have) {
		fprintf(stderr, "%s: out of memory\n", sq_prog);
		return 1;
	}
	for (unsigned w = 0; w < k; w++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			fprintf(stderr, "%s: pipe: %s\n", sq_prog, strerror(errno));
			sq_kill_others(pids, k, k);
			sq_reap(pids, k);
			return 1;
		}
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "%s: fork: %s\n", sq_prog, strerror(errno));
			sq.start_failed(pids, k);
			return 1;
		}
		if (pid == 0) {
			close(p[0]);
			u128 part = sq.partial(sq.range(n, k, w), NULL);
			_exit(sq_send(p[1], &part, sizeof part) == 0 ? 0 : 1);
		}
		close(p[1]);
		pids[w] = pid;
		fds[w] = p[0];
	}
	/* Every partial, in whatever order they come. */
	unsigned done = 0;
	int failed = 0;
	while (done < k && !failed) {
		for (unsigned w = 0; w < k; w++)
			pf[w] = (struct pollfd){have[w] < 16 ? fds[w] : -1, POLLIN, 0};
		if (poll(pf, k, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", sq_prog, strerror(errno));
			sq_kill_others(pids, k, k);
			failed = 1;
			break;
		}
		for (unsigned w = 0; w < k && !failed; w++) {
			if (pf[w].fd < 0 || pf[w].revents == 0)
				continue;
			ssize_t r = sq.recv(fds[w], got[w] + have[w], 16 - have[w]);
			if (r > 0) {
				have[w] += (size_t)r;
				done += have[w] == 16;
				continue;
			}
			/* End of file (or an error) before 16 bytes: the worker is gone. */
			int status = 0;
			while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR)
				;
			sq.lost(pids, k, w, status);
			pids[w] = 0;
			failed = 1;
		}
	}
	if (sq.reap)
		sq_reap(pids, k);
	*total = 0;
	for (unsigned w = 0; w < k; w++) {
		u128 part;
		memcpy(&part, got[w], sizeof part);
		*total += part;
		close(fds[w]);
	}
	free(pids), free(fds), free(pf), free(got), free(have);
	return failed;
}

struct sq_job {
	struct sq_range r;
	atomic_bool *stop;
	u128 sum;
};

static void *sq_thread(void *arg)
{
	struct sq_job *j = arg;
	j->sum = sq.partial(j->r, j->stop);
	return NULL;
}

static int sq_run_thread(uint64_t n, unsigned k, u128 *total)
{
	pthread_t *tids = calloc(k, sizeof *tids);
	struct sq_job *jobs = calloc(k, sizeof *jobs);
	atomic_bool stop = false;
	if (!tids || !jobs) {
		fprintf(stderr, "%s: out of memory\n", sq_prog);
		return 1;
	}
	unsigned started = 0;
	int failed = 0;
	for (; started < k; started++) {
		jobs[started] = (struct sq_job){sq.range(n, k, started), &stop, 0};
		int rc = pthread_create(&tids[started], NULL, sq_thread, &jobs[started]);
		if (rc != 0) {
			fprintf(stderr, "%s: pthread_create: %s\n", sq_prog, strerror(rc));
			atomic_store(&stop, true);
			failed = 1;
			break;
		}
	}
	*total = 0;
	for (unsigned w = 0; w < started; w++) {
		pthread_join(tids[w], NULL);
		*total += jobs[w].sum;
	}
	free(tids), free(jobs);
	return failed;
}

/* Decimal digits from the last one: do ... while, so that 0 prints "0". */
static void sq_print(u128 v)
{
	char text[48], *p = text + sizeof text;
	*--p = '\0';
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	printf("%s\n", p);
}

struct sq_hooks sq = {
	.parse_num = sq_parse_num,
	.check = sq_check,
	.range = sq_range,
	.partial = sq_partial,
	.run_proc = sq_run_proc,
	.run_thread = sq_run_thread,
	.recv = sq_recv,
	.start_failed = sq_start_failed,
	.lost = sq_lost,
	.reap = true,
	.print = sq_print,
};

static int sq_usage(const char *why)
{
	fprintf(stderr, "%s: %s\nusage: %s --mode proc|thread -j K N\n", sq_prog, why, sq_prog);
	return 2;
}

/* The whole program. */
static int sq_main(int argc, char **argv)
{
	const char *mode = NULL, *ktext = NULL, *ntext = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
			ktext = argv[++i];
		else if (ntext == NULL && (argv[i][0] != '-' || argv[i][1] == '\0'))
			ntext = argv[i];
		else
			return sq_usage("bad arguments");
	}
	if (mode == NULL || ktext == NULL || ntext == NULL)
		return sq_usage("--mode, -j and N are needed");
	bool proc = strcmp(mode, "proc") == 0;
	if (!proc && strcmp(mode, "thread") != 0)
		return sq_usage("--mode: proc or thread");
	uint64_t k, n;
	if (sq.parse_num(ktext, SQ_MAX_K, &k) < 0 || k == 0)
		return sq_usage("-j: must be from 1 to 1024");
	if (sq.parse_num(ntext, SQ_MAX_N, &n) < 0)
		return sq_usage("N: must be from 0 to 10069012961344");
	if (sq.check((unsigned)k, n) < 0)
		return 2;
	u128 total;
	int rc = proc ? sq.run_proc(n, (unsigned)k, &total) : sq.run_thread(n, (unsigned)k, &total);
	if (rc != 0)
		return 1;
	sq.print(total);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: write error: %s\n", sq_prog, strerror(errno));
		return 1;
	}
	return 0;
}

#endif
