"""The layering of docs/architecture.md, checked on every import of the package (function-level ones too).

A room imports only the rooms listed for it below (the rooms under it). An import that must go the other
way — a real cycle, or a picture of a lower room drawn by a higher one — stays inside a function and carries a
``# layering: <reason>`` comment; anything else is a back-arrow and fails this test.
"""

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parent.parent / "src" / "gradlab"
LOW = {"core", "ops", "transforms", "check", "nn", "optim", "data"}
ALLOWED = {
    "core": set(),
    "ops": {"core"},
    "transforms": {"core", "ops"},
    "check": {"core", "ops", "transforms"},
    "nn": {"core", "ops"},
    "optim": {"core", "ops"},
    "data": {"core", "ops"},
    "io": {"core", "ops", "nn"},
    "train": {"core", "ops", "transforms", "check", "nn", "optim", "data", "io"},
    "explainer": {"core", "ops", "transforms", "check", "nn", "data", "train"},
    "symbolic": {"core", "ops", "transforms", "check"},
    "grading": {"core", "ops", "transforms", "check", "nn", "data", "train", "explainer", "symbolic"},
    "viz": {"core", "ops", "transforms", "check", "nn", "optim", "data", "io", "train", "explainer"},
    "web": {"core", "ops", "transforms", "check", "nn", "optim", "data", "io", "train", "explainer", "symbolic",
                "viz", "grading"},
    "app": {"core", "ops", "transforms", "check", "nn", "optim", "data", "io", "train", "explainer", "symbolic", "viz",
            "grading", "web"},
    "cli": {"app"},
}
ROOM_OF_FILE = {"_kernels": "core", "_trainloop": "core", "__version__": "core"}  # the compiled kernels and the version belong to core


def _room(parts):
    name = parts[0]
    return ROOM_OF_FILE.get(name, name)


def _imports():
    """(file, line, importing room, imported dotted name, source line) for every gradlab import in the package."""
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if len(parts) == 1 and parts[0] in ("__init__", "__main__"):
            continue  # the package façade and `python -m gradlab` sit above everything
        package = ["gradlab", *parts[:-1]]
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module] if node.module else [f"{module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                if name == "gradlab" or name.startswith("gradlab."):
                    yield path, node.lineno, _room(parts), name, lines[node.lineno - 1]


def test_no_room_imports_a_room_above_it():
    back = []
    for path, line, room, name, source in _imports():
        target = name.split(".")
        if len(target) == 1:
            back.append(f"{path.relative_to(SRC)}:{line}: the package façade `import gradlab` from {room}")
            continue
        target_room = ROOM_OF_FILE.get(target[1], target[1])
        if target_room == room or target_room in ALLOWED[room] or "# layering:" in source:
            continue
        back.append(f"{path.relative_to(SRC)}:{line}: {room} imports {name}")
    assert not back, "back-arrows:\n" + "\n".join(back)


def test_every_room_is_placed():
    rooms = {_room(p.relative_to(SRC).parts) for p in SRC.rglob("*.py") if len(p.relative_to(SRC).parts) > 1}
    assert rooms <= set(ALLOWED), rooms - set(ALLOWED)


def test_the_library_never_imports_the_jobs_or_the_commands():
    for path, line, room, name, source in _imports():
        if room not in ("app", "cli"):
            assert not name.startswith(("gradlab.app", "gradlab.cli")), f"{path}:{line}"


DOC = SRC.parent.parent / "docs" / "architecture.md"


def test_the_rooms_table_of_the_architecture_page_is_the_layering_enforced_here():
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in ALLOWED:
            rows[cells[0]] = set() if cells[2] == "—" else {c.strip() for c in cells[2].split(",")}
    assert rows == ALLOWED


def test_every_source_file_over_400_lines_is_explained_on_the_architecture_page():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Files longer than 400 lines"):]
    long = [p.relative_to(SRC.parent).as_posix() for p in SRC.rglob("*.py")
            if len(p.read_text(encoding="utf-8").splitlines()) > 400]
    missing = [name for name in long if f"`{name}`" not in section]
    assert not missing, f"say why these are longer than 400 lines in docs/architecture.md: {missing}"


def test_function_level_imports_of_gradlab_say_why():
    """Rooms are imported at the top; an import inside a function names its reason (layering, cycle, lazy)."""
    unexplained = []
    for path in sorted(SRC.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for fn in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom):
                    internal = node.level > 0 or (node.module or "").startswith("gradlab")
                elif isinstance(node, ast.Import):
                    internal = any(a.name.startswith("gradlab") for a in node.names)
                else:
                    continue
                said = lines[node.lineno - 1] + lines[node.lineno - 2]
                if internal and not any(m in said for m in ("# layering:", "# cycle:", "# lazy:")):
                    unexplained.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not unexplained, unexplained
