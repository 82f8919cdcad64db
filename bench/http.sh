#!/usr/bin/env bash
# make bench-http: see bench/http.py.
exec /usr/bin/python3 "$(dirname "$0")/http.py" "$@"
