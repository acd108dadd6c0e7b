"""The runner as the daemon installs and starts it: runner.py and its package, imported whole at start."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import runner
from interpreterd_runner import start

RUNNER_SCRIPTS = os.path.dirname(os.path.abspath(runner.__file__))
PACKAGE = os.path.join(RUNNER_SCRIPTS, "interpreterd_runner")

# As the daemon imports the runner: the runner directory first on the path, then main(argv).
IMPORT = "import sys; sys.path[0] = sys.argv[1]; import runner\n"


class InstalledRunner(unittest.TestCase):
    """A copy of the runner in a directory of its own, as the daemon installs it."""

    def setUp(self):
        self.directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.directory, True)
        shutil.copy(os.path.join(RUNNER_SCRIPTS, "runner.py"), self.directory)
        os.mkdir(os.path.join(self.directory, "interpreterd_runner"))
        for name in self.modules():
            shutil.copy(os.path.join(PACKAGE, name), os.path.join(self.directory, "interpreterd_runner"))

    @staticmethod
    def modules():
        return sorted(name for name in os.listdir(PACKAGE) if name.endswith(".py"))

    def python(self, *args):
        result = subprocess.run([sys.executable, "-B", *args], capture_output=True, text=True, timeout=60,
                                cwd=self.directory)
        self.assertEqual("", result.stderr)
        return result


class ImportTest(InstalledRunner):

    def test_importing_the_entry_point_imports_every_module_of_the_package(self):
        script = IMPORT + ("import json\n"
                           "print(json.dumps(sorted(name for name in sys.modules"
                           " if name.split('.')[0] == 'interpreterd_runner')))\n")
        loaded = json.loads(self.python("-c", script, self.directory).stdout)
        expected = ["interpreterd_runner." + name[:-3] for name in self.modules() if name != "__init__.py"]
        self.assertEqual(sorted(expected + ["interpreterd_runner"]), loaded)

    def test_the_runner_needs_none_of_its_files_once_imported(self):
        # What a box does: the runner directory is covered before the code runs.
        script = IMPORT + ("import json, shutil\n"
                           "shutil.rmtree(sys.argv[1])\n"
                           "from interpreterd_runner import display, execution, frames\n"
                           "sent = []\n"
                           "displays = display.Displays(lambda kind, data: sent.append([kind, data]))\n"
                           "displays.install()\n"
                           "ok = execution.execute('display(1)\\n2', displays)\n"
                           "error = execution.execute('def f():\\n    1 / 0\\n\\nf()', displays)\n"
                           "frame = frames.encode_frame(error)\n"
                           "print(json.dumps([ok, sent, error, frames.take_frames(bytearray(frame))]))\n")
        ok, sent, error, decoded = json.loads(self.python("-c", script, self.directory).stdout)
        self.assertFalse(os.path.exists(self.directory))
        self.assertEqual({"outcome": "ok"}, ok)
        self.assertEqual([["display", {"text/plain": "1"}], ["result", {"text/plain": "2"}]], sent)
        self.assertEqual("ZeroDivisionError", error["name"])
        self.assertEqual('  File "<code>", line 4, in <module>', error["traceback"][1])
        self.assertEqual([error], decoded)

    def test_the_runner_takes_only_its_own_two_names_among_top_level_modules(self):
        script = IMPORT + ("import json\n"
                           "print(json.dumps(sorted(name for name, module in list(sys.modules.items())"
                           " if '.' not in name and (getattr(module, '__file__', None) or '')"
                           ".startswith(sys.argv[1] + '/'))))\n")
        names = json.loads(self.python("-c", script, self.directory).stdout)
        self.assertEqual(["interpreterd_runner", "runner"], names)

    def test_run_as_a_script_it_is_a_probe_of_the_daemons_start(self):
        result = self.python(os.path.join(self.directory, "runner.py"), "--probe-user", str(os.getuid()),
                             str(os.getgid()), "/")
        self.assertEqual((0, ""), (result.returncode, result.stdout))

    def test_its_main_is_the_start_modules(self):
        self.assertIs(start.main, runner.main)


if __name__ == "__main__":
    unittest.main()
