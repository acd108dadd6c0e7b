"""Rich results for the interpreterd runner, as a notebook cell gives them.

- The value of a final expression statement becomes a "result" (unless it is None, or the line ends
  with a semicolon), instead of being thrown away.
- display(obj) is a builtin that sends obj as a "display".
- Both travel as MIME bundles: always text/plain (the repr, capped), plus whatever the object offers
  through _repr_mimebundle_ and the _repr_*_ methods IPython knows.
- When the code uses matplotlib, the Agg backend is forced; plt.show() and the figures still open
  at the end become image/png displays.

Standard library only: matplotlib and pandas are touched only when the code itself imported them.
"""

import ast
import base64
import builtins
import importlib.machinery
import io
import json
import sys

MAX_TEXT_CHARS = 64 * 1024
# One display must fit in a frame to the daemon; bigger bundles keep only their text.
MAX_BUNDLE_CHARS = 4 * 1024 * 1024
TRUNCATED_MARK = "… [truncated]"

# (method, MIME type, whether the method returns bytes to be base64-encoded)
REPR_METHODS = (
    ("_repr_html_", "text/html", False),
    ("_repr_markdown_", "text/markdown", False),
    ("_repr_svg_", "image/svg+xml", False),
    ("_repr_png_", "image/png", True),
    ("_repr_jpeg_", "image/jpeg", True),
    ("_repr_json_", "application/json", False),
    ("_repr_latex_", "text/latex", False),
)


def run_cell(source, namespace, filename):
    """Runs source in namespace; returns (True, value) for a final expression, else (False, None)."""
    tree = compile(source, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or ends_with_semicolon(source, last):
        exec(compile(tree, filename, "exec", dont_inherit=True), namespace)
        return False, None
    tree.body.pop()
    exec(compile(tree, filename, "exec", dont_inherit=True), namespace)
    expression = ast.Expression(last.value)
    return True, eval(compile(expression, filename, "eval", dont_inherit=True), namespace)


def ends_with_semicolon(source, statement):
    """IPython's rule: `x;` shows nothing."""
    lines = source.splitlines()
    end = getattr(statement, "end_lineno", statement.lineno)
    if end > len(lines):
        return False
    return lines[end - 1].split("#", 1)[0].rstrip().endswith(";")


def bundle(obj):
    """The MIME bundle of obj: text/plain always, richer types when obj offers them."""
    data = {}
    data.update(mimebundle_of(obj))
    for method, mime, binary in REPR_METHODS:
        if mime not in data:
            value = call_repr(obj, method)
            if value is not None:
                data[mime] = encode(value, binary, mime)
    if "image/png" not in data:
        png = figure_png(obj)
        if png is not None:
            data["image/png"] = png
    data["text/plain"] = capped(safe_repr(obj))
    return data


def mimebundle_of(obj):
    method = getattr(type(obj), "_repr_mimebundle_", None)
    if method is None:
        return {}
    try:
        result = obj._repr_mimebundle_(include=None, exclude=None)
    except Exception:
        return {}
    if isinstance(result, tuple):  # (data, metadata)
        result = result[0]
    if not isinstance(result, dict):
        return {}
    return {mime: encode(value, isinstance(value, bytes), mime) for mime, value in result.items()
            if isinstance(mime, str)}


def call_repr(obj, method):
    # Looked up on the type, as IPython does, so that a __getattr__ that answers everything is ignored.
    if getattr(type(obj), method, None) is None:
        return None
    try:
        value = getattr(obj, method)()
    except Exception:
        return None
    if isinstance(value, tuple):  # (data, metadata)
        value = value[0]
    return value


def encode(value, binary, mime):
    if binary or isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if (mime == "application/json" or mime.endswith("+json")) and not isinstance(value, str):
        return value if is_json(value) else safe_repr(value)
    return value if isinstance(value, str) else safe_repr(value)


def is_json(value):
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def safe_repr(obj):
    try:
        return repr(obj)
    except Exception as exc:
        return f"<repr of {type(obj).__name__} failed: {type(exc).__name__}>"


def capped(text):
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS] + TRUNCATED_MARK


# ---------------------------------------------------------------- matplotlib

def figure_png(obj):
    """A matplotlib Figure as base64 PNG, when matplotlib is loaded and obj is one."""
    figure_module = sys.modules.get("matplotlib.figure")
    if figure_module is None or not isinstance(obj, figure_module.Figure):
        return None
    buffer = io.BytesIO()
    try:
        obj.savefig(buffer, format="png", bbox_inches="tight")
    except Exception:
        return None
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class PyplotHook:
    """Replaces pyplot.show, as soon as the code imports pyplot, by one that displays the figures.

    A meta path finder needs only find_spec, and a loader only create_module and exec_module: plain
    classes, because importing importlib.abc would cost every execution milliseconds.
    """

    def __init__(self, show):
        self.show = show

    def find_spec(self, name, path, target=None):
        if name != "matplotlib.pyplot":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader, show = spec.loader, self.show

        class Loader:
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                loader.exec_module(module)
                module.show = show

        spec.loader = Loader()
        return spec


class Displays:
    """Turns values, display() calls and figures into frames, handed to send(kind, data)."""

    def __init__(self, send):
        self.send = send

    def install(self):
        builtins.display = self.display

        # A plain function, not a bound method: pyplot sets attributes such as __signature__ on it.
        def show(*args, **kwargs):
            self.show_figures()

        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:  # preloaded by a fork-server zygote
            pyplot.show = show
        else:
            sys.meta_path.insert(0, PyplotHook(show))

    def display(self, *objects, **ignored):
        for obj in objects:
            self.emit("display", obj)

    def result(self, value):
        if value is not None:
            self.emit("result", value)

    def emit(self, kind, obj):
        # Output printed before the display should reach the daemon before it, too.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        data = bundle(obj)
        size = sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())
        if size > MAX_BUNDLE_CHARS:
            data = {"text/plain": data["text/plain"] + f" [display of {size} characters left out: too large]"}
        self.send(kind, data)

    def show_figures(self, *args, **kwargs):
        """pyplot.show(): every open figure becomes a display, then is closed."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for number in list(pyplot.get_fignums()):
            self.emit("display", pyplot.figure(number))
        pyplot.close("all")
