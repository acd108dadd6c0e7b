"""Rich results: what a value, display() and a figure become, as MIME bundles."""

import base64
import builtins
import importlib.util
import sys
import unittest

from interpreterd_runner import display
from interpreterd_runner.display import (MAX_BUNDLE_CHARS, MAX_TEXT_CHARS, TRUNCATED_MARK, Displays, bundle,
                                         run_cell)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Rich:
    def __repr__(self):
        return "Rich()"

    def _repr_html_(self):
        return "<b>rich</b>"

    def _repr_markdown_(self):
        return ("**rich**", {"metadata": "dropped"})

    def _repr_png_(self):
        return PNG_MAGIC + b"pixels"

    def _repr_json_(self):
        return {"a": [1, 2]}

    def _repr_latex_(self):
        return None


class Bundled:
    def __repr__(self):
        return "Bundled()"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": "<i>bundled</i>", "image/jpeg": b"jpeg", "application/vnd.custom+json": {"k": 1}}, {}

    def _repr_html_(self):
        return "<i>not this one</i>"


class Failing:
    def __repr__(self):
        raise RuntimeError("no repr")

    def _repr_html_(self):
        raise ValueError("no html")


class AnswersEverything:
    def __getattr__(self, name):
        return lambda *args, **kwargs: "<p>made up</p>"

    def __repr__(self):
        return "AnswersEverything()"


class UnserializableJson:
    def _repr_json_(self):
        return {"set": {1, 2}}

    def __repr__(self):
        return "UnserializableJson()"


class BundleTest(unittest.TestCase):

    def test_a_plain_value_is_its_repr(self):
        self.assertEqual({"text/plain": "42"}, bundle(42))
        self.assertEqual({"text/plain": "'text'"}, bundle("text"))

    def test_the_repr_methods_add_their_types_with_binary_ones_in_base64(self):
        self.assertEqual({"text/plain": "Rich()", "text/html": "<b>rich</b>", "text/markdown": "**rich**",
                          "image/png": base64.b64encode(PNG_MAGIC + b"pixels").decode("ascii"),
                          "application/json": {"a": [1, 2]}}, bundle(Rich()))

    def test_a_mimebundle_comes_first_and_its_bytes_are_base64(self):
        self.assertEqual({"text/html": "<i>bundled</i>", "image/jpeg": base64.b64encode(b"jpeg").decode("ascii"),
                          "application/vnd.custom+json": {"k": 1}, "text/plain": "Bundled()"}, bundle(Bundled()))

    def test_methods_that_fail_are_left_out_and_a_failing_repr_is_described(self):
        self.assertEqual({"text/plain": "<repr of Failing failed: RuntimeError>"}, bundle(Failing()))

    def test_methods_are_looked_up_on_the_type_so_a_getattr_that_answers_everything_adds_nothing(self):
        self.assertEqual({"text/plain": "AnswersEverything()"}, bundle(AnswersEverything()))

    def test_json_that_json_cannot_carry_becomes_its_repr(self):
        self.assertEqual({"application/json": "{'set': {1, 2}}", "text/plain": "UnserializableJson()"},
                         bundle(UnserializableJson()))

    def test_a_long_repr_is_capped(self):
        text = bundle("x" * (MAX_TEXT_CHARS + 10))["text/plain"]
        self.assertEqual(MAX_TEXT_CHARS + len(TRUNCATED_MARK), len(text))
        self.assertTrue(text.endswith(TRUNCATED_MARK))


class RunCellTest(unittest.TestCase):

    def test_a_final_expression_is_the_cells_value(self):
        namespace = {}
        self.assertEqual((True, 7), run_cell("x = 3\nx + 4", namespace, "<code>"))
        self.assertEqual(3, namespace["x"])

    def test_a_semicolon_or_a_statement_at_the_end_gives_no_value(self):
        self.assertEqual((False, None), run_cell("x = 3\nx;", {}, "<code>"))
        self.assertEqual((False, None), run_cell("x = 3\nx;  # quiet", {}, "<code>"))
        self.assertEqual((False, None), run_cell("x = 3", {}, "<code>"))
        self.assertEqual((False, None), run_cell("", {}, "<code>"))

    def test_a_semicolon_inside_a_comment_does_not_count(self):
        self.assertEqual((True, 3), run_cell("x = 3\nx  # not;", {}, "<code>"))


class DisplaysTest(unittest.TestCase):

    def setUp(self):
        self.sent = []
        self.displays = Displays(lambda kind, data: self.sent.append((kind, data)))

    def test_a_result_is_sent_unless_it_is_none(self):
        self.displays.result(None)
        self.displays.result(5)
        self.assertEqual([("result", {"text/plain": "5"})], self.sent)

    def test_display_sends_each_object_as_a_display(self):
        self.displays.display(1, "two", metadata={"ignored": True})
        self.assertEqual([("display", {"text/plain": "1"}), ("display", {"text/plain": "'two'"})], self.sent)

    def test_a_bundle_too_large_for_a_frame_keeps_only_its_text(self):
        class Huge:
            def __repr__(self):
                return "Huge()"

            def _repr_html_(self):
                return "h" * (MAX_BUNDLE_CHARS + 1)

        self.displays.display(Huge())
        size = MAX_BUNDLE_CHARS + len("Huge()") + 1
        self.assertEqual([("display", {"text/plain": f"Huge() [display of {size} characters left out: too large]"})],
                         self.sent)

    def test_install_makes_display_a_builtin(self):
        had = hasattr(builtins, "display")
        saved_hooks = list(sys.meta_path)
        try:
            self.displays.install()
            builtins.display("shown")
        finally:
            sys.meta_path[:] = saved_hooks
            if not had:
                del builtins.display
        self.assertEqual([("display", {"text/plain": "'shown'"})], self.sent)


@unittest.skipUnless(importlib.util.find_spec("matplotlib"), "matplotlib is not installed for this python3")
class FiguresTest(unittest.TestCase):

    def setUp(self):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot
        self.pyplot = matplotlib.pyplot
        self.addCleanup(self.pyplot.close, "all")
        self.sent = []
        self.displays = Displays(lambda kind, data: self.sent.append((kind, data)))

    def test_a_figure_is_a_png(self):
        figure = self.pyplot.figure()
        figure.gca().plot([1, 2, 3])
        data = bundle(figure)
        self.assertTrue(base64.b64decode(data["image/png"]).startswith(PNG_MAGIC))
        self.assertTrue(data["text/plain"].startswith("<Figure size"), data["text/plain"])

    def test_show_sends_every_open_figure_and_closes_them(self):
        for _ in range(2):
            self.pyplot.figure().gca().plot([3, 1, 2])
        self.displays.show_figures()
        self.assertEqual(["display", "display"], [kind for kind, _ in self.sent])
        for _, data in self.sent:
            self.assertTrue(base64.b64decode(data["image/png"]).startswith(PNG_MAGIC))
        self.assertEqual([], self.pyplot.get_fignums())

    def test_installed_displays_replace_pyplot_show(self):
        saved_show, saved_hooks = self.pyplot.show, list(sys.meta_path)
        had = hasattr(builtins, "display")
        try:
            self.displays.install()
            self.pyplot.figure().gca().plot([1, 2])
            self.pyplot.show()
        finally:
            self.pyplot.show, sys.meta_path[:] = saved_show, saved_hooks
            if not had:
                del builtins.display
        self.assertEqual(1, len(self.sent))
        self.assertIn("image/png", self.sent[0][1])


class NoFigureTest(unittest.TestCase):

    def test_without_pyplot_loaded_there_are_no_figures_to_show(self):
        sent = []
        pyplot = sys.modules.pop("matplotlib.pyplot", None)
        try:
            Displays(lambda kind, data: sent.append(kind)).show_figures()
            self.assertIsNone(display.figure_png(object()))
        finally:
            if pyplot is not None:
                sys.modules["matplotlib.pyplot"] = pyplot
        self.assertEqual([], sent)


if __name__ == "__main__":
    unittest.main()
