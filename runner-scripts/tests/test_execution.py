"""Running the code: the cell's outcome, its traceback without the runner's frames, and the end."""

import atexit
import os
import sys
import threading
import time
import unittest
from unittest import mock

from interpreterd_runner import execution
from interpreterd_runner.context import use_environment, write_all
from interpreterd_runner.execution import CODE_FILENAME, execute, finish
from interpreterd_runner.outcomes import RUNNER_FILES
from tests.forked import status_of


class RecordedDisplays:
    """Stands in for display.Displays: keeps what the cell shows."""

    def __init__(self):
        self.results, self.figures_shown = [], 0

    def result(self, value):
        self.results.append(value)

    def show_figures(self):
        self.figures_shown += 1


class ExecuteTest(unittest.TestCase):

    def setUp(self):
        self.displays = RecordedDisplays()
        main = sys.modules["__main__"]
        self.addCleanup(sys.modules.__setitem__, "__main__", main)

    def test_a_cell_that_ends_is_ok_and_its_last_expression_is_its_result(self):
        self.assertEqual({"outcome": "ok"}, execute("x = 6\nx * 7", self.displays))
        self.assertEqual([42], self.displays.results)
        self.assertEqual(1, self.displays.figures_shown)

    def test_the_cell_runs_as_main_and_a_given_module_keeps_its_globals(self):
        module = type(sys)("__main__")
        execute("x = __name__", self.displays, module)
        execute("y = x + '!'", self.displays, module)
        self.assertIs(module, sys.modules["__main__"])
        self.assertEqual("__main__!", module.y)

    def test_sys_exit_is_an_exit_with_its_code(self):
        self.assertEqual({"outcome": "exit", "code": 3}, execute("import sys\nsys.exit(3)", self.displays))

    def test_an_error_shows_the_codes_frames_and_none_of_the_runners(self):
        caught = []
        real = execution.error_outcome
        with mock.patch.object(execution, "error_outcome", lambda exc: caught.append(exc) or real(exc)):
            outcome = execute("def f():\n    raise ValueError('bad')\n\nf()\n", self.displays)
        self.assertEqual(("error", "ValueError", "bad"), (outcome["outcome"], outcome["name"], outcome["value"]))
        lines = outcome["traceback"]
        self.assertEqual("Traceback (most recent call last):", lines[0])
        self.assertEqual(f'  File "{CODE_FILENAME}", line 4, in <module>', lines[1])
        self.assertIn(f'  File "{CODE_FILENAME}", line 2, in f', lines)
        self.assertIn("    raise ValueError('bad')", lines, "the code's own lines are shown")
        self.assertEqual("ValueError: bad", lines[-1])
        self.assertNoRunnerFile(lines)
        # The frames left out were there: execute() and the display module's run_cell.
        tb, files = caught[0].__traceback__, set()
        while tb is not None:
            files.add(os.path.basename(tb.tb_frame.f_code.co_filename))
            tb = tb.tb_next
        self.assertLessEqual({"execution.py", "display.py"}, files)

    def test_a_syntax_error_shows_the_codes_line_and_none_of_the_runners(self):
        outcome = execute("x = (1,\n", self.displays)
        self.assertEqual("SyntaxError", outcome["name"])
        self.assertIn(f'  File "{CODE_FILENAME}", line 1', outcome["traceback"])
        self.assertTrue(outcome["traceback"][-1].startswith("SyntaxError: "), outcome["traceback"])
        self.assertNoRunnerFile(outcome["traceback"])

    def test_a_keyboard_interrupt_is_an_error_like_any_other(self):
        outcome = execute("raise KeyboardInterrupt", self.displays)
        self.assertEqual(("error", "KeyboardInterrupt"), (outcome["outcome"], outcome["name"]))
        self.assertNoRunnerFile(outcome["traceback"])

    def assertNoRunnerFile(self, lines):
        text = "\n".join(lines)
        for path in RUNNER_FILES:
            self.assertNotIn(path, text)
        self.assertNotIn("interpreterd_runner", text)


class Finalized:
    """Writes a word on fd when it is finalized."""

    def __init__(self, fd, word):
        self.fd, self.word = fd, word

    def __del__(self):
        os.write(self.fd, self.word)


class FinishTest(unittest.TestCase):

    def test_it_exits_with_the_status_after_threads_atexit_and_the_codes_objects(self):
        def child(fd):
            module = type(sys)("__main__")
            module.kept = Finalized(fd, b"finalized;")
            sys.modules["__main__"] = module
            atexit.register(os.write, fd, b"atexit;")
            threading.Thread(target=lambda: (time.sleep(0.1), os.write(fd, b"thread;"))).start()
            finish(5)

        status, data = status_of(child)
        self.assertEqual(5, os.waitstatus_to_exitcode(status))
        self.assertEqual(b"thread;atexit;finalized;", data)

    def test_it_leaves_the_main_module_the_runner_started_under_alone(self):
        def child(fd):
            execution.RUNNER_MAIN.__dict__["kept"] = Finalized(fd, b"finalized;")
            sys.modules["__main__"] = execution.RUNNER_MAIN
            finish(0)

        status, data = status_of(child)
        self.assertEqual(0, os.waitstatus_to_exitcode(status))
        self.assertEqual(b"", data)

    def test_the_runners_main_module_is_the_one_it_was_imported_under(self):
        self.assertIsNotNone(execution.RUNNER_MAIN)
        self.assertEqual("__main__", execution.RUNNER_MAIN.__name__)


class EnvironmentTest(unittest.TestCase):

    def test_an_executions_envs_are_set_and_then_undone(self):
        names = ("INTERPRETERD_TEST_SET", "INTERPRETERD_TEST_GONE", "INTERPRETERD_TEST_NEW")
        saved_outside = {name: os.environ.pop(name, None) for name in names}
        self.addCleanup(use_environment, saved_outside)
        os.environ["INTERPRETERD_TEST_SET"] = "before"
        os.environ["INTERPRETERD_TEST_GONE"] = "here"
        saved = use_environment({"INTERPRETERD_TEST_SET": "during", "INTERPRETERD_TEST_GONE": None,
                                 "INTERPRETERD_TEST_NEW": "new"})
        self.assertEqual(("during", None, "new"), tuple(os.environ.get(name) for name in names))
        use_environment(saved)
        self.assertEqual(("before", "here", None), tuple(os.environ.get(name) for name in names))

    def test_write_all_writes_everything_and_a_pipe_nobody_reads_is_no_error(self):
        r, w = os.pipe()
        writer = threading.Thread(target=lambda: (write_all(w, b"m" * (1 << 20)), os.close(w)))
        writer.start()
        with os.fdopen(r, "rb") as pipe:
            self.assertEqual(b"m" * (1 << 20), pipe.read())
        writer.join()
        r, w = os.pipe()
        os.close(r)
        write_all(w, b"to nobody")
        os.close(w)


if __name__ == "__main__":
    unittest.main()
