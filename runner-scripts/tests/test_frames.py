"""The frames: how they are written, cut out of a buffer, and read from a socket or a pipe."""

import json
import os
import socket
import struct
import tempfile
import threading
import unittest
from unittest import mock

from interpreterd_runner import frames
from interpreterd_runner.frames import (FRAME_HEADER, MAX_FRAME_BYTES, connect, encode_frame, read_into, read_job,
                                        recv_frame, send_report, take_frames)


def raw_frame(payload):
    return struct.pack(">I", len(payload)) + payload


class EncodeFrameTest(unittest.TestCase):

    def test_a_frame_is_a_big_endian_length_then_compact_utf8_json(self):
        payload = '{"event":"warning","message":"déjà vu ✓"}'.encode("utf-8")
        self.assertEqual(raw_frame(payload), encode_frame({"event": "warning", "message": "déjà vu ✓"}))

    def test_a_string_that_utf8_cannot_carry_is_replaced_rather_than_refused(self):
        data = encode_frame({"message": "lone \ud800 surrogate"})
        (size,) = FRAME_HEADER.unpack_from(data)
        self.assertEqual(len(data) - FRAME_HEADER.size, size)
        self.assertEqual({"message": "lone ? surrogate"}, json.loads(data[FRAME_HEADER.size:]))


class TakeFramesTest(unittest.TestCase):

    def test_complete_frames_are_taken_and_a_torn_one_stays_for_later(self):
        third = encode_frame({"n": 3})
        buffer = bytearray(encode_frame({"n": 1}) + encode_frame({"n": 2}) + third[:7])
        self.assertEqual([{"n": 1}, {"n": 2}], take_frames(buffer))
        self.assertEqual(third[:7], bytes(buffer))
        buffer += third[7:]
        self.assertEqual([{"n": 3}], take_frames(buffer))
        self.assertEqual(b"", bytes(buffer))

    def test_a_header_alone_is_not_a_frame(self):
        buffer = bytearray(encode_frame({"n": 1})[:FRAME_HEADER.size - 1])
        self.assertEqual([], take_frames(buffer))
        self.assertEqual(FRAME_HEADER.size - 1, len(buffer))

    def test_an_empty_buffer_holds_no_frames(self):
        self.assertEqual([], take_frames(bytearray()))

    def test_a_frame_that_is_not_json_is_dropped_and_those_after_it_still_come(self):
        buffer = bytearray(raw_frame(b"{not json") + encode_frame({"n": 2}))
        self.assertEqual([{"n": 2}], take_frames(buffer))
        self.assertEqual(b"", bytes(buffer))


class RecvFrameTest(unittest.TestCase):

    def setUp(self):
        self.ours, self.theirs = socket.socketpair()
        self.addCleanup(self.ours.close)
        self.addCleanup(self.theirs.close)

    def test_frames_come_in_the_order_they_were_sent(self):
        self.theirs.sendall(encode_frame({"event": "job", "code": "1"}) + encode_frame({"event": "signal"}))
        self.assertEqual({"event": "job", "code": "1"}, recv_frame(self.ours))
        self.assertEqual({"event": "signal"}, recv_frame(self.ours))

    def test_a_frame_sent_in_pieces_is_read_whole(self):
        data = encode_frame({"event": "job", "code": "x" * 100_000})
        pieces = [data[:2], data[2:9], data[9:5000], data[5000:]]
        sender = threading.Thread(target=lambda: [self.theirs.sendall(piece) for piece in pieces])
        sender.start()
        self.addCleanup(sender.join)
        self.assertEqual({"event": "job", "code": "x" * 100_000}, recv_frame(self.ours))

    def test_the_end_of_the_connection_is_none(self):
        self.theirs.close()
        self.assertIsNone(recv_frame(self.ours))

    def test_a_connection_that_ends_inside_a_header_or_a_payload_is_none(self):
        for cut in (2, FRAME_HEADER.size + 3):
            with self.subTest(cut=cut):
                ours, theirs = socket.socketpair()
                with ours, theirs:
                    theirs.sendall(encode_frame({"event": "job"})[:cut])
                    theirs.close()
                    self.assertIsNone(recv_frame(ours))

    def test_a_frame_over_the_cap_is_none_and_its_payload_is_not_read(self):
        self.theirs.sendall(struct.pack(">I", MAX_FRAME_BYTES + 1) + b"{}")
        self.assertIsNone(recv_frame(self.ours))
        self.assertEqual(b"{}", self.ours.recv(16))

    def test_a_frame_of_exactly_the_cap_is_read(self):
        with mock.patch.object(frames, "MAX_FRAME_BYTES", 16):
            self.theirs.sendall(raw_frame(b'"0123456789abcd"'))
            self.assertEqual("0123456789abcd", recv_frame(self.ours))


class HelloTest(unittest.TestCase):

    def test_connect_says_hello_first_with_the_secret_the_pid_and_what_else_it_is_given(self):
        with tempfile.TemporaryDirectory() as directory, socket.socket(socket.AF_UNIX) as server:
            path = os.path.join(directory, "control.sock")
            server.bind(path)
            server.listen(1)
            with connect(path, "s3cret", 4321, error="no namespaces"):
                accepted, _ = server.accept()
                with accepted:
                    self.assertEqual({"event": "hello", "secret": "s3cret", "pid": 4321, "error": "no namespaces"},
                                     recv_frame(accepted))


class PipeFramesTest(unittest.TestCase):

    def setUp(self):
        self.r, self.w = os.pipe()
        self.addCleanup(self.close_all)

    def close_all(self):
        for fd in (self.r, self.w):
            try:
                os.close(fd)
            except OSError:
                pass

    def test_a_report_sent_on_the_pipe_is_read_back_as_the_job(self):
        send_report(self.w, {"event": "report", "outcome": "ok"})
        self.assertEqual({"event": "report", "outcome": "ok"}, read_job(self.r))

    def test_a_frame_bigger_than_the_pipe_buffer_is_sent_and_read_whole(self):
        job = {"event": "job", "code": "y" * (1 << 20)}
        writer = threading.Thread(target=send_report, args=(self.w, job))
        writer.start()
        self.addCleanup(writer.join)
        self.assertEqual(job, read_job(self.r))

    def test_the_end_of_the_pipe_before_or_inside_a_frame_is_none(self):
        self.assertIsNone(self.read_after(b""))
        self.assertIsNone(self.read_after(encode_frame({"event": "job"})[:3]))
        self.assertIsNone(self.read_after(encode_frame({"event": "job"})[:-1]))

    def read_after(self, data):
        r, w = os.pipe()
        try:
            os.write(w, data)
            os.close(w)
            return read_job(r)
        finally:
            os.close(r)

    def test_read_into_appends_what_the_pipe_holds_until_it_is_drained_or_ended(self):
        os.set_blocking(self.r, False)
        buffer = bytearray(b"ab")
        self.assertFalse(read_into(self.r, buffer), "an empty pipe that is still open")
        os.write(self.w, b"cd")
        self.assertTrue(read_into(self.r, buffer))
        self.assertEqual(b"abcd", bytes(buffer))
        os.close(self.w)
        self.assertFalse(read_into(self.r, buffer), "the end of the pipe")
        self.assertEqual(b"abcd", bytes(buffer))

    def test_read_into_drops_what_would_pass_the_cap_and_keeps_draining(self):
        buffer = bytearray(b"0123456789")
        os.write(self.w, b"abcdefgh")
        with mock.patch.object(frames, "MAX_FRAME_BYTES", 16):
            self.assertTrue(read_into(self.r, buffer))
        self.assertEqual(b"", bytes(buffer))
        os.write(self.w, b"ij")
        with mock.patch.object(frames, "MAX_FRAME_BYTES", 16):
            self.assertTrue(read_into(self.r, buffer))
        self.assertEqual(b"ij", bytes(buffer))


if __name__ == "__main__":
    unittest.main()
