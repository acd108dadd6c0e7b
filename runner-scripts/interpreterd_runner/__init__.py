"""The interpreterd runner: runs Python code for the daemon, each execution in a fresh process.

The daemon starts ``runner.py``, the entry point next to this package, as ``python3 runner.py
CONTROL_SOCKET DAEMON_PID [--zygote …] [--hide PATH …]`` (or imports it and calls its main with
those arguments) and writes a one-line secret on its stdin. Each ``--hide`` names a file of the
daemon's own (its runner directory, token file, JNA directory) that the code's mount namespace
covers before any code runs in it. Two ways of running code share everything below the job:

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
sees the child's real wait status (exit code or signal), even for os._exit(). The frames and their
table are in the frames module. Standard library only.

One module per role:
    start       the command line, and the role it names: zygote, supervisor or a probe
    frames      the control protocol: its table, and how frames are written and read
    zygote      the fork server, which makes the boxes
    box         a box: its maker, and its init, which runs each job in a child
    supervisor  one execution without a box, as a child subreaper
    parent      the parent's side of a child: forking it, handing it the job, forwarding its events
    child       the child that takes a job and runs its code
    context     a context's child, which runs job after job in one interpreter
    execution   running the code in this process: pipes, environment, the cell itself, and the end
    display     rich results: values, display() and figures as MIME bundles
    outcomes    how the code ended, as reports and exit frames; tracebacks without the runner's frames
    sandbox     the last steps before the code runs: user switch, capabilities, memory pressure
    limits      resource limits
    namespaces  user, PID, mount and network namespaces
    hiding      covering the daemon's files in the code's mount namespace
    processes   the processes below this one: finding, killing and reaping them; dying with the parent
    kernel      Linux's numbers, and the libc calls the os module lacks
    codes       the exit codes of the runner's own processes

Importing runner.py imports every module: a box covers the runner directory, and the child may
switch to a user that cannot read it, before any code runs.
"""
