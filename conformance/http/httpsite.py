"""The document root the http tests serve, built fresh for each test session.

Every file's bytes and modification time are known here, so the tests can
compare what the server sends with what is on disk. Next to the root (not
under it) lies a secret file whose bytes must never come back (HTTP-029).
"""
import os
import pathlib
import random

from osnet_harness.httpclient import imf_fixdate

# Files get this modification time (UTC 2024-03-05 06:07:08): a fixed, past
# date makes Last-Modified and If-Modified-Since exact to check. A few get
# dates of their own (OWN_MTIME), and every access time differs from every
# modification time, so a Last-Modified taken from the wrong file (the
# directory, the root) or the wrong field (st_atime) shows.
MTIME = 1709618828
LAST_MODIFIED = imf_fixdate(MTIME)
OWN_MTIME = {
    "/sub/page.txt": MTIME - 400 * 86400 - 3723,    # 2023-01-30 05:05:05
    "/small.bin": MTIME + 17 * 86400 + 40271,       # 2024-03-22 17:18:19
}
ATIME = MTIME + 86400 + 1234

SECRET = b"OSNET-SECRET-7f3c9a outside the document root; never serve me\n"
SECRET_NAME = "osnet-secret.txt"

INDEX = b"<!doctype html>\n<title>osnet</title>\n<p>the root index.html</p>\n"
SUB_INDEX = b"<!doctype html>\n<title>sub</title>\n<p>sub/index.html</p>\n"

# Extension -> the media type HTTP-031 asks for.
MIME = {
    "html": "text/html", "htm": "text/html", "css": "text/css",
    "js": "application/javascript", "json": "application/json", "txt": "text/plain",
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "svg": "image/svg+xml", "ico": "image/x-icon", "pdf": "application/pdf",
    "wasm": "application/wasm", "xml": "text/xml",
}
OCTET = "application/octet-stream"


def all_bytes(n, seed):
    """n reproducible bytes in which every value 0..255 occurs (n >= 256)."""
    rng = random.Random(seed)
    data = bytearray(range(256)) + rng.randbytes(n - 256)
    if n <= 4096:
        rng.shuffle(data)  # small files: the 256 values not all at the start
    return bytes(data)


class Site:
    """root: the document root; files: {url path: bytes} of every file in it;
    secret: the file outside it."""

    def __init__(self, base):
        self.base = pathlib.Path(base)
        self.root = self.base / "root"
        self.secret = self.base / SECRET_NAME
        self.files = {}
        self.mtime = MTIME                  # of /hello.txt and most other files
        self.last_modified = LAST_MODIFIED
        self.mtimes = {}                    # {url path: modification time} of every file
        self._build()

    def _put(self, rel, data):
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files["/" + rel] = data

    def _build(self):
        self.root.mkdir(parents=True)
        self.secret.write_bytes(SECRET)
        self._put("index.html", INDEX)
        self._put("hello.txt", b"hello\n")
        self._put("empty.txt", b"")
        self._put("small.bin", all_bytes(1024, seed=1))
        self._put("mid.bin", all_bytes(300 * 1024 + 7, seed=2))
        self._put("big.bin", all_bytes(6 * 1024 * 1024 + 13, seed=3))
        # Names that must be percent-encoded in a URL (HTTP-028).
        self._put("with space.txt", b"a file with a space in its name\n")
        self._put("per%cent.txt", b"a file with a percent sign in its name\n")
        self._put("plus+sign.txt", b"a file with a plus sign in its name\n")
        self._put("hash#tag.txt", b"a file with a hash in its name\n")
        self._put("\u00fcn\u00efcode.txt", "a file with UTF-8 in its name\n".encode())
        # Directories: with an index, without one (HTTP-030).
        self._put("sub/index.html", SUB_INDEX)
        self._put("sub/page.txt", b"sub/page.txt\n")
        self._put("noindex/listing-canary.txt", b"a directory listing would show my name\n")
        # One file per extension (HTTP-031), plus two without a known one.
        for ext in MIME:
            self._put(f"types/file.{ext}", f"content for .{ext}\n".encode())
        self._put("types/file.osnetx", b"unknown extension\n")
        self._put("types/noext", b"no extension\n")
        for dirpath, dirnames, filenames in os.walk(self.base):
            for name in dirnames + filenames:
                os.utime(os.path.join(dirpath, name), (ATIME, MTIME))
        os.utime(self.root, (ATIME, MTIME))
        for path in self.files:
            self.mtimes[path] = OWN_MTIME.get(path, MTIME)
            os.utime(self.root / path.lstrip("/"), (ATIME, self.mtimes[path]))

    def last_modified_of(self, path):
        """The IMF-fixdate of the file's modification time."""
        return imf_fixdate(self.mtimes[path])

    def __getitem__(self, path):
        return self.files[path]
