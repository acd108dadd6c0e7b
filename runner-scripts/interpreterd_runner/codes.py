"""The exit codes of the runner's own processes (supervisor, box maker and init, a child without a job).

The daemon reads them only when no exit frame came, and then names them in the answer's error.value
("the worker's supervisor exited with status 4 ...").
"""

SUPERVISOR_OK = 0
SUPERVISOR_NO_JOB = 3
SUPERVISOR_ORPHANED = 4
SUPERVISOR_NO_BOX = 5
