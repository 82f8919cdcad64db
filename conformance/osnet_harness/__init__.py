"""osnet harness: the pytest plugin and helpers every osnet test uses.

Tests reach the program under test only through the launch contract of
DESIGN.md: a command template with placeholders, started in its own process
group on a free port, waited for, and stopped with SIGTERM then SIGKILL.
"""
