"""The end of a box's job: the child says it is done, and what it says reaches the daemon."""

import atexit
import json
import os
import sys
import threading
import unittest

from interpreterd_runner import execution, network
from interpreterd_runner.kernel import CLONE_NEWNS
from interpreterd_runner.namespaces import unshare_alone_or_as_own_user
from interpreterd_runner.frames import encode_frame, send_reports, take_frames
from interpreterd_runner.outcomes import exit_frame
from interpreterd_runner.timeline import Timeline
from tests.forked import result_of, status_of


class ExitFrameTest(unittest.TestCase):

    def test_the_report_is_the_last_report_never_the_done_that_follows_it(self):
        reports = [{"event": "report", "outcome": "error", "name": "E"}, {"event": "done", "exitCode": 1}]
        frame = exit_frame(7, 1 << 8, reports, False)
        self.assertEqual({"event": "report", "outcome": "error", "name": "E"}, frame["report"])
        self.assertEqual(1, frame["exitCode"])
        self.assertNotIn("timeline", frame)

    def test_a_timeline_travels_in_the_frame(self):
        timeline = Timeline()
        timeline.mark("answered")
        frame = exit_frame(7, 0, [{"event": "report", "outcome": "ok"}], False, timeline)
        self.assertEqual(["answered"], list(frame["timeline"]["stamps"]))
        self.assertEqual(["answered"], list(frame["timeline"]["faults"]))
        json.dumps(frame)


class TimelineTest(unittest.TestCase):

    def test_marks_keep_the_monotonic_clock_and_the_faults_so_far(self):
        timeline = Timeline()
        timeline.mark("a")
        pages = bytearray(64 * 4096)  # touching fresh memory takes page faults
        for i in range(0, len(pages), 4096):
            pages[i] = 1
        timeline.mark("b")
        self.assertLessEqual(timeline.stamps["a"], timeline.stamps["b"])
        self.assertLessEqual(timeline.faults["a"], timeline.faults["b"])

    def test_merge_takes_another_process_marks(self):
        ours, theirs = Timeline(), Timeline()
        ours.mark("jobTaken")
        theirs.mark("done")
        ours.merge(json.loads(json.dumps(theirs.as_frame())))
        self.assertEqual({"jobTaken", "done"}, set(ours.stamps))


class SendReportsTest(unittest.TestCase):

    def test_several_frames_arrive_in_one_read(self):
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        send_reports(w, {"event": "report", "outcome": "ok"}, {"event": "done", "exitCode": 0})
        os.close(w)
        buffer = bytearray(os.read(r, 65536))
        self.assertEqual(["report", "done"], [f["event"] for f in take_frames(buffer)])


class EndsQuietlyTest(unittest.TestCase):

    def test_a_process_without_handlers_or_threads_ends_quietly(self):
        def child():
            atexit._clear()  # what the test process registered, which a fresh child has not
            return execution.ends_quietly()

        self.assertTrue(result_of(child))

    def test_an_atexit_handler_or_another_thread_is_the_codes_own_end(self):
        def with_handler():
            atexit._clear()
            atexit.register(lambda: None)
            return execution.ends_quietly()

        def with_thread():
            done = threading.Event()
            threading.Thread(target=done.wait, daemon=True).start()
            quiet = execution.ends_quietly()
            done.set()
            return quiet

        self.assertFalse(result_of(with_handler))
        self.assertFalse(result_of(with_thread))


class FinishTest(unittest.TestCase):

    def test_the_end_says_done_with_the_status_after_the_report_and_lets_go_of_the_output(self):
        def child(fd):
            out_r, out_w = os.pipe()
            os.dup2(out_w, 1)
            os.close(out_w)
            timeline = Timeline()
            timeline.mark("jobRead")
            atexit.register(lambda: print("from atexit", flush=True))
            try:
                execution.finish(3, fd, timeline, {"event": "report", "outcome": "exit", "code": 3})
            finally:
                # Not reached: finish() ends the process. What follows is only for a broken finish().
                os._exit(99)

        status, data = status_of(child)
        self.assertEqual(3, os.waitstatus_to_exitcode(status))
        frames = take_frames(bytearray(data))
        self.assertEqual(["report", "done"], [f["event"] for f in frames])
        self.assertEqual(3, frames[1]["exitCode"])
        self.assertEqual({"jobRead", "done"}, set(frames[1]["timeline"]["stamps"]))


class WarmUpTest(unittest.TestCase):

    def test_the_warm_up_leaves_the_output_the_path_and_the_environment_as_they_were(self):
        def child():
            out_r, out_w = os.pipe()
            os.dup2(out_w, 1)
            before = (os.fstat(1).st_ino, list(sys.path), dict(os.environ))
            execution.warm_up()
            after = (os.fstat(1).st_ino, list(sys.path), {k: v for k, v in os.environ.items() if k != "MPLBACKEND"})
            os.close(1)
            os.close(out_w)
            leaked = os.read(out_r, 4096).decode()
            return [before[0] == after[0], before[1] == after[1],
                    {k: v for k, v in before[2].items() if k != "MPLBACKEND"} == after[2], leaked]

        self.assertEqual([True, True, True, ""], result_of(child))


    def test_the_warm_up_stops_once_the_job_is_there(self):
        def child():
            job_r, job_w = os.pipe()
            os.write(job_w, b"job")
            main = sys.modules["__main__"]
            execution.warm_up((lambda: os.write(job_w, b" rehearsed"),), job_r)
            untouched = sys.modules["__main__"] is main
            os.close(job_w)
            return [untouched, os.read(job_r, 100).decode()]

        self.assertEqual([True, "job"], result_of(child))

    def test_the_warm_up_walks_every_step_while_nobody_waits(self):
        def child():
            job_r, job_w = os.pipe()
            main = sys.modules["__main__"]
            execution.warm_up((lambda: os.write(job_w, b"rehearsed"),), job_r)
            replaced = sys.modules["__main__"] is not main
            os.close(job_w)
            return [replaced, os.read(job_r, 100).decode()]

        self.assertEqual([True, "rehearsed"], result_of(child))


class NetworkTest(unittest.TestCase):

    def test_a_job_with_network_lets_go_of_the_boxes_namespace_and_stays_where_it_is(self):
        def child():
            fd = os.open("/proc/self/ns/net", os.O_RDONLY)
            before = os.readlink("/proc/self/ns/net")
            isolate_later = network.enter_network({"network": True}, fd)
            closed = not os.path.exists(f"/proc/self/fd/{fd}")
            return [isolate_later, closed, before == os.readlink("/proc/self/ns/net")]

        self.assertEqual([False, True, True], result_of(child))

    def test_a_job_without_network_enters_the_boxes_namespace_where_it_may(self):
        def child():
            if os.geteuid() != 0:
                # As a box without root does: in a user namespace of its own, where it may.
                try:
                    unshare_alone_or_as_own_user(CLONE_NEWNS, "a user namespace")
                except OSError:
                    return "no namespace can be made here"
            made = network.make_box_network()
            if made is None:
                return "no namespace can be made here"
            box = os.readlink(f"/proc/self/fd/{made}")
            isolate_later = network.enter_network({"network": False}, made)
            return [isolate_later, os.readlink("/proc/self/ns/net") == box]

        answer = result_of(child)
        if answer == "no namespace can be made here":
            self.skipTest("this machine lets this user make no network namespace, not even in a user namespace of its own")
        self.assertEqual([False, True], answer)


if __name__ == "__main__":
    unittest.main()
