"""A small file system of a test's own, to fill: real ENOSPC for the tests of
what a program does when its disk is full (items' database, kv's
append-only file). Needs root (or CAP_SYS_ADMIN) to mount a tmpfs."""
import errno
import os
import subprocess

import pytest


def mount_tmpfs(path, size="8m"):
    """Create the folder path and mount a tmpfs of the given size on it; fail
    the test (not skip it) when that is not possible, saying why."""
    path.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                        str(path)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.fail(f"this test needs a small file system of its own to fill, and could not "
                    f"mount one: `mount -t tmpfs -o size={size} tmpfs {path}` said "
                    f"{(p.stderr or p.stdout).strip()!r} (exit {p.returncode}); run it as root "
                    f"(or with CAP_SYS_ADMIN)", pytrace=False)


def unmount(path):
    """Unmount it, lazily if something still holds it open."""
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(path, leave):
    """Write a file at path until the file system is full, then give back
    `leave` bytes. Returns the filler's size."""
    chunk = b"\0" * (64 << 10)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    size = 0
    try:
        while True:
            try:
                n = os.write(fd, chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
            if n == 0:
                break
            size += n
        size = max(0, size - leave)
        os.ftruncate(fd, size)
    finally:
        os.close(fd)
    return size
