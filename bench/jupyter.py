"""A Jupyter kernel of the daemon's interpreter, as a reference: the round trip of one execute request.

Needs jupyter_client in the python3 running the benchmark and ipykernel in the daemon's interpreter;
`skip_reason()` says what is missing. The kernel runs as the benchmark's user.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from callers import EXECUTION_TIMEOUT_SECONDS, WrongAnswer
from cases import Case

try:
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
except ImportError:
    KernelManager = None

KERNEL_NAME = "interpreterd-bench"
KERNEL_READY_TIMEOUT_SECONDS = 60
PROBE_TIMEOUT_SECONDS = 30
INSTALL_HINT = ("on Debian `apt-get install python3-jupyter-client python3-ipykernel` and run the benchmark"
                " with /usr/bin/python3, elsewhere `pip install jupyter_client ipykernel`")


def skip_reason(python: str) -> str | None:
    """Why no kernel can be measured here, with what to install; None when one can."""
    if KernelManager is None:
        return f"{sys.executable} cannot import jupyter_client; {INSTALL_HINT}"
    try:
        probe = subprocess.run([python, "-c", "import ipykernel"], stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=PROBE_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"could not ask {python} for ipykernel: {error}"
    if probe.returncode != 0:
        return f"{python} cannot import ipykernel; {INSTALL_HINT}"
    return None


def kernel_spec(python: str) -> dict:
    """A kernel spec that starts ipykernel with `python`, the interpreter the daemon's code runs with."""
    return {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({python})",
        "language": "python",
        # Only silences ipykernel's warning that its debugger meets frozen modules; nothing is debugged.
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }


class JupyterKernel:
    """One kernel, started and answering on entering, shut down on leaving whatever happened between."""

    def __init__(self, python: str):
        self._python = python
        self._spec_dir: tempfile.TemporaryDirectory | None = None
        self._manager = None

    def __enter__(self) -> "JupyterKernel":
        self._spec_dir = tempfile.TemporaryDirectory(prefix="interpreterd-bench-kernels-")
        try:
            spec_path = Path(self._spec_dir.name) / KERNEL_NAME / "kernel.json"
            spec_path.parent.mkdir()
            spec_path.write_text(json.dumps(kernel_spec(self._python)), encoding="utf-8")
            specs = KernelSpecManager(kernel_dirs=[self._spec_dir.name], ensure_native_kernel=False)
            self._manager = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
            self._manager.start_kernel()
            # Waited for here, so that a kernel that cannot start fails with its own message.
            connected_client(self._manager).stop_channels()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._manager is not None and self._manager.has_kernel:
                self._manager.shutdown_kernel(now=False)
        finally:
            self._spec_dir.cleanup()

    def caller(self, case: Case) -> "KernelCaller":
        """A caller with its own client of this kernel."""
        return KernelCaller(self._manager, case)


def connected_client(manager):
    """A new client of the manager's kernel, once the kernel answers it (at most 60 s); the caller
    stops its channels. Waiting also lets its iopub subscription settle, so no output is lost."""
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=KERNEL_READY_TIMEOUT_SECONDS)
    except BaseException:
        client.stop_channels()
        raise
    return client


class KernelCaller:
    """Runs a case as one execute request: it ends with the kernel idle again and the reply in."""

    def __init__(self, manager, case: Case):
        self._code, self._expected = case.code, case.expected_stdout
        self._client = connected_client(manager)

    def call(self) -> None:
        streams = {"stdout": [], "stderr": []}

        def collect(message: dict) -> None:
            if message["msg_type"] == "stream":
                streams[message["content"]["name"]].append(message["content"]["text"])

        # Returns the execute_reply once iopub has said idle, so all the output is in by then.
        reply = self._client.execute_interactive(self._code, store_history=False, output_hook=collect,
                                                 timeout=EXECUTION_TIMEOUT_SECONDS)
        status, stdout, stderr = reply["content"]["status"], "".join(streams["stdout"]), "".join(streams["stderr"])
        if (status, stdout, stderr) != ("ok", self._expected, ""):
            raise WrongAnswer(f"status={status!r} stdout={stdout!r:.80} stderr={stderr!r:.200}"
                              f" error={reply['content'].get('evalue')!r:.200}")

    def close(self) -> None:
        self._client.stop_channels()
