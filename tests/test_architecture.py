"""The layout's rules, checked by parsing the source: which layer may import which, size limits, one home per fact."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"bridge": "smartdj.bridge", "engine": "smartdj.engine", "models": "smartdj.models",
            "reaper_scripts": "smartdj.reaper_scripts", "smartdj": "smartdj"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
# The REAPER-side settings may read the environment (REAPER runs outside the engine's config).
ENV_ALLOWED = {"engine/config.py"}
# Files REAPER runs directly: the bootstrap puts its own folder on sys.path.
SYS_PATH_ALLOWED_PREFIX = "reaper_scripts/"
# engine modules that may load the neural parts (inside functions only).
MODEL_GATES = ("engine/execution/diffusion.py", "engine/execution/separation", "engine/planning/alm.py",
               "engine/planning/reader.py",
               "engine/cli/", "engine/bench/")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80
PROTOCOL = "bridge/protocol.py"
BRIDGE_SIBLINGS = {"protocol", "language"}


def product_files() -> list[str]:
    out = []
    for top in PACKAGES:
        for p in sorted((ROOT / top).rglob("*.py")):
            rel = p.relative_to(ROOT).as_posix()
            if "/.venv/" in rel or "__pycache__" in rel:
                continue
            out.append(rel)
    return out


@cache
def tree(rel: str) -> ast.Module:
    return ast.parse((ROOT / rel).read_text(encoding="utf-8"), filename=rel)


def module_name(rel: str) -> str:
    top, *rest = Path(rel).with_suffix("").parts
    parts = [PACKAGES[top], *rest]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(rel: str) -> list[tuple[str, bool]]:
    """(absolute module imported, inside a function?) for every import in a file."""
    found: list[tuple[str, bool]] = []
    pkg = module_name(rel).rsplit(".", 0 if rel.endswith("__init__.py") else 1)[0]

    def visit(node: ast.AST, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, in_func) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = pkg.split(".")
                    base = base[: len(base) - child.level + 1]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                found.append((mod, in_func))
                found.extend((f"{mod}.{a.name}", in_func) for a in child.names)
            visit(child, inner)

    visit(tree(rel), False)
    return found


def top(mod: str) -> str:
    return mod.split(".")[0]


def test_bridge_imports_neither_engine_nor_models():
    for rel in product_files():
        if rel.startswith("bridge/"):
            bad = [m for m, _ in imports(rel) if m.startswith(("smartdj.engine", "smartdj.models"))]
            assert not bad, f"{rel} imports {bad}"


@pytest.mark.parametrize("rel", ["bridge/language.py", "bridge/protocol.py", "bridge/reaper_client.py"])
def test_what_reaper_loads_is_standard_library_only(rel):
    for mod, _ in imports(rel):
        if mod.startswith("smartdj.bridge.") or top(mod) in BRIDGE_SIBLINGS:
            continue  # its siblings (bare names in REAPER's plain copy), each held to the same rule
        assert top(mod) in STDLIB, f"{rel} imports {mod}, which is not in the standard library"


def test_models_import_only_the_edit_language_from_outside():
    for rel in product_files():
        if not rel.startswith("models/"):
            continue
        for mod, _ in imports(rel):
            if mod.startswith("smartdj") and not mod.startswith(("smartdj.models", "smartdj.bridge.language")):
                raise AssertionError(f"{rel} imports {mod}; models/ may use only smartdj.bridge.language")


def test_engine_loads_models_only_lazily_and_only_through_its_gates():
    for rel in product_files():
        if not rel.startswith("engine/"):
            continue
        for mod, in_func in imports(rel):
            if not mod.startswith("smartdj.models"):
                continue
            assert rel.startswith(MODEL_GATES), f"{rel} imports {mod}; only {MODEL_GATES} may"
            assert in_func, f"{rel} imports {mod} at module level; import it inside the function that needs it"


def test_no_product_file_imports_tests_or_edits_sys_path():
    for rel in product_files():
        for mod, _ in imports(rel):
            assert top(mod) not in {"tests", "conftest", "reaper_double"}, f"{rel} imports {mod}"
        if rel.startswith(SYS_PATH_ALLOWED_PREFIX):
            continue
        for node in ast.walk(tree(rel)):
            if isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name) \
                    and node.value.id == "sys":
                raise AssertionError(f"{rel}:{node.lineno} touches sys.path")


def _reaper_settings_files() -> set[str]:
    return {rel for rel in product_files() if rel.startswith("reaper_scripts/") and "settings" in Path(rel).stem}


def test_environment_is_read_only_by_the_config_module():
    allowed = ENV_ALLOWED | _reaper_settings_files()
    for rel in product_files():
        if rel in allowed:
            continue
        for node in ast.walk(tree(rel)):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                raise AssertionError(f"{rel}:{node.lineno} reads os.{node.attr}; go through smartdj.engine.config")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "SMARTDJ_" in node.value \
                    and not _is_docstring(rel, node):
                raise AssertionError(f"{rel}:{node.lineno} names an environment variable; config.py owns them")


def _docstrings(rel: str) -> set[int]:
    ids = set()
    for node in ast.walk(tree(rel)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _is_docstring(rel: str, node: ast.Constant) -> bool:
    return id(node) in _docstrings(rel)


def test_files_and_functions_stay_small():
    big_files, big_funcs = [], []
    for rel in product_files():
        n = len((ROOT / rel).read_text(encoding="utf-8").splitlines())
        if n > MAX_FILE_LINES:
            big_files.append(f"{rel} ({n} lines)")
        for node in ast.walk(tree(rel)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    big_funcs.append(f"{rel}:{node.lineno} {node.name} ({length} lines)")
    assert not big_files and not big_funcs, f"over {MAX_FILE_LINES} lines: {big_files}; " \
                                            f"functions over {MAX_FUNCTION_LINES}: {big_funcs}"


def test_every_module_says_why_it_exists():
    for rel in product_files():
        doc = ast.get_docstring(tree(rel))
        assert doc and doc.strip(), f"{rel} has no opening line saying why it exists"


def _protocol_facts() -> tuple[set[str], set[int]]:
    strings, ints = set(), set()
    for node in ast.walk(tree(PROTOCOL)):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and ("tcp://" in node.value or node.value in ("queued", "running")):
                strings.add(node.value)
            elif isinstance(node.value, int) and not isinstance(node.value, bool) and 1024 <= node.value <= 65535:
                ints.add(node.value)
    return strings, ints


def test_endpoints_ports_and_job_states_are_written_only_in_the_protocol():
    strings, _ = _protocol_facts()
    assert any("tcp://" in s for s in strings), "the protocol module should define the default endpoint"
    ports = {5557, 9000}
    for rel in product_files():
        if rel == PROTOCOL or rel.startswith("reaper_scripts/") and rel.endswith("_settings.py"):
            continue
        for node in ast.walk(tree(rel)):
            if not isinstance(node, ast.Constant) or _is_docstring(rel, node):
                continue
            v = node.value
            if isinstance(v, str):
                assert "tcp://127.0.0.1" not in v and "tcp://*" not in v, f"{rel}:{node.lineno} writes an endpoint"
                assert v not in ("queued", "running"), f"{rel}:{node.lineno} writes the job state {v!r}"
            elif isinstance(v, int) and not isinstance(v, bool):
                assert v not in ports, f"{rel}:{node.lineno} writes the port {v}"


def test_reaper_action_files_match_their_template():
    from smartdj.reaper_scripts import actions  # the one list of actions and the template renderer

    for name in actions.ACTIONS:
        path = ROOT / "reaper_scripts" / actions.script_name(name)
        assert path.read_text(encoding="utf-8") == actions.render(name), \
            f"{path.name} differs from its template; run `python -m smartdj.reaper_scripts.actions --write`"
    index = ROOT / "reaper_scripts" / "index.xml"
    assert index.read_text(encoding="utf-8") == actions.render_index(), "index.xml is stale; regenerate it"


_NO_TORCH = r"""
import json, sys, tempfile
from pathlib import Path
from smartdj.engine.cli.main import build_parser, main
build_parser().format_help()
code = main(["edit", "--local", "--scene", sys.argv[1], "remove the sound of dog barking",
             "--out-dir", tempfile.mkdtemp(), "--json"])
print(json.dumps({"code": code, "torch": "torch" in sys.modules, "transformers": "transformers" in sys.modules}))
"""


def test_help_and_a_rules_composer_job_never_import_torch(tmp_path):
    import numpy as np
    import soundfile as sf

    sr = 16000
    rng = np.random.default_rng(0)
    for name in ("dog", "rain"):
        sf.write(tmp_path / f"{name}.wav", (rng.standard_normal(sr) * 0.1).astype("float32"), sr)
    scene = {"sample_rate": sr, "seconds": 1.0, "sources": [
        {"path": str(tmp_path / "dog.wav"), "label": "dog barking", "at": "left", "db": 0.0, "offset": 0.0},
        {"path": str(tmp_path / "rain.wav"), "label": "rain falling", "at": "front", "db": 0.0, "offset": 0.0}]}
    (tmp_path / "scene.json").write_text(json.dumps(scene))
    out = subprocess.run([sys.executable, "-c", _NO_TORCH, str(tmp_path / "scene.json")], capture_output=True,
                         text=True, timeout=120)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "torch": False, "transformers": False}, out.stderr[-2000:]
