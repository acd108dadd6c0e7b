"""The interpreterd worker: runs Python code for the daemon, each execution in a fresh process.

The daemon starts this file as ``python3 runner.py CONTROL_SOCKET DAEMON_PID [--zygote …] [--hide PATH …]``
and writes a one-line secret on its stdin. Each ``--hide`` names a file of the daemon's own (its
runner directory, token file, JNA directory) that the code's mount namespace covers before any code
runs in it. Two ways of running code share everything below the job:

- A *box* (the default). The *zygote*, started once, imports the preload modules and forks a box
  on request. The box's first process, its *init*, enters new PID and mount namespaces (inside a
  user namespace when the daemon is not root), mounts its own /proc, covers the daemon's files and
  never runs user code. For each job it forks one *child* that runs the code; when the child ends,
  the init kills every other process of its namespace, reports how the child ended and is ready
  for the next job.
- A *supervisor* started afresh for one execution (``--launcher spawn``): it forks the child, runs
  one job, kills everything the code left behind as a child subreaper, reports and exits. The child
  covers the daemon's files in a mount namespace of its own (in a user namespace of its own when the
  daemon is not root) while it waits for the job.

Either way the result travels to the daemon on the control socket, which the code never holds, so
nothing the code prints (to sys.stdout, sys.__stdout__, fd 1 or fd 2) can forge it, and the parent
sees the child's real wait status (exit code or signal), even for os._exit().

Frames on the control socket and on the child's report pipe are a 4-byte big-endian length
followed by that many bytes of UTF-8 JSON. Standard library only.

The control protocol (the daemon's Frame records mirror this table):
    from      to        event     fields
    daemon    zygote    box       secret, pipes           fork a new box; pipes: the one directory of the
                                                          runner's that it keeps, where its output pipes are
    box/sup.  daemon    hello     secret, pid             first frame; pid as the daemon sees it
    daemon    box/sup.  cgroup    procs                   join these cgroups before any code runs
    daemon    box/sup.  job       code, env, cwd, limits, network, user, [stdout, stderr]
    daemon    box/sup.  signal    signal                  signal the code's process group
    daemon    box       context   stdout, stderr, env, cwd, limits, network, user
                                                          make this box a context's: one child for every job
    daemon    box       run       code, env, cpuSeconds, marker
                                                          a context's job; marker ends its output on both pipes
    box/sup.  daemon    started   pid                     the child took the job
    box/sup.  daemon    display   kind, data              a result or display() of the code
    box/sup.  daemon    warning   message                 for the daemon's log
    box/sup.  daemon    exit      pid, exitCode, signal, report, alive, signalled
                                                          alive: a context's child lives on;
                                                          signalled: a signal the daemon asked
                                                          for reached the code while it ran
    zygote    daemon    reaped    pid, exitCode, signal   a box's init ended
"""

import builtins
import ctypes
import gc
import json
import linecache
import os
import resource
import selectors
import signal
import socket
import stat
import struct
import sys
import time
import traceback
import types

import interpreterd_display

FRAME_HEADER = struct.Struct(">I")
# Below the daemon's own limit (16 MiB): reports and displays are capped well under it.
MAX_FRAME_BYTES = 12 * 1024 * 1024
MAX_ERROR_VALUE_CHARS = 64 * 1024
MAX_TRACEBACK_LINE_CHARS = 1024
MAX_TRACEBACK_LINES = 1000
TRUNCATED_MARK = "… [truncated]"
CODE_FILENAME = "<code>"
# Frames of these files are the runner's own and never shown in the code's tracebacks.
RUNNER_FILES = {__file__, interpreterd_display.__file__}

PR_SET_PDEATHSIG = 1
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    0x1, 0x2, 0x4, 0x8, 0x20, 0x1000, 0x4000, 0x40000)
# What covers a directory of the daemon's: an empty tmpfs, read-only once set up, that every user may
# enter (to reach what is kept inside) and none may list.
COVER_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC
COVER_OPTIONS = "mode=0111,size=16k"
EPERM = 1
EINVAL = 22
LINUX_CAPABILITY_VERSION_3 = 0x20080522
# The OOM killer's first choice: what every process that runs code carries.
OOM_SCORE_ADJ_FIRST = 1000

# Exit codes of the supervisor itself. The daemon reads them only when no exit frame came, and then
# names them in the answer's error.value ("the worker's supervisor exited with status 4 ...").
SUPERVISOR_OK = 0
SUPERVISOR_NO_JOB = 3
SUPERVISOR_ORPHANED = 4
SUPERVISOR_NO_BOX = 5

# How long a box's maker may take to exit once it has closed its files: the kernel's next step.
MAKER_EXIT_SECONDS = 5

_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option, value):
    """Calls prctl(2); raises OSError when the kernel refuses."""
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def die_with_parent(expected_parent):
    """Asks for SIGKILL when the parent dies, and exits if it already has.

    The parent may die between fork and prctl; then getppid() no longer names it.
    """
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != expected_parent:
        os._exit(SUPERVISOR_ORPHANED)


def clean_up_with_parent(expected_parent):
    """A supervisor's death with its parent: it first kills everything the code started, then exits.

    SIGKILL would leave the code's own subprocesses behind, orphaned, when the daemon is killed.
    """
    signal.signal(signal.SIGUSR1, orphaned)
    prctl(PR_SET_PDEATHSIG, signal.SIGUSR1)
    if os.getppid() != expected_parent:
        os._exit(SUPERVISOR_ORPHANED)


def orphaned(signum, frame):
    """The parent is gone: kill and reap every descendant (the child dies with this process)."""
    for _ in range(200):
        alive = descendants(os.getpid())
        if not alive:
            break
        kill_all(alive)
        reap_zombies()
        time.sleep(0.01)
    os._exit(SUPERVISOR_ORPHANED)


# ---------------------------------------------------------------- framing

def encode_frame(message):
    payload = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
    return FRAME_HEADER.pack(len(payload)) + payload


def recv_exactly(sock, size):
    chunks = bytearray()
    while len(chunks) < size:
        try:
            chunk = sock.recv(size - len(chunks))
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def recv_frame(sock):
    """Reads one frame from the daemon; None when the daemon closed the connection."""
    header = recv_exactly(sock, FRAME_HEADER.size)
    if header is None:
        return None
    (size,) = FRAME_HEADER.unpack(header)
    if size > MAX_FRAME_BYTES:
        return None
    payload = recv_exactly(sock, size)
    return None if payload is None else json.loads(payload)


def take_frames(buffer):
    """Removes the complete frames at the start of buffer and returns them; a torn tail stays."""
    frames, offset = [], 0
    while offset + FRAME_HEADER.size <= len(buffer):
        (size,) = FRAME_HEADER.unpack_from(buffer, offset)
        end = offset + FRAME_HEADER.size + size
        if end > len(buffer):
            break
        try:
            frames.append(json.loads(bytes(buffer[offset + FRAME_HEADER.size:end])))
        except ValueError:
            pass
        offset = end
    del buffer[:offset]
    return frames


# ---------------------------------------------------------------- supervisor

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


def serve_one(socket_path, secret, hidden):
    """The supervisor's life: connect, prove the secret, run one job.

    The child is forked before the job arrives and waits for it on a pipe, so a job costs no fork, and
    it covers the daemon's files meanwhile, so that costs the job nothing either.
    """
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    control = connect(socket_path, secret, os.getpid())
    wakeup = Wakeup()
    child = start_child(control, wakeup, hidden)
    job = recv_frame(control)
    if job is not None and job.get("event") == "cgroup":
        # Ahead of the job, while nobody waits: moving a process costs the kernel milliseconds.
        join_cgroups(child.pid, job.get("procs") or (), control)
        job = recv_frame(control)
    if job is None:
        os.kill(child.pid, signal.SIGKILL)
        return SUPERVISOR_NO_JOB
    return supervise(control, child, job, wakeup)


# ---------------------------------------------------------------- zygote

def zygote(socket_path, secret, preload, hidden, code_ids=None):
    """The fork server: imports the preload modules once, then forks one box per request.

    It never runs user code. As a child subreaper it inherits each box's init once the box's maker
    has exited, so it reaps the init when the box ends and tells the daemon how it ended. code_ids,
    the uid and gid of the code's user when that is not the daemon's, are mapped into each box.
    """
    for name in preload:
        __import__(name)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    control = connect(socket_path, secret, os.getpid())
    signal.signal(signal.SIGCHLD, lambda signum, frame: reap_zygote_children(control))
    gc.freeze()
    zygote_pid = os.getpid()
    while True:
        request = recv_frame(control)
        if request is None:
            return SUPERVISOR_OK
        if request.get("event") == "box" and os.fork() == 0:
            control.close()
            return make_box(socket_path, request["secret"], zygote_pid, Hiding(hidden, request.get("pipes")),
                            code_ids)


def connect(socket_path, secret, pid, **extra):
    """Opens the control socket and proves who we are; pid is this process as the daemon sees it."""
    return say_hello(open_control(socket_path), secret, pid, **extra)


def open_control(socket_path):
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    control.connect(socket_path)
    return control


def say_hello(control, secret, pid, **extra):
    control.sendall(encode_frame(dict(extra, event="hello", secret=secret, pid=pid)))
    return control


def reap_zygote_children(control):
    for pid, status in reaped():
        try:
            control.sendall(encode_frame(dict(ending(status), event="reaped", pid=pid)))
        except OSError:
            return


# ---------------------------------------------------------------- box

def make_box(socket_path, secret, zygote_pid, hiding, code_ids=None):
    """The box's maker: enters new namespaces, forks the box's init into them and exits.

    unshare(CLONE_NEWPID) puts the caller's next child, not the caller, into the new PID namespace,
    so the init is that child. The maker then exits, and the zygote, a subreaper, becomes its parent.
    """
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    die_with_parent(zygote_pid)
    try:
        enter_box_namespaces(code_ids)
    except OSError as exc:
        connect(socket_path, secret, os.getpid(), error=exc.strerror or str(exc)).close()
        os._exit(SUPERVISOR_NO_BOX)
    maker = os.getpid()
    maker_gone, maker_alive = os.pipe()
    if os.fork() == 0:
        os.close(maker_alive)
        # End of file once the maker is exiting; it is still the init's parent until the kernel has
        # handed its children on to the zygote.
        os.read(maker_gone, 1)
        os.close(maker_gone)
        await_new_parent(maker)
        box_init(socket_path, secret, zygote_pid, hiding)
    os._exit(SUPERVISOR_OK)


def await_new_parent(maker):
    """In the init: waits until the exiting maker is no longer its parent.

    An exiting process closes its files before the kernel moves its children to their new parent,
    and that move sends the parent-death signal of each child that asked for one: an init that asked
    in between would be killed a moment after it started.
    """
    deadline = time.monotonic() + MAKER_EXIT_SECONDS
    while parent_pid() == maker:
        if time.monotonic() > deadline:
            os._exit(SUPERVISOR_NO_BOX)
        time.sleep(0.0005)


def parent_pid():
    """This process's parent as the outside sees it, read through the outside's /proc (in a new PID
    namespace getppid() says 0)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("PPid:"):
                return int(line.split()[1])
    return 0


def enter_box_namespaces(code_ids=None):
    """New PID and mount namespaces; without root, inside a user namespace of their own.

    That user namespace maps this process's ids to themselves and, when the code runs as another
    user (code_ids, its uid and gid), that user's ids to themselves too: the box's child can switch
    to it, and what the code writes is that user's on disk.
    """
    if os.geteuid() == 0 and _libc.unshare(CLONE_NEWPID | CLONE_NEWNS) == 0:
        return
    uid, gid = os.geteuid(), os.getegid()
    mapper = None
    if code_ids and uid != 0 and code_ids[0] != uid:
        mapper = IdMapper([(uid, gid), tuple(code_ids)])
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) != 0:
        errno = ctypes.get_errno()
        if mapper:
            mapper.finish(False)
        raise OSError(errno, "cannot make the box's namespaces: " + os.strerror(errno))
    if mapper:
        mapper.finish(True)
    else:
        map_own_ids(uid, gid)


class IdMapper:
    """A child left in the parent user namespace that maps ids into this process's next one.

    Mapping ids other than one's own takes CAP_SETUID and CAP_SETGID in the parent namespace, held
    by the process that writes the maps, as newuidmap(1) does. Once this process has entered its
    new user namespace it holds nothing in the parent, so a child forked before writes the maps
    when told. ids: (uid, gid) pairs, each mapped to itself.
    """

    def __init__(self, ids):
        target = os.getpid()
        go_r, self.go_w = os.pipe()
        self.error_r, error_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.go_w)
            os.close(self.error_r)
            os._exit(write_id_maps_when_told(go_r, error_w, target, ids))
        os.close(go_r)
        os.close(error_w)

    def finish(self, unshared):
        """Tells the child to write the maps (or, without a new namespace, to end) and waits for it.

        Raises OSError naming what the kernel refused when the maps could not be written.
        """
        os.write(self.go_w, b"y" if unshared else b"n")
        os.close(self.go_w)
        _, status = os.waitpid(self.pid, 0)
        message = os.read(self.error_r, 4096).decode("utf-8", "replace")
        os.close(self.error_r)
        if unshared and status != 0:
            raise OSError(EPERM, "cannot map the code's user into the box: "
                          + (message or f"the mapper ended with status {status}"))


def write_id_maps_when_told(go_r, error_w, pid, ids):
    """In the mapper: waits for the word, then writes uid_map and gid_map of process pid.

    End of file (its maker died) or "n" ends it without writing. Returns its exit status.
    """
    if os.read(go_r, 1) != b"y":
        return SUPERVISOR_OK
    for name, column in (("uid_map", 0), ("gid_map", 1)):
        # A group the two users share is mapped once: extents may not overlap.
        lines = dict.fromkeys(f"{pair[column]} {pair[column]} 1" for pair in ids)
        try:
            with open(f"/proc/{pid}/{name}", "w") as f:
                f.write("\n".join(lines) + "\n")
        except OSError as exc:
            os.write(error_w, f"writing {name}: {exc.strerror} (CAP_SETUID and CAP_SETGID are needed)".encode())
            return 1
    return SUPERVISOR_OK


def map_own_ids(uid, gid):
    """In a new user namespace, maps this process's ids to themselves, so files and signals work as before."""
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                       ("/proc/self/gid_map", f"{gid} {gid} 1")):
        with open(path, "w") as f:
            f.write(text)


def box_init(socket_path, secret, zygote_pid, hiding):
    """The box's first process, pid 1 of its namespace: runs jobs in children, never the code itself.

    Once connected, and before any child exists, it covers the daemon's files for the whole box.
    """
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent_pid() != zygote_pid:
        os._exit(SUPERVISOR_ORPHANED)
    # Read through the /proc of the outside, before the box's own /proc replaces it.
    outside_pid = int(os.readlink("/proc/self"))
    try:
        mount_own_proc()
    except OSError as exc:
        # Told at once, so that the daemon logs why instead of waiting for a hello that never comes.
        connect(socket_path, secret, outside_pid, error=exc.strerror or str(exc)).close()
        os._exit(SUPERVISOR_NO_BOX)
    # Nothing in the box may read, trace or take over its init, not even code of the same user.
    prctl(PR_SET_DUMPABLE, 0)
    control = open_control(socket_path)
    try:
        hiding.cover()
    except OSError as exc:
        say_hello(control, secret, outside_pid, error=exc.strerror or str(exc)).close()
        os._exit(SUPERVISOR_NO_BOX)
    say_hello(control, secret, outside_pid)
    wakeup = Wakeup()
    frame = recv_frame(control)
    if frame is not None and frame.get("event") == "cgroup":
        join_cgroups(os.getpid(), frame.get("procs") or (), control)
    while frame is not None:
        child = start_child(control, wakeup)
        job = next_job(control, ("job", "context"))
        if job is None:
            break
        if job.get("event") == "context":
            serve_context(control, child, wakeup, job)
        send_report(child.job_w, job)
        os.close(child.job_w)
        wait_status, reports, signalled = wait_for_child(child.pid, control, child.report_r, wakeup)
        end_everything_else()
        control.sendall(encode_frame(exit_frame(child.pid, wait_status, reports, signalled)))
    # The daemon is done with this box: the end of pid 1 ends every process in it.
    os._exit(SUPERVISOR_OK)


def serve_context(control, child, wakeup, settings):
    """A box that holds a context: one child keeps its interpreter and runs every job of the context.

    Processes the code starts live as long as the context. When the child dies, or the daemon ends
    the context, the init reports and exits, and with it every process in the box.
    """
    send_report(child.job_w, settings)
    # The child reports once it has set the context up, or why it could not.
    wait_status, reports, _ = wait_for_child(child.pid, control, child.report_r, wakeup, until_report=True)
    control.sendall(encode_frame(exit_frame(child.pid, wait_status, reports, False)))
    if wait_status is not None:
        os._exit(SUPERVISOR_OK)
    while True:
        job = next_job(control, ("run",))
        if job is None:
            os._exit(SUPERVISOR_OK)
        pid, status = os.waitpid(child.pid, os.WNOHANG)
        if pid == child.pid:
            control.sendall(encode_frame(exit_frame(child.pid, status, [], False)))
            os._exit(SUPERVISOR_OK)
        send_report(child.job_w, job)
        wait_status, reports, signalled = wait_for_child(child.pid, control, child.report_r, wakeup,
                                                         until_report=True)
        control.sendall(encode_frame(exit_frame(child.pid, wait_status, reports, signalled)))
        if wait_status is not None:
            os._exit(SUPERVISOR_OK)


def next_job(control, events):
    """The daemon's next job for the box, a frame of one of these events; None when the daemon is done with it.

    A signal for the previous child may come after that child has ended: the daemon's timeout can
    fire while the init still kills what the child left, or before the daemon has read its report.
    Such a signal is for nobody now and must not be taken for the job.
    """
    while True:
        frame = recv_frame(control)
        if frame is None or frame.get("event") in events:
            return frame


def mount_own_proc():
    """Makes the box's mounts private and mounts a /proc that lists only the box's processes."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    try:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError as exc:
        if exc.errno != EPERM or os.geteuid() == 0:
            raise
        # Without root the box is a user namespace, where the kernel mounts a new /proc only if some
        # /proc of the mount namespace is fully visible: nothing mounted over any of its files.
        raise OSError(exc.errno, exc.strerror + " (in a user namespace a new /proc needs a /proc with"
                      " nothing mounted over its files; systemd's ProtectKernelTunables=,"
                      " ProtectKernelLogs= and ProtectHostname=, and containers, mount over some)") from None


def mount(source, target, fstype, flags, options=None):
    if _libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                   options and options.encode()) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot mount {target}: {os.strerror(errno)}")


# ---------------------------------------------------------------- the daemon's files

class Hiding:
    """The daemon's files to cover in a new mount namespace, and the one directory under them to keep.

    A directory gets an empty tmpfs, read-only once set up; anything else gets /dev/null. Done by a
    process that holds capabilities in the namespace, before any code runs there: the code holds
    none, so it can neither unmount them nor, in namespaces of its own, take them apart.
    """

    def __init__(self, paths, keep=None):
        self.paths, self.keep = list(paths), keep

    def cover(self):
        """Covers every path; one that does not exist is nothing to hide. Raises OSError naming the path."""
        kept = os.open(self.keep, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC) if self.keep else None
        try:
            for path in self.paths:
                inside = kept is not None and os.path.commonpath([path, self.keep]) == path
                cover(path, (self.keep, kept) if inside else None)
        finally:
            if kept is not None:
                os.close(kept)


def cover(path, keep):
    """Covers one path; keep, (path, fd) of a directory inside it opened before, is bound back in read-only.

    Named pipes in a read-only directory can still be opened for writing; nothing can be made there.
    """
    try:
        is_directory = stat.S_ISDIR(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return
    if not is_directory:
        mount("/dev/null", path, None, MS_BIND)
        return
    mount("tmpfs", path, "tmpfs", COVER_FLAGS, COVER_OPTIONS)
    if keep is not None:
        inside, fd = keep
        os.makedirs(inside, 0o700)
        # Under the tmpfs the directory has no path left; the descriptor opened before still names it.
        mount(f"/proc/self/fd/{fd}", inside, None, MS_BIND)
        read_only(inside)
    read_only(path)


def read_only(path):
    mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | COVER_FLAGS)


def hide_alone(paths):
    """In a supervisor's child, while it waits for its job: covers the daemon's files in namespaces of
    its own. Returns why it could not, for the job's answer; None once done or with nothing to hide.
    """
    if not paths:
        return None
    try:
        cover_alone(paths)
    except OSError as exc:
        return OSError(exc.errno, "cannot hide the daemon's files from the code: " + (exc.strerror or str(exc)))
    return None


def cover_alone(paths):
    """A mount namespace of this process's own, in a user namespace of its own when not root, and the
    daemon's files covered in it."""
    unshare_alone_or_as_own_user(CLONE_NEWNS, "a mount namespace")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    Hiding(paths).cover()


def probe_hiding(paths):
    """At the daemon's start: can an execution without a box cover the daemon's files here?"""
    try:
        cover_alone(paths)
    except OSError as exc:
        print(exc.strerror or exc)
        return 1
    return SUPERVISOR_OK


def end_everything_else():
    """From the box's init: kills every other process of its namespace and reaps them all."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


class Wakeup:
    """A pipe that SIGCHLD writes to, so that waiting for a child can be one select() with other fds."""

    def __init__(self):
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, False)
        os.set_blocking(self.w, False)
        # SIGCHLD must have a handler (not SIG_DFL) for the wakeup fd to be written.
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(self.w, warn_on_full_buffer=False)


class Child:
    """The parent's handles on its child: pid, job pipe and report pipe."""

    def __init__(self, pid, job_w, report_r):
        self.pid, self.job_w, self.report_r = pid, job_w, report_r


def start_child(control, wakeup, hidden=()):
    """Forks the child that will run the next job; it waits for the job on a pipe.

    A supervisor's child first covers the daemon's files named in hidden, in namespaces of its own; a
    box's child has nothing to do there, its init did it for the whole box.
    """
    job_r, job_w = os.pipe()
    report_r, report_w = os.pipe()
    parent = os.getpid()
    # Objects that exist now belong to the runner; the child's final collection skips them.
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (job_w, report_r, wakeup.r, wakeup.w):
            os.close(fd)
        control.close()
        run_child(job_r, report_w, parent, hidden)
    for fd in (job_r, report_w):
        os.close(fd)
    return Child(pid, job_w, report_r)


def supervise(control, child, job, wakeup):
    send_report(child.job_w, job)
    os.close(child.job_w)
    wait_status, reports, signalled = wait_for_child(child.pid, control, child.report_r, wakeup)
    kill_descendants(wakeup.r)
    # Nothing that could still write is left; letting go of the output pipes now lets the daemon
    # see their end together with the exit frame instead of after this process has exited.
    release_output()
    control.sendall(encode_frame(exit_frame(child.pid, wait_status, reports, signalled)))
    control.close()
    # The supervisor has nothing to flush or finalize; skipping interpreter teardown lets the
    # daemon see the pipes close milliseconds sooner.
    os._exit(SUPERVISOR_OK)


def join_cgroups(pid, procs_files, control):
    """Moves the waiting child into its execution's cgroups, so that all the code starts is there."""
    for path in procs_files:
        try:
            with open(path, "w") as procs:
                procs.write(str(pid))
        except OSError as exc:
            control.sendall(encode_frame({"event": "warning",
                                          "message": f"could not join cgroup {path}: {exc.strerror}"}))


def release_output():
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def wait_for_child(child, control, report_r, wakeup, until_report=False):
    """Forwards the child's events until it exits; returns its wait status, its reports and whether
    a signal the daemon asked for reached the code while it ran.

    With until_report (a context's child, which lives on), returns as soon as the child has reported
    on its job, with a wait status of None while it lives. Meanwhile the daemon may ask for a signal
    to the child's process group; if the daemon goes away instead, this process ends, and with it
    everything below it.
    """
    selector = selectors.DefaultSelector()
    selector.register(report_r, selectors.EVENT_READ, "report")
    selector.register(wakeup.r, selectors.EVENT_READ, "wake")
    selector.register(control, selectors.EVENT_READ, "control")
    buffer, reports, wait_status, signalled = bytearray(), [], None, False
    while wait_status is None and not (until_report and reports):
        orders = []
        for key, _ in selector.select():
            if key.data == "wake":
                drain(wakeup.r)
            elif key.data == "control":
                orders.append(recv_frame(control))
            elif not read_into(report_r, buffer):
                selector.unregister(report_r)
        forward(take_frames(buffer), child, control, reports)
        # Obeyed after the reports that came with them: a context's code that has reported has ended.
        for order in orders:
            signalled = obey(order, child, ended=until_report and bool(reports)) or signalled
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid == child:
            wait_status = status
    selector.close()
    if wait_status is None:
        return None, reports, signalled
    # The child may have written its last report just before it exited.
    os.set_blocking(report_r, False)
    while read_into(report_r, buffer):
        pass
    forward(take_frames(buffer), child, control, reports)
    os.close(report_r)
    return wait_status, reports, signalled


def obey(frame, child, ended=False):
    """A frame from the daemon while the code runs: a signal for the code, or the daemon's end.

    Returns True when the signal reached the code's process group while the code ran. A timeout that
    fires just after the code ended sends nothing, so that the answer is the code's own outcome.
    """
    if frame is None:
        orphaned(signal.SIGUSR1, None)
    if frame.get("event") != "signal" or ended or has_exited(child):
        return False
    try:
        os.killpg(child, int(frame["signal"]))
    except (ProcessLookupError, PermissionError):
        return False
    return True


def has_exited(child):
    """True once the child has exited, without reaping it: its wait status is still to be read."""
    return os.waitid(os.P_PID, child, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def forward(frames, child, control, reports):
    """Passes the child's start and displays on to the daemon as they come; keeps its reports."""
    for frame in frames:
        event = frame.get("event")
        if event == "started":
            control.sendall(encode_frame({"event": "started", "pid": child}))
        elif event == "display":
            control.sendall(encode_frame({"event": "display", "kind": frame.get("kind"),
                                          "data": frame.get("data")}))
        elif event == "report":
            reports.append(frame)


def read_into(fd, buffer):
    """Appends what fd has to buffer; False at end of file or when drained.

    A frame bigger than the cap is not the runner's own (it caps what it sends): it is dropped, and
    the pipe still drained, so that whoever writes it is never left blocked.
    """
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        return False
    if len(buffer) + len(chunk) > MAX_FRAME_BYTES:
        buffer.clear()
    else:
        buffer += chunk
    return bool(chunk)


def drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def exit_frame(child, wait_status, reports, signalled):
    """How a job ended: the child's wait status, or for a context's child that lives on, the exit code
    its report implies; the report itself; and whether a signal of the daemon reached the code."""
    report = reports[-1] if reports else None
    if wait_status is None:
        return dict(event="exit", pid=child, exitCode=report_status(report), signal=None, report=report, alive=True,
                    signalled=signalled)
    return dict(ending(wait_status), event="exit", pid=child, report=report, alive=False, signalled=signalled)


def report_status(outcome):
    """The exit status a script with this outcome would have had."""
    if outcome["outcome"] == "exit":
        return outcome.get("code", 0)
    return 1 if outcome["outcome"] == "error" else 0


def ending(wait_status):
    """How a process ended, as the daemon reads it: its exit code, or the signal that killed it."""
    if os.WIFSIGNALED(wait_status):
        return {"exitCode": None, "signal": os.WTERMSIG(wait_status)}
    return {"exitCode": os.waitstatus_to_exitcode(wait_status), "signal": None}


def descendants(root):
    """Every live process below root, found through /proc/PID/task/TID/children."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as children:
                    kids = [int(p) for p in children.read().split()]
            except OSError:
                continue
            found.extend(kids)
            pending.extend(kids)
    return found


def kill_descendants(wake_r):
    """Kills and reaps everything the code started, including what double-forked or setsid'ed.

    As a subreaper the supervisor inherits orphans, so repeating until no child is left also
    catches processes forked while the previous round was being killed.
    """
    selector = selectors.DefaultSelector()
    selector.register(wake_r, selectors.EVENT_READ)
    try:
        while True:
            alive = descendants(os.getpid())
            if not alive:
                return
            kill_all(alive)
            reap_zombies()
            # Wait for the next SIGCHLD instead of spinning; bounded in case one never comes.
            selector.select(timeout=0.05)
            drain(wake_r)
            reap_zombies()
    finally:
        selector.close()


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def reap_zombies():
    for _ in reaped():
        pass


def reaped():
    """Yields (pid, wait status) of each child that has ended, without waiting for more."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status


# ---------------------------------------------------------------- child

def run_child(job_r, report_w, supervisor, hidden=()):
    """Waits for the job, runs its code in this fresh child process and exits with its status."""
    os.setsid()
    die_with_parent(supervisor)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    displays = interpreterd_display.Displays(
        lambda kind, data: send_report(report_w, {"event": "display", "kind": kind, "data": data}))
    prepare_process(displays)
    not_hidden = hide_alone(hidden)
    job = read_job(job_r)
    if job is None:
        os._exit(SUPERVISOR_NO_JOB)
    reseed_random()
    if job.get("event") == "context":
        run_context(job, job_r, report_w, supervisor, displays)
    os.close(job_r)
    try:
        if not_hidden is not None:
            raise not_hidden
        prepare(job)
        # Only now, with the output pipes open: the daemon may start reading them.
        send_report(report_w, {"event": "started"})
        give_way_under_memory_pressure()
        enter_sandbox(job, supervisor)
        outcome = execute(job["code"], displays)
    except BaseException as exc:  # a failure of prepare() is the execution's result too
        outcome = error_outcome(exc)
    flush_standard_streams()
    send_report(report_w, dict(outcome, event="report"))
    os.close(report_w)
    finish(report_status(outcome))


def give_way_under_memory_pressure():
    """Makes this process, and all the code will start, the OOM killer's first choice, never the daemon.

    Written before enter_sandbox(): as root holding CAP_SYS_RESOURCE, the kernel records the value
    as the least the process and its children may set, so the code cannot lower it. Without that
    capability (an ordinary user) they may lower it to the least the daemon itself was started with.
    A box's child is not dumpable yet, which leaves /proc/self root's; without root it is made
    dumpable for the write, as enter_sandbox() makes it for good before the code starts.
    """
    hidden = os.geteuid() != 0 and _libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0
    if hidden:
        prctl(PR_SET_DUMPABLE, 1)
    try:
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write(str(OOM_SCORE_ADJ_FIRST))
    finally:
        if hidden:
            prctl(PR_SET_DUMPABLE, 0)


def run_context(settings, job_r, report_w, supervisor, displays):
    """A context's interpreter: set up once, then runs each job in the same __main__, until told to stop.

    Its output pipes are the context's for its whole life; after each job it writes the job's marker
    to both, so the daemon knows where that job's output ends.
    """
    try:
        prepare(settings)
        give_way_under_memory_pressure()
        enter_sandbox(settings, supervisor)
    except BaseException as exc:
        send_report(report_w, dict(error_outcome(exc), event="report"))
        os._exit(SUPERVISOR_NO_JOB)
    send_report(report_w, {"event": "report", "outcome": "ok"})
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    while True:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        job = read_job(job_r)
        if job is None:
            finish(0)
        saved = use_environment(job.get("env") or {})
        limit_cpu_from_now(job.get("cpuSeconds"))
        send_report(report_w, {"event": "started"})
        signal.signal(signal.SIGINT, signal.default_int_handler)
        outcome = execute(job["code"], displays, module)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        use_environment(saved)
        flush_standard_streams()
        marker = job.get("marker", "").encode("ascii")
        for fd in (1, 2):
            write_all(fd, marker)
        send_report(report_w, dict(outcome, event="report"))


def use_environment(envs):
    """Sets one execution's envs (a value of None removes the variable); returns what they replaced.

    What the code itself does to os.environ stays, as in a notebook; only the envs are undone.
    """
    saved = {name: os.environ.get(name) for name in envs}
    for name, value in envs.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    return saved


def limit_cpu_from_now(seconds):
    """CPU time counts from the start of this execution, not from the start of the context."""
    if seconds is None:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + int(seconds)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def write_all(fd, data):
    while data:
        try:
            data = data[os.write(fd, data):]
        except OSError:
            return


def finish(status):
    """Ends the child the way a script ends, minus the teardown of every imported module.

    Python's own exit waits for non-daemon threads, runs atexit handlers and flushes; the code's
    objects are then finalized (an unclosed file gets flushed). All of that happens here; what is
    skipped is dismantling the interpreter's modules, which costs milliseconds and serves nobody.
    """
    try:
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
        atexit = sys.modules.get("atexit")
        if atexit is not None:
            atexit._run_exitfuncs()
        main_module = sys.modules.get("__main__")
        # Until the code's module replaces it, __main__ is the runner itself, whose globals this needs.
        if main_module is not None and main_module.__dict__ is not globals():
            main_module.__dict__.clear()
        gc.collect()
    except BaseException:
        pass
    finally:
        flush_standard_streams()
        os._exit(status)


def read_job(fd):
    """Reads the next frame the parent writes on the job pipe; None if it never comes."""
    header = read_exactly(fd, FRAME_HEADER.size)
    if header is None:
        return None
    (size,) = FRAME_HEADER.unpack(header)
    payload = read_exactly(fd, size)
    return None if payload is None else json.loads(payload)


def read_exactly(fd, size):
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, min(size - len(data), 1 << 16))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def reseed_random():
    """A forked child shares its parent's random state; seed it afresh as a new process would be."""
    random = sys.modules.get("random")
    if random is not None:
        random.seed()


def send_report(fd, message):
    data = encode_frame(message)
    while data:
        data = data[os.write(fd, data):]


def prepare_process(displays):
    """What every execution gets, done while the child waits for its job."""
    displays.install()
    # Like `python -c`: the current directory first on the import path, an empty argv[0].
    sys.path[0] = ""
    sys.argv = [""]
    # Line buffering keeps prints in order with the output of subprocesses the code starts.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass


def prepare(job):
    """Gives the code its output pipes, the request's environment and its import path."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if job.get(name):
            # A box's child writes to the pair of named pipes the daemon made for this execution.
            pipe = os.open(job[name], os.O_WRONLY)
            os.dup2(pipe, fd)
            os.close(pipe)
    env = job.get("env") or {}
    # Touch only what differs: the environment usually matches all but the request's envs.
    for name in [n for n in os.environ if n not in env]:
        del os.environ[name]
    for name, value in env.items():
        if os.environ.get(name) != value:
            os.environ[name] = value
    # Plots render to PNG, never to a window; forced, as there is no display to open one on.
    os.environ["MPLBACKEND"] = "Agg"
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[1:1] = extra


def enter_sandbox(job, supervisor):
    """The last steps before the code starts, in the order their privileges allow."""
    user = job.get("user")
    keeps_root = runs_as_root(user)
    # As root, or in a box, this process may make its network namespace at once. Elsewhere only a
    # user namespace of its own grants one, made after the switch, as it maps only its maker's ids.
    isolate_later = job.get("network") is False and _libc.unshare(CLONE_NEWNET) != 0
    apply_limits(job.get("limits") or {})
    left = become(user)
    if isolate_later:
        isolate_network()
    if not keeps_root:
        # In a user namespace (a box's, or the network's) the child holds every capability until it
        # lets them go, and so does a daemon's child that switched between two users other than root.
        clear_capabilities()
    forbid_way_back(user, left)
    # Setuid and file-capability programs cannot give the code back what it just gave up.
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    # Forked from a box's init, this child is not dumpable either, which would leave /proc/self root's
    # (environ, mem, oom_score_adj…) and its forks closed to its user's debuggers. Its capabilities
    # gone, the code's process is its user's own business, like any process that user starts.
    prctl(PR_SET_DUMPABLE, 1)
    # A change of user clears the parent-death signal: ask for it again.
    die_with_parent(supervisor)
    # As the code's user: a directory that user may not enter is the code's error, as in a shell.
    if job.get("cwd"):
        os.chdir(job["cwd"])


def isolate_network():
    """Moves this process into a new network namespace of its own, with only a loopback, down.

    As root, or in a box's user namespace, that is one unshare; otherwise a user namespace of its
    own grants it, with the process's own ids mapped to themselves.
    """
    unshare_alone_or_as_own_user(CLONE_NEWNET, "a network namespace")


def unshare_alone_or_as_own_user(flags, what):
    """New namespaces of these kinds for this process: with one unshare where it may make them
    (as root, or in a box's user namespace), else inside a user namespace of its own that maps its
    ids to themselves."""
    if _libc.unshare(flags) == 0:
        return
    uid, gid = os.geteuid(), os.getegid()
    if _libc.unshare(CLONE_NEWUSER | flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot make {what}: " + os.strerror(errno))
    map_own_ids(uid, gid)


def runs_as_root(user):
    """True when the code keeps root: the daemon is root and was told --user root."""
    return os.getuid() == 0 and (not user or user["uid"] == 0)


def clear_capabilities():
    """Empties the effective, permitted and inheritable capability sets (and so the ambient one)."""
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    if _libc.capset(header, data) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, "cannot clear capabilities: " + os.strerror(errno))


def become(user):
    """Switches this process for good to the user the code runs as, when that is another user.

    Only a daemon running as root, or one holding CAP_SETUID and CAP_SETGID (in a box, those of the
    box's user namespace, where the code's user is mapped), sends another user than its own.
    Everything the runner needs is imported by now: its own directory stays closed to that user.
    Groups go first, while the process may still change them; the user id last. Returns the uid it
    left, or None when it stayed. A switch between two users other than root keeps the capabilities:
    the caller clears them, then calls forbid_way_back.
    """
    if not user or (os.getuid() == user["uid"] and os.geteuid() == user["uid"]):
        return None
    left = os.getuid()
    os.setgroups([])
    os.setgid(user["gid"])
    os.setuid(user["uid"])
    # The switch made the process non-dumpable, which would leave /proc/self root's; the code is
    # its user's own business, like any process that user starts.
    prctl(PR_SET_DUMPABLE, 1)
    return left


def forbid_way_back(user, left):
    """After a switch, and with the capabilities gone: checks that neither root nor the uid it left
    (the daemon's) can be had back. In a box's user namespace root is not even mapped (EINVAL)."""
    if left is None:
        return
    for uid in dict.fromkeys((0, left)):
        try:
            os.setuid(uid)
        except OSError as exc:
            if exc.errno in (EPERM, EINVAL):
                continue
            raise
        raise PermissionError(f"could still become uid {uid} after switching to uid {user['uid']}")


def probe_user(user, work_dir):
    """At the daemon's start: can the code, as this user, use this interpreter and work directory?"""
    left = become(user)
    clear_capabilities()
    forbid_way_back(user, left)
    stdlib = os.path.dirname(os.__file__)
    for path, mode, what in ((sys.executable, os.X_OK, "run the interpreter"),
                             (stdlib, os.R_OK | os.X_OK, "read the standard library in"),
                             (work_dir, os.X_OK, "enter the work directory")):
        if not os.access(path, mode):
            print(f"it may not {what} {path}")
            return 1
    return SUPERVISOR_OK


RLIMITS = (("memory", resource.RLIMIT_AS), ("processes", resource.RLIMIT_NPROC),
           ("fileSize", resource.RLIMIT_FSIZE), ("openFiles", resource.RLIMIT_NOFILE))


def apply_limits(limits):
    """Sets soft and hard limits alike, so the code can lower them but never raise them back."""
    lower(resource.RLIMIT_CORE, 0)
    for name, which in RLIMITS:
        if name in limits:
            lower(which, int(limits[name]))
    if "cpuSeconds" in limits:
        # SIGXCPU at the soft limit ends the process; the hard one, a second later, is SIGKILL. The
        # daemon puts it past its own SIGKILL, so that its escalation ends code on one core first.
        cpu = int(limits["cpuSeconds"])
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard != resource.RLIM_INFINITY:
            cpu = min(cpu, hard - 1)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def lower(which, value):
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def execute(source, displays, module=None):
    """Runs source as the body of __main__, like a notebook cell; returns the outcome.

    The module is a fresh one, or a context's, whose globals outlive the cell.
    """
    if module is None:
        module = types.ModuleType("__main__")
        module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    # Registered so that tracebacks and inspect show the code's own lines.
    linecache.cache[CODE_FILENAME] = (len(source), None, source.splitlines(True), CODE_FILENAME)
    try:
        try:
            has_value, value = interpreterd_display.run_cell(source, module.__dict__, CODE_FILENAME)
            if has_value:
                displays.result(value)
        finally:
            # Figures still open at the end are shown, as a notebook does after every cell.
            displays.show_figures()
    except SystemExit as exc:
        return exit_outcome(exc)
    except BaseException as exc:
        return error_outcome(exc)
    return {"outcome": "ok"}


def exit_outcome(exc):
    """Mirrors how Python turns SystemExit into an exit status."""
    code = exc.code
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:
        try:
            print(code, file=sys.stderr)
        except Exception:
            pass
        status = 1
    return {"outcome": "exit", "code": status}


def error_outcome(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in RUNNER_FILES:
        tb = tb.tb_next
    try:
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:
        text = f"{type(exc).__name__}: <traceback could not be formatted>\n"
    return {"outcome": "error", "name": type(exc).__name__, "value": capped(safe_str(exc), MAX_ERROR_VALUE_CHARS),
            "traceback": capped_lines(text.splitlines())}


def capped(text, limit):
    return text if len(text) <= limit else text[:limit] + TRUNCATED_MARK


def capped_lines(lines):
    """A traceback bounded in size: long lines cut, and the middle of a very long one left out."""
    lines = [capped(line, MAX_TRACEBACK_LINE_CHARS) for line in lines]
    if len(lines) <= MAX_TRACEBACK_LINES:
        return lines
    half = MAX_TRACEBACK_LINES // 2
    return lines[:half] + [f"… [{len(lines) - 2 * half} lines left out]"] + lines[-half:]


def safe_str(exc):
    try:
        return str(exc)
    except BaseException:
        return f"<{type(exc).__name__} str() failed>"


def flush_standard_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


if __name__ == "__main__":
    sys.exit(main(sys.argv))
