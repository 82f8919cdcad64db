#!/usr/bin/env bash
# make bench-echo: see bench/echo.py.
exec /usr/bin/python3 "$(dirname "$0")/echo.py" "$@"
