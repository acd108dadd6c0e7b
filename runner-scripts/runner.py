"""The interpreterd runner's entry point; the runner itself is the package interpreterd_runner next to it.

The daemon starts it as ``python3 -c BOOTSTRAP RUNNER_DIR CONTROL_SOCKET DAEMON_PID [--zygote …]
[--hide PATH …]``, where BOOTSTRAP puts RUNNER_DIR first on sys.path, imports this module (so that
its compiled code is cached beside it) and calls main() with those arguments, RUNNER_DIR standing
for the program's name; ``python3 runner.py CONTROL_SOCKET DAEMON_PID …`` does the same. Importing
it imports every module of the package, as it must: a box covers this directory before any code
runs (see interpreterd_runner).
"""

import sys

from interpreterd_runner.start import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
