"""What the benchmark executes, and the one answer each execution must give."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """Python code sent to the daemon, with the exact stdout a correct execution prints."""

    name: str
    code: str
    expected_stdout: str


PRINT_42 = Case("print(42)", "print(42)", "42\n")

# Imports a handful of stdlib modules that are not preloaded by a bare interpreter start, and uses
# each one, so the cost of importing (and what a preloading daemon saves) shows in the numbers.
STDLIB_IMPORTS = Case(
    "stdlib imports",
    "import json, re, datetime, decimal, asyncio\n"
    "async def answer():\n"
    "    await asyncio.sleep(0)\n"
    "    return 42\n"
    "data = json.loads(json.dumps({'n': asyncio.run(answer())}))\n"
    "word = re.match(r'(\\w+)', 'stdlib works').group(1)\n"
    "day = datetime.date(2024, 2, 29).isoformat()\n"
    "total = decimal.Decimal('0.1') + decimal.Decimal('0.2')\n"
    "print(data['n'], word, day, total)\n",
    "42 stdlib 2024-02-29 0.3\n",
)

HTTP_CASES = (PRINT_42, STDLIB_IMPORTS)

# print(42) again, one request every PACE_SECONDS at concurrency 1: an assistant thinks between
# calls, which gives a warm pool the time to refill, unlike back-to-back requests.
PACE_SECONDS = 0.1
PACED_NAME = "print(42) 100 ms apart"

# The baseline: what one execution would cost without any daemon, a bare interpreter start.
BARE_SPAWN_NAME = "bare python -c"
BARE_SPAWN_ARGS = ("-c", "print(42)")
BARE_SPAWN_STDOUT = b"42\n"

# print(42) in one context of the daemon's, an interpreter that lives between executions, at
# concurrency 1: the daemon's counterpart of the Jupyter kernel below.
CONTEXT_NAME = "print(42) in a context"

# Another reference: print(42) sent to a running Jupyter kernel of the same interpreter.
JUPYTER_NAME = "print(42) in a Jupyter kernel"


def flood_code(mebibytes: int) -> str:
    """Code that writes `mebibytes` MiB of 'x' straight to fd 1, past any sane output cap."""
    return f"import os\nb=b'x'*(1<<20)\nfor _ in range({mebibytes}): os.write(1,b)"
