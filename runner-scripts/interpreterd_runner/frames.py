"""The control protocol: what the daemon and the runner's processes say to each other, and how.

Frames on the control socket and on the child's report pipe are a 4-byte big-endian length
followed by that many bytes of UTF-8 JSON.

The control protocol (the daemon's Frame records mirror this table):
    from      to        event     fields
    daemon    zygote    box       secret, pipes           fork a new box; pipes: the one directory of the
                                                          runner's that it keeps, where its output pipes are
    box/sup.  daemon    hello     secret, pid, [error]    first frame; pid as the daemon sees it; error:
                                                          why the runner could not become what it was
                                                          asked to be (then it exits)
    daemon    box/sup.  cgroup    procs                   join these cgroups before any code runs
    daemon    box/sup.  job       code, env, cwd, limits, network, user, [stdout, stderr, warm]
    daemon    box/sup.  signal    signal                  signal the code's process group
    daemon    box       context   stdout, stderr, env, cwd, limits, network, user
                                                          make this box a context's: one child for every job
    daemon    box       run       code, env, cpuSeconds, marker
                                                          a context's job; marker ends its output on both pipes
    box/sup.  daemon    started   pid                     the child took the job
    box/sup.  daemon    display   kind, data              a result or display() of the code
    box/sup.  daemon    warning   message                 for the daemon's log
    box/sup.  daemon    exit      pid, exitCode, signal, report, alive, signalled, [timeline]
                                                          alive: a context's child lives on;
                                                          signalled: a signal the daemon asked
                                                          for reached the code while it ran;
                                                          timeline: when the box's steps came
    zygote    daemon    reaped    pid, exitCode, signal   a box's init ended

On a child's report pipe to its init (or supervisor), in the same framing:
    started                       the child took the job (the init adds the child's pid for the daemon)
    display   kind, data          a result or display() of the code, passed on as it is
    report    outcome, ...        how the code ended: ok, an error with its traceback, an exit code
    done      exitCode, timeline  a box child has ended the way a script ends and let go of its
                                  output; a report not sent yet comes in the same write. The init
                                  answers at once when nothing else is left in the box.
"""

import json
import os
import socket
import struct

FRAME_HEADER = struct.Struct(">I")
# Below the daemon's own limit (16 MiB): reports and displays are capped well under it.
MAX_FRAME_BYTES = 12 * 1024 * 1024


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


def send_reports(fd, *messages):
    """Writes the frames of several messages in one write, so that the reader wakes once for all."""
    data = b"".join(encode_frame(message) for message in messages)
    while data:
        data = data[os.write(fd, data):]


def send_report(fd, message):
    data = encode_frame(message)
    while data:
        data = data[os.write(fd, data):]


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
