"""The https fixtures (certificates, document root, launcher placeholders),
shared with conformance/https."""
from https.tlsclient import certs, docroot, launcher, server  # noqa: F401
