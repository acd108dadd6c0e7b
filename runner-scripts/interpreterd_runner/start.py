"""How a runner process starts: its command line names its role (zygote, supervisor or a probe of the
daemon's start), and the daemon's secret comes on its stdin."""

import os
import signal

from .codes import SUPERVISOR_OK
from .hiding import probe_hiding
from .namespaces import isolate_network
from .processes import clean_up_with_parent, die_with_parent
from .sandbox import probe_user
from .supervisor import serve_one
from .zygote import zygote


def read_secret():
    """Reads the secret line the daemon wrote on stdin, then points stdin at /dev/null."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(0, 256)
        if not chunk:
            break
        data += chunk
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return data.decode("ascii", "replace").strip()


def main(argv):
    """Becomes what argv names (argv[0] is this program, as in sys.argv); returns the exit status."""
    if argv[1:] == ["--probe-network"]:
        isolate_network()
        return SUPERVISOR_OK
    if argv[1:2] == ["--probe-user"]:
        return probe_user({"uid": int(argv[2]), "gid": int(argv[3])}, argv[4])
    hidden = hidden_paths(argv)
    if argv[1:2] == ["--probe-hiding"]:
        return probe_hiding(hidden)
    socket_path, daemon_pid = argv[1], int(argv[2])
    os.setsid()
    if "--zygote" in argv:
        die_with_parent(daemon_pid)
    else:
        clean_up_with_parent(daemon_pid)
    # The daemon's group signals go to the child's group; the supervisor must outlive them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    secret = read_secret()
    if "--zygote" in argv:
        preload = argv[argv.index("--preload") + 1].split(",") if "--preload" in argv else []
        code_ids = argv[argv.index("--code-user") + 1] if "--code-user" in argv else None
        return zygote(socket_path, secret, [m for m in preload if m], hidden,
                      code_ids and tuple(int(i) for i in code_ids.split(":")))
    return serve_one(socket_path, secret, hidden)


def hidden_paths(argv):
    """The daemon's files named by --hide, in the order given."""
    return [argv[i + 1] for i in range(len(argv) - 1) if argv[i] == "--hide"]
