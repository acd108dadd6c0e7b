"""The interpreterd runner's entry point; the runner itself is the package interpreterd_runner next to it.

The daemon starts it as ``python3 runner.py CONTROL_SOCKET DAEMON_PID [--zygote …] [--hide PATH …]``,
or imports it and calls main() with the same arguments. Importing it imports every module of the
package, as it must: a box covers this directory before any code runs (see interpreterd_runner).
"""

import sys

from interpreterd_runner.start import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
