"""The wheel's opt-in compiled build (docs/compiled.md).

``APPROUTE_COMPILE=1 pip install .`` (or ``python -m build --wheel``) compiles
the modules listed under ``[tool.hatch.build.targets.wheel.hooks.custom]``
``compile`` in pyproject.toml with mypyc, in a temporary folder, and adds each
extension next to its ``.py`` in the wheel: Python imports the extension, and
the source stays beside it. Without the variable, and for an editable install,
the wheel is the pure-Python package, and nothing here runs.

mypyc keeps only the signature of a compiled function or class as its
``__doc__``; the docstrings are written back into the generated C before it
is compiled (``_restore_docstrings``), so ``help()`` and ``__doc__`` read the
same on both builds.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ENABLE = "APPROUTE_COMPILE"
# mypyc ships with mypy; setuptools drives the C compiler.
_COMPILER = ["mypy>=1.13", "setuptools>=70"]


def _requested() -> bool:
    return os.environ.get(ENABLE, "") not in ("", "0")


class CompiledModules(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the listed modules with mypyc when ``APPROUTE_COMPILE=1``."""

    PLUGIN_NAME = "custom"

    def dependencies(self) -> list[str]:
        if not _requested():
            return []
        # mypy checks the compiled modules against everything they import
        # (redis, pydantic, msgspec too), as `make lint` does: without them
        # it fails, with them the types are the ones `make lint` checked.
        core = self.metadata.core
        return [*_COMPILER, *core.dependencies, *core.optional_dependencies.get("all", [])]

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._out: str | None = None
        if not _requested() or self.target_name != "wheel":
            return
        if version == "editable":
            self.app.display_warning(
                f"{ENABLE}: an editable install runs its sources; not compiled"
            )
            return
        modules = self.config.get("compile")
        if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
            raise TypeError(
                "[tool.hatch.build.targets.wheel.hooks.custom] compile: a list of paths"
            )
        self._out = tempfile.mkdtemp(prefix="approute-mypyc-")
        self.app.display_info(f"{ENABLE}: compiling {len(modules)} modules with mypyc")
        try:
            subprocess.run(
                [sys.executable, os.path.abspath(__file__), self.root, self._out, *modules],
                check=True,
            )
        except BaseException:
            shutil.rmtree(self._out, ignore_errors=True)
            raise
        lib = Path(self._out, "lib")
        for built in sorted(lib.rglob("*")):
            if built.suffix in (".so", ".pyd"):
                build_data["force_include"][str(built)] = built.relative_to(lib).as_posix()
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._out is not None:
            shutil.rmtree(self._out, ignore_errors=True)


def compile_modules(root: str, out: str, modules: list[str]) -> None:
    """mypyc ``modules`` (paths under ``root``) into ``out``/lib, one shared
    library (``approute__mypyc``) plus a small extension per module."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    os.chdir(root)  # mypy reads [tool.mypy] from pyproject.toml and finds the package here
    c_dir = os.path.join(out, "c")
    extensions = mypycify(
        [f"--cache-dir={os.path.join(out, 'mypy_cache')}", *modules],
        target_dir=c_dir,
        group_name="approute",
    )
    docs = {_module_name(path): _docstrings(Path(path)) for path in modules}
    for c_file in Path(c_dir).glob("*.c"):
        c_file.write_text(_restore_docstrings(c_file.read_text(), docs))
    runtime = _runtime_with_function_docs(os.path.join(out, "runtime"))
    for extension in extensions:
        extension.include_dirs.insert(0, runtime)  # found before mypyc's own copy
    os.chdir(out)  # nothing of setuptools reads the project's pyproject.toml
    dist = Distribution({"name": "approute", "ext_modules": extensions})
    build_ext: Any = dist.get_command_obj("build_ext")
    build_ext.build_lib = os.path.join(out, "lib")
    build_ext.build_temp = os.path.join(out, "tmp")
    build_ext.parallel = os.cpu_count() or 1
    dist.run_command("build_ext")


# -- docstrings -------------------------------------------------------------


class _Docs:
    """The docstrings of one module, as ``__doc__`` has them (uncleaned)."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = ast.get_docstring(tree, clean=False)
        self.functions: dict[str, str] = {}
        self.classes: dict[str, str | None] = {}
        self.members: dict[str, dict[str, str]] = {}
        self.class_lines: dict[int, str] = {}  # the `class` line -> the class's name
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                _keep(self.functions, node)
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = ast.get_docstring(node, clean=False)
                self.class_lines[node.lineno] = node.name
                members: dict[str, str] = {}
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        _keep(members, item)
                self.members[node.name] = members


def _keep(docs: dict[str, str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    # A property's setter and an @overload stub have none: keep the one that has.
    doc = ast.get_docstring(node, clean=False)
    if doc is not None and node.name not in docs:
        docs[node.name] = doc


def _docstrings(path: Path) -> _Docs:
    return _Docs(ast.parse(path.read_text(encoding="utf-8"), str(path)))


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".").replace(os.sep, ".")


def _c_string(text: str) -> str:
    # Octal escapes (a hex escape would swallow the hex digits after it), "?"
    # too (trigraphs); short pieces, as some compilers cap one literal's length.
    pieces = []
    for start in range(0, len(data := text.encode("utf-8")), 64):
        chunk = data[start : start + 64]
        escaped = "".join(
            chr(b) if 0x20 <= b < 0x7F and b not in b'"\\?' else f"\\{b:03o}" for b in chunk
        )
        pieces.append(f'"{escaped}"')
    return " ".join(pieces) or '""'


# mypyc's doc for a compiled callable: "name(signature)\n--\n\n" (the signature
# only) or NULL. CPython reads __text_signature__ from the part before
# "\n--\n\n" and __doc__ from what follows it: the docstring goes there.
_DOC = r'PyDoc_STR\((NULL|(?:"(?:[^"\\]|\\.)*"\s*)+)\)'
_MODULE_DEF = re.compile(
    r'static struct PyModuleDef (\w+)module = \{\s*PyModuleDef_HEAD_INIT,\s*"([\w.]+)",\s*'
    r"(NULL), /\* docstring \*/"
)
_METHODS = re.compile(r"static PyMethodDef (\w+)_methods\[\] = \{(.*?)\n\s*\};", re.S)
_METHOD = re.compile(r'\{"(\w+)",\s*\(PyCFunction\)\w+,\s*[\w |]+,\s*' + _DOC)
_GETSETS = re.compile(r"static PyGetSetDef (\w+)_getseters\[\] = \{(.*?)\n\s*\};", re.S)
_GETSET = re.compile(r'\{"(\w+)",\s*\(getter\)\w+,\s*(?:\(setter\)\w+|NULL),\s*(NULL),\s*NULL\}')
_TYPE = re.compile(r"static PyTypeObject CPyType_(\w+)_template_ = \{(.*?)\n\s*\};", re.S)
_TYPE_DOC = re.compile(r"\.tp_doc = " + _DOC)
_CORO = re.compile(
    r'CPyFunction_New\(CPyImport_GetModuleCache\(&CPyModule_(\w+)\), "[^"]*", "([\w.]+)", '
    r"\(PyCFunction\)\w+, [\w |]+, " + _DOC
)
# A class mypyc does not compile natively (a NamedTuple) gets this __doc__;
# the traceback line after it names the class's line.
_FILLER = re.compile(
    r"(cpy_r_\w+) = CPyStatics\[\d+\]; /\* 'mypyc filler docstring' \*/"
    r'(?=(?:(?!CPy_AddTraceback).)*CPy_AddTraceback\("([^"]+)", "<module>", (\d+),)',
    re.S,
)


def _with_doc(literal: str, doc: str | None) -> str:
    if doc is None:
        return f"PyDoc_STR({literal})"
    if literal == "NULL":
        return f"PyDoc_STR({_c_string(doc)})"
    return f"PyDoc_STR({literal} {_c_string(doc)})"


def _restore_docstrings(source: str, docs: dict[str, _Docs]) -> str:
    """Put each module's, class's, function's, method's and property's
    docstring where mypyc left only the signature."""
    prefixes: dict[str, _Docs] = {}

    def module_def(match: re.Match[str]) -> str:
        found = docs.get(match.group(2))
        if found is None:
            return match.group()
        prefixes[match.group(1)] = found
        doc = found.module
        start, end = match.span(3)
        text = match.group()
        new = "NULL" if doc is None else _c_string(doc)
        return text[: start - match.start()] + new + text[end - match.start() :]

    source = _MODULE_DEF.sub(module_def, source)
    ordered = sorted(prefixes, key=len, reverse=True)

    def owner(name: str) -> tuple[_Docs, str | None] | None:
        # "<prefix>module": the module's functions; "<prefix>___<Class>": a class.
        for prefix in ordered:
            if name == prefix + "module":
                return prefixes[prefix], None
            if name.startswith(prefix + "___"):
                return prefixes[prefix], name[len(prefix) + 3 :]
        return None

    def members(name: str) -> dict[str, str] | None:
        found = owner(name)
        if found is None:
            return None
        module, cls = found
        return module.functions if cls is None else module.members.get(cls)

    def methods(match: re.Match[str]) -> str:
        table = members(match.group(1))
        if table is None:
            return match.group()
        body = _METHOD.sub(
            lambda m: m.group().replace(
                f"PyDoc_STR({m.group(2)})", _with_doc(m.group(2), table.get(m.group(1)))
            ),
            match.group(2),
        )
        return match.group().replace(match.group(2), body)

    def getsets(match: re.Match[str]) -> str:
        table = members(match.group(1))
        if table is None:
            return match.group()

        def one(m: re.Match[str]) -> str:
            doc = table.get(m.group(1))
            if doc is None:
                return m.group()
            text = m.group()
            start = m.start(2) - m.start()
            return text[:start] + _c_string(doc) + text[start + 4 :]

        return match.group().replace(match.group(2), _GETSET.sub(one, match.group(2)))

    def type_doc(match: re.Match[str]) -> str:
        found = owner(match.group(1))
        if found is None or found[1] is None or found[1] not in found[0].classes:
            return match.group()
        doc = found[0].classes[found[1]]
        return _TYPE_DOC.sub(lambda m: _with_doc(m.group(1), doc), match.group())

    def coroutine(match: re.Match[str]) -> str:
        module = docs.get(match.group(1).replace("___", "."))
        if module is None:
            return match.group()
        owner_name, _, name = match.group(2).rpartition(".")
        table = module.members.get(owner_name, {}) if owner_name else module.functions
        literal = match.group(3)
        return match.group().replace(f"PyDoc_STR({literal})", _with_doc(literal, table.get(name)))

    def filler(match: re.Match[str]) -> str:
        module = docs.get(_module_name(match.group(2)))
        name = module.class_lines.get(int(match.group(3))) if module else None
        doc = module.classes.get(name) if module and name else None
        if doc is None:
            return match.group()
        # A new reference held for good: the class keeps its __doc__ anyway.
        return f"{match.group(1)} = PyUnicode_InternFromString({_c_string(doc)});"

    source = _METHODS.sub(methods, source)
    source = _GETSETS.sub(getsets, source)
    source = _TYPE.sub(type_doc, source)
    source = _CORO.sub(coroutine, source)
    return _FILLER.sub(filler, source)


# A compiled coroutine function is a "Function compiled with mypyc" object:
# its type has no __doc__ of its own (None for every function), so one that
# reads the docstring above is added to mypyc's runtime file, which the
# generated C #includes.
_WRAPPER = "function_wrapper.c"
_WRAPPER_GETSETS = "static PyGetSetDef CPyFunction_getsets[] = {\n"
_DOC_GETTER = """static PyObject* CPyFunction_get_doc(PyObject *op, void *context) {
    (void)context;
    const char *doc = ((PyCFunctionObject *)op)->m_ml->ml_doc;
    const char *rest = doc == NULL ? NULL : strstr(doc, "\\n--\\n\\n");
    if (rest != NULL) {
        doc = rest + 5;
    }
    if (doc == NULL || *doc == '\\0') {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(doc);
}

"""


def _runtime_with_function_docs(folder: str) -> str:
    from mypyc.build import include_dir
    from mypyc.common import RUNTIME_C_FILES

    text = Path(include_dir(), _WRAPPER).read_text(encoding="utf-8")
    if _WRAPPER not in RUNTIME_C_FILES or text.count(_WRAPPER_GETSETS) != 1:
        print(f"hatch_build: mypyc's {_WRAPPER} changed; coroutine docstrings not restored")
        return folder
    entry = '    {"__doc__", (getter)CPyFunction_get_doc, 0, 0, 0},\n'
    text = text.replace(_WRAPPER_GETSETS, _DOC_GETTER + _WRAPPER_GETSETS + entry)
    os.makedirs(folder, exist_ok=True)
    Path(folder, _WRAPPER).write_text(text, encoding="utf-8")
    return folder


if __name__ == "__main__":
    compile_modules(sys.argv[1], sys.argv[2], sys.argv[3:])
