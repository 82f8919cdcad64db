/* osnet_fiu_shim.c - LD_PRELOAD shim that adds the libfiu failure points
 * libfiu's POSIX preload lacks: accept4, epoll_*, socket-only failures and
 * short transfers for send/recv/read/write, and pipe-only short reads
 * (libfiu's own posix/io/rw points hit every descriptor: stdout, files,
 * pipes and sockets alike).
 *
 * Points (failinfo is an errno number; 0 or absent means the default):
 *   osnet/net/accept4        accept4() fails, errno failinfo (ECONNABORTED)
 *   osnet/net/accept         accept() fails, errno failinfo (ECONNABORTED)
 *   osnet/net/epoll_wait     epoll_wait/epoll_pwait/epoll_pwait2 fail (EINTR)
 *   osnet/net/epoll_ctl      epoll_ctl fails, any op (ENOMEM)
 *   osnet/net/send           send/sendto/write on a socket fail (EPIPE; no
 *                            SIGPIPE is raised, only errno is set)
 *   osnet/net/recv           recv/recvfrom/read on a socket fail (ECONNRESET)
 *   osnet/net/send/short     send/sendto on a stream socket move at most
 *   osnet/net/write/short    len/2 bytes (write for write/short, recv and
 *   osnet/net/recv/short     recvfrom for recv/short, read for read/short);
 *   osnet/net/read/short     only when len > 1, so never a zero-length call
 *   osnet/pipe/read/short    read on a pipe or FIFO moves at most len/2
 *                            bytes, only when len > 1
 * The fortified __read_chk, __recv_chk and __recvfrom_chk share the points
 * of read, recv and recvfrom. The osnet/net points touch sockets only and
 * osnet/pipe/read/short pipes and FIFOs only: other descriptors (stdout,
 * files, terminals) always pass through untouched. Socket short points
 * apply to SOCK_STREAM sockets only (a short datagram would be a truncated
 * one).
 *
 * Use it inside fiu-run (which overwrites LD_PRELOAD, so the shim goes in the
 * command, in front of fiu-run's own preload list):
 *   fiu-run -x -c 'enable name=osnet/net/accept4,failinfo=24' \
 *       sh -c 'LD_PRELOAD=build/faults/libosnet-fiu.so:$LD_PRELOAD exec PROGRAM ARGS'
 * fiu-run -f PREFIX gives runtime control through PREFIX-<pid>.in/.out (see
 * faults/shim/README.md for the protocol). Every wrapper calls the next
 * definition (dlsym RTLD_NEXT: libfiu's posix preload if loaded, else libc).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define FIU_ENABLE 1
#include <fiu.h>

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *addrlen);

static struct {
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
			    const sigset_t *);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*read_chk)(int, void *, size_t, size_t);
	ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
} real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* See note_fired(). */
static char fired_prefix[512];
static const char *fired_seen[16];
static pthread_mutex_t fired_lock = PTHREAD_MUTEX_INITIALIZER;

/* Nesting depth of wrappers on this thread: a wrapper reached from inside
 * another (or from libfiu) passes straight through. */
static __thread int shim_depth __attribute__((tls_model("initial-exec")));

static void *next_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void resolve_real(void)
{
	/* POSIX's way to store dlsym's void * into a function pointer. */
#define RESOLVE(field, name) *(void **)&real.field = next_sym(name)
	RESOLVE(accept, "accept");
	RESOLVE(accept4, "accept4");
	RESOLVE(epoll_wait, "epoll_wait");
	RESOLVE(epoll_pwait, "epoll_pwait");
	RESOLVE(epoll_pwait2, "epoll_pwait2");
	RESOLVE(epoll_ctl, "epoll_ctl");
	RESOLVE(send, "send");
	RESOLVE(sendto, "sendto");
	RESOLVE(recv, "recv");
	RESOLVE(recvfrom, "recvfrom");
	RESOLVE(read, "read");
	RESOLVE(write, "write");
	RESOLVE(read_chk, "__read_chk");
	RESOLVE(recv_chk, "__recv_chk");
	RESOLVE(recvfrom_chk, "__recvfrom_chk");
#undef RESOLVE
}

__attribute__((constructor)) static void shim_init(void)
{
	/* fiu_init is idempotent; fiu-run's preload also calls it. */
	fiu_init(0);
	const char *prefix = getenv("OSNET_FIU_FIRED");
	if (prefix != NULL && strlen(prefix) < sizeof fired_prefix)
		strcpy(fired_prefix, prefix);
	pthread_once(&real_once, resolve_real);
}

/* OSNET_FIU_FIRED=PREFIX makes the shim leave an empty file
 * PREFIX.<point, '/' as '_'> the first time each point fires in a process,
 * so a test can tell "the fault was injected" from "the program never made
 * the call" (io_uring, raw system calls). Raw syscalls: no wrapper re-entry. */

static void note_fired(const char *point)
{
	if (fired_prefix[0] == '\0')
		return;
	pthread_mutex_lock(&fired_lock);
	size_t i = 0;
	while (i < 16 && fired_seen[i] != NULL && fired_seen[i] != point)
		i++;
	if (i < 16 && fired_seen[i] == NULL) {
		fired_seen[i] = point;
		char path[600];
		int n = snprintf(path, sizeof path, "%s.%s", fired_prefix, point);
		if (n > 0 && (size_t)n < sizeof path) {
			for (char *c = path + strlen(fired_prefix) + 1; *c; c++)
				if (*c == '/')
					*c = '_';
			int saved = errno;
			long fd = syscall(SYS_openat, AT_FDCWD, path,
					  O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
			if (fd >= 0)
				syscall(SYS_close, fd);
			errno = saved;
		}
	}
	pthread_mutex_unlock(&fired_lock);
}

/* fiu_fail(point), remembering that it fired (see note_fired). */
static int fires(const char *point)
{
	if (!fiu_fail(point))
		return 0;
	note_fired(point);
	return 1;
}

/* Fails the call when point fires: returns 1 with errno = failinfo (or
 * default_errno when failinfo is 0). */
static int point_fails(const char *point, int default_errno)
{
	if (!fires(point))
		return 0;
	int e = (int)(intptr_t)fiu_failinfo();
	errno = e > 0 ? e : default_errno;
	return 1;
}

/* SO_TYPE of fd when it is a socket, else 0. Leaves errno alone. */
static int sock_type(int fd)
{
	int type = 0, saved = errno;
	socklen_t len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		type = 0;
	errno = saved;
	return type;
}

/* 1 when fd is a pipe or a FIFO. Leaves errno alone. */
static int is_fifo(int fd)
{
	struct stat st;
	int saved = errno;
	int fifo = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
	errno = saved;
	return fifo;
}

/* Decides one transfer on fd: returns -1 (errno set) when fail_point fires
 * on a socket, else the length to pass on (len/2 when short_point fires on a
 * stream socket and len > 1, len otherwise). Other descriptors are touched
 * only by pipe_short_point (NULL: none), which halves a transfer on a pipe
 * or FIFO when len > 1. */
static ssize_t io_decide(int fd, size_t len, const char *fail_point, int default_errno,
			 const char *short_point, const char *pipe_short_point)
{
	int type = sock_type(fd);
	if (type == 0) {
		/* fstat before fiu: a point enabled with a probability or a
		 * count must only be consumed by calls it applies to. */
		if (pipe_short_point != NULL && len > 1 && is_fifo(fd) &&
		    fires(pipe_short_point))
			return (ssize_t)(len / 2);
		return (ssize_t)len;
	}
	if (point_fails(fail_point, default_errno))
		return -1;
	if (type == SOCK_STREAM && len > 1 && fires(short_point))
		return (ssize_t)(len / 2);
	return (ssize_t)len;
}

/* Entering a wrapper: returns 1 when fault injection applies (the call is
 * not nested in another wrapper). Callers must call shim_leave(). */
static int shim_enter(void)
{
	return shim_depth++ == 0;
}

static void shim_leave(void)
{
	shim_depth--;
}

/* Resolves the real functions once (a wrapper may run before our
 * constructor, e.g. from another preload's constructor) and fails with
 * ENOSYS when this libc lacks fn. */
#define NEED(fn)                                         \
	do {                                             \
		pthread_once(&real_once, resolve_real); \
		if ((fn) == NULL) {                      \
			errno = ENOSYS;                  \
			return -1;                       \
		}                                        \
	} while (0)

int accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	NEED(real.accept);
	int saved = errno, inject = shim_enter();
	if (inject && point_fails("osnet/net/accept", ECONNABORTED)) {
		shim_leave();
		return -1;
	}
	shim_leave();
	errno = saved;
	return real.accept(fd, addr, addrlen);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	NEED(real.accept4);
	int saved = errno, inject = shim_enter();
	if (inject && point_fails("osnet/net/accept4", ECONNABORTED)) {
		shim_leave();
		return -1;
	}
	shim_leave();
	errno = saved;
	return real.accept4(fd, addr, addrlen, flags);
}

/* 1 when an epoll_wait-family call must fail now (errno set). */
static int epoll_wait_fails(void)
{
	int inject = shim_enter();
	int fails = inject && point_fails("osnet/net/epoll_wait", EINTR);
	shim_leave();
	return fails;
}

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	NEED(real.epoll_wait);
	int saved = errno;
	if (epoll_wait_fails())
		return -1;
	errno = saved;
	return real.epoll_wait(epfd, events, maxevents, timeout);
}

int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
		const sigset_t *sigmask)
{
	NEED(real.epoll_pwait);
	int saved = errno;
	if (epoll_wait_fails())
		return -1;
	errno = saved;
	return real.epoll_pwait(epfd, events, maxevents, timeout, sigmask);
}

int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
		 const struct timespec *timeout, const sigset_t *sigmask)
{
	NEED(real.epoll_pwait2);
	int saved = errno;
	if (epoll_wait_fails())
		return -1;
	errno = saved;
	return real.epoll_pwait2(epfd, events, maxevents, timeout, sigmask);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	NEED(real.epoll_ctl);
	int saved = errno, inject = shim_enter();
	if (inject && point_fails("osnet/net/epoll_ctl", ENOMEM)) {
		shim_leave();
		return -1;
	}
	shim_leave();
	errno = saved;
	return real.epoll_ctl(epfd, op, fd, event);
}

/* Shared body of the transfer wrappers: decides, then runs CALL with the
 * (possibly reduced) length in variable n. */
#define SOCKET_IO(fn, fail_point, default_errno, short_point, pipe_short_point, CALL) \
	do {                                                                  \
		NEED(fn);                                                     \
		int saved_ = errno, inject_ = shim_enter();                   \
		ssize_t n = (ssize_t)len;                                     \
		if (inject_)                                                  \
			n = io_decide(fd, len, fail_point, default_errno, short_point, \
				      pipe_short_point);                      \
		shim_leave();                                                 \
		if (n < 0)                                                    \
			return -1;                                            \
		errno = saved_;                                               \
		return CALL;                                                  \
	} while (0)

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	SOCKET_IO(real.send, "osnet/net/send", EPIPE, "osnet/net/send/short", NULL,
		  real.send(fd, buf, (size_t)n, flags));
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
	       socklen_t addrlen)
{
	SOCKET_IO(real.sendto, "osnet/net/send", EPIPE, "osnet/net/send/short", NULL,
		  real.sendto(fd, buf, (size_t)n, flags, addr, addrlen));
}

ssize_t write(int fd, const void *buf, size_t len)
{
	SOCKET_IO(real.write, "osnet/net/send", EPIPE, "osnet/net/write/short", NULL,
		  real.write(fd, buf, (size_t)n));
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	SOCKET_IO(real.recv, "osnet/net/recv", ECONNRESET, "osnet/net/recv/short", NULL,
		  real.recv(fd, buf, (size_t)n, flags));
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
		 socklen_t *addrlen)
{
	SOCKET_IO(real.recvfrom, "osnet/net/recv", ECONNRESET, "osnet/net/recv/short", NULL,
		  real.recvfrom(fd, buf, (size_t)n, flags, addr, addrlen));
}

ssize_t read(int fd, void *buf, size_t len)
{
	SOCKET_IO(real.read, "osnet/net/recv", ECONNRESET, "osnet/net/read/short",
		  "osnet/pipe/read/short",
		  real.read(fd, buf, (size_t)n));
}

/* Fortified variants: when len > buflen the real one reports the overflow
 * (and aborts), so that case is passed on untouched. */
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	NEED(real.read_chk);
	if (len > buflen)
		return real.read_chk(fd, buf, len, buflen);
	SOCKET_IO(real.read_chk, "osnet/net/recv", ECONNRESET, "osnet/net/read/short",
		  "osnet/pipe/read/short",
		  real.read_chk(fd, buf, (size_t)n, buflen));
}

ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	NEED(real.recv_chk);
	if (len > buflen)
		return real.recv_chk(fd, buf, len, buflen, flags);
	SOCKET_IO(real.recv_chk, "osnet/net/recv", ECONNRESET, "osnet/net/recv/short", NULL,
		  real.recv_chk(fd, buf, (size_t)n, buflen, flags));
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *addrlen)
{
	NEED(real.recvfrom_chk);
	if (len > buflen)
		return real.recvfrom_chk(fd, buf, len, buflen, flags, addr, addrlen);
	SOCKET_IO(real.recvfrom_chk, "osnet/net/recv", ECONNRESET, "osnet/net/recv/short", NULL,
		  real.recvfrom_chk(fd, buf, (size_t)n, buflen, flags, addr, addrlen));
}
