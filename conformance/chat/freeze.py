"""Freeze the program under test (SIGSTOP to its process group) while clients
act, so that it finds several events at once when it wakes up (SIGCONT): a
busy server meets that every day, a test needs it every time."""
import contextlib
import signal


@contextlib.contextmanager
def frozen(server):
    server.signal_group(signal.SIGSTOP)
    try:
        yield
    finally:
        server.signal_group(signal.SIGCONT)
