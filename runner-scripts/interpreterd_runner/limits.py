"""Resource limits: set once before the code runs, and the CPU time of each job in a context."""

import resource

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


def rehearse_limits():
    """Sets every limit apply_limits touches to what it is already: the same steps, nothing changed."""
    for which in (resource.RLIMIT_CORE, resource.RLIMIT_CPU, *(which for _, which in RLIMITS)):
        resource.setrlimit(which, resource.getrlimit(which))


def lower(which, value):
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


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
