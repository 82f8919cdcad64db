"""Chat checks shared by the fault scenarios."""
from chat.chatclient import close_all, joined
from osnet_harness.timeouts import T


def chat_round(server, context, nick="probe"):
    """A new client joins next to a fresh partner and they exchange a line,
    or AssertionError saying so in `context` (and whether the server is gone)."""
    cs = []
    try:
        try:
            cs = joined(server.addr, f"{nick}a", f"{nick}b")
            cs[0].send("ping")
            cs[1].expect(f"MSG {nick}a ping")
        except (OSError, AssertionError) as e:
            dead = "" if server.alive() else " The server process is gone."
            raise AssertionError(f"{context}: two new clients could not join and chat "
                                 f"({e}).{dead}\n" + server.stderr_block()) from None
    finally:
        close_all(cs)


def still_chatting(a, b, text, context):
    """a's message reaches b (after any lines of the probe clients, whose
    nicks never start with a's)."""
    a.send(text)
    mine = f"MSG {a.nick} ".encode()
    b.wait_for(f"MSG {a.nick} {text}", what=context, skip=lambda l: not l.startswith(mine),
               timeout=T(15))

