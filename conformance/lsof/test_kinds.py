"""LSOF-005..011: what each descriptor is: NAME (readlink, whole, control
bytes as '?') and TYPE (stat of /proc/PID/fd/FD), for files with awkward
names, every file type, sockets, pipes, anonymous inodes, deleted files.

A holder process opens each at a chosen descriptor number; the expected
line is what the test reads from /proc itself, and the test also checks
the kind it meant to make (so a wrong setup cannot pass for a right one)."""
import os
import stat

import pytest

from lsof.lsoftools import Output, expected


def listing(cli, h, made):
    """Run the program on holder h; compare with /proc; `made` maps fd ->
    (TYPE, NAME or None) the test meant to create."""
    want = expected(h.pid)
    byfd = {w[0]: w for w in want}
    for fd, (t, name) in made.items():
        assert fd in byfd and byfd[fd][1] == t and (name is None or byfd[fd][2] == name), \
            f"test setup: fd {fd} of {h.pid} is {byfd.get(fd)}, meant {t} {name!r}"
    out = Output(cli.run([str(h.pid)]))
    out.well_formed(f"listing process {h.pid}")
    out.check_process(h.pid, want)
    return out


def opener(h, path, fd, flags="os.O_RDONLY"):
    return h.do(f"r = at(os.open({os.fsencode(path)!r}, {flags}), {fd})")


@pytest.mark.req("LSOF-005")
def test_names_whole(cli, procs, workdir):
    names = [b"with space.txt", b"  leading", b"trailing  ", b"multi   space d",
             "ünïcödé-日本.txt".encode(), b"latin1-caf\xe9-\xff.txt", b"(deleted) not",
             b"socket:[1]", b"x" * 255]
    deep = os.fsencode(workdir) + b"/deep"
    # Deep enough that the file's own name, which brings the path to 4000
    # bytes, fits NAME_MAX (255) whatever the length of workdir.
    while len(deep) < 4000 - 1 - 255:
        deep += b"/" + b"d" * 200
    os.makedirs(deep)
    names.append(deep[len(os.fsencode(workdir)) + 1:] + b"/" + b"f" * (4000 - len(deep) - 1))
    h = procs.holder()
    made = {}
    for i, n in enumerate(names):
        p = os.fsencode(workdir) + b"/" + n
        open(p, "wb").close()
        made[10 + i] = ("REG", p)
        opener(h, p, 10 + i)
    assert len(made[10 + len(names) - 1][1]) == 4000
    listing(cli, h, made)


@pytest.mark.req("LSOF-006")
def test_control_bytes(cli, procs, workdir):
    names = [b"new\nline", b"tab\there", b"esc\x1b[1m", b"del\x7f", b"one\x01two\x1f",
             b"\n", b"cr\r"]
    h = procs.holder()
    made = {}
    for i, n in enumerate(names):
        p = os.fsencode(workdir) + b"/" + n
        open(p, "wb").close()
        opener(h, p, 10 + i)
        made[10 + i] = ("REG", bytes(0x3f if c < 0x20 or c == 0x7f else c for c in p))
    listing(cli, h, made)


def block_device():
    for d in sorted(os.listdir("/dev")):
        p = "/dev/" + d
        try:
            if not stat.S_ISBLK(os.stat(p).st_mode):
                continue
            os.close(os.open(p, os.O_RDONLY | os.O_NONBLOCK))
            return p
        except OSError:
            continue
    return None


@pytest.mark.req("LSOF-007")
def test_types(cli, procs, workdir):
    h = procs.holder()
    reg = os.path.join(workdir, "regular")
    open(reg, "w").close()
    os.symlink("/nonexistent/target", os.path.join(workdir, "link"))
    os.mkfifo(os.path.join(workdir, "fifo"))
    made = {10: ("REG", None), 11: ("DIR", None), 12: ("CHR", None), 13: ("LNK", None),
            14: ("FIFO", None), 15: ("SOCK", None)}
    opener(h, reg, 10)
    opener(h, workdir, 11, "os.O_RDONLY | os.O_DIRECTORY")
    opener(h, "/dev/null", 12)
    opener(h, os.path.join(workdir, "link"), 13, "os.O_PATH | os.O_NOFOLLOW")
    opener(h, os.path.join(workdir, "fifo"), 14, "os.O_RDWR")
    h.do("r = at(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).detach(), 15)")
    blk = block_device()
    if blk:
        opener(h, blk, 16, "os.O_RDONLY | os.O_NONBLOCK")
        made[16] = ("BLK", None)
    listing(cli, h, made)


@pytest.mark.req("LSOF-008")
def test_sockets(cli, procs):
    h = procs.holder()
    h.do("l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(); "
         "c = socket.create_connection(l.getsockname()); a, _ = l.accept(); "
         "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
         "x, y = socket.socketpair(); s6 = socket.socket(socket.AF_INET6) "
         "if socket.has_ipv6 else socket.socket(); "
         "r = [at(s.detach(), n) for s, n in ((l, 10), (c, 11), (a, 12), (u, 13), (x, 14), "
         "(y, 15), (s6, 16))]")
    inodes = h.do("r = {fd: os.fstat(fd).st_ino for fd in range(10, 17)}")
    made = {fd: ("SOCK", b"socket:[%d]" % ino) for fd, ino in inodes.items()}
    listing(cli, h, made)


@pytest.mark.req("LSOF-009")
def test_pipes(cli, procs, workdir):
    h = procs.holder()
    h.do("a, b = os.pipe(); r = (at(a, 10), at(b, 11))")
    ino = h.do("r = os.fstat(10).st_ino")
    fifo = os.path.join(workdir, "named fifo")
    os.mkfifo(fifo)
    opener(h, fifo, 12, "os.O_RDWR")
    made = {10: ("FIFO", b"pipe:[%d]" % ino), 11: ("FIFO", b"pipe:[%d]" % ino),
            12: ("FIFO", os.fsencode(fifo))}
    listing(cli, h, made)


@pytest.mark.req("LSOF-010")
def test_anonymous_inodes(cli, procs):
    h = procs.holder()
    h.do("import select; ep = select.epoll(); keep.append(ep); "
         "r = (at(os.eventfd(0), 10), at(os.dup(ep.fileno()), 11))")
    made = {10: ("a_inode", b"anon_inode:[eventfd]"), 11: ("a_inode", b"anon_inode:[eventpoll]")}
    listing(cli, h, made)


@pytest.mark.req("LSOF-011")
def test_deleted_files(cli, procs, workdir):
    h = procs.holder()
    gone = os.path.join(workdir, "gone.txt")
    replaced = os.path.join(workdir, "replaced")
    for p in (gone, replaced):
        with open(p, "w") as f:
            f.write("x")
    opener(h, gone, 10)
    opener(h, replaced, 11)
    os.unlink(gone)
    os.unlink(replaced)
    os.mkdir(replaced)  # the path is now a directory; the open file is still a file
    h.do("r = at(os.memfd_create('scratch pad'), 12)")
    made = {10: ("REG", os.fsencode(gone) + b" (deleted)"),
            11: ("REG", os.fsencode(replaced) + b" (deleted)"),
            12: ("REG", b"/memfd:scratch pad (deleted)")}
    listing(cli, h, made)
