#!/usr/bin/env bash
# make bench-http: see bench/httpbench.py.
exec /usr/bin/python3 "$(dirname "$0")/httpbench.py" "$@"
