"""The https fixtures: certificates (tools/make-certs), a document root of
known files, the launcher with {cert}, {key} and {datadir} filled in, and
the server started through it (never --addr)."""
from https.tlsclient import certs, docroot, launcher, server  # noqa: F401
