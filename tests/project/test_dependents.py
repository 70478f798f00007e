"""The reverse index of the project's imports (macslint.project.dependents): which files'
models may use a file's layer constructions. It may over-approximate (a dependent whose
models use none of them only costs time), but must never miss an import Python follows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

import pytest

from macslint.project import dependents as index
from macslint.project.dependents import dependents


def tree(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def names(root: Path, file: str) -> List[str]:
    return [p.relative_to(root.resolve()).as_posix() for p in dependents(root / file)]


PACKAGE = {
    "pkg/__init__.py": "from .blocks import Block\nfrom .heads import Head\n",
    "pkg/blocks.py": "import torch.nn as nn\nclass Block(nn.Module): pass\n",
    "pkg/heads.py": "import torch.nn as nn\nclass Head(nn.Module): pass\n",
}


@pytest.mark.parametrize("importer, depends", [
    ("from .blocks import Block\n", True),
    ("from pkg.blocks import Block\n", True),
    ("from . import blocks\n", True),
    ("import pkg.blocks\n", True),
    ("import pkg.blocks as b\n", True),
    ("from pkg import Block\n", True),  # re-exported by pkg/__init__.py
    ("from pkg import *\n", True),
    ("from pkg import Head\n", False),  # pkg/__init__.py takes Head from heads.py only
    ("import pkg\nx = pkg.Head\n", False),
    ("import pkg\nx = pkg.Block\n", True),
    ("import pkg\nrun(pkg)\n", True),  # the package itself as a value: any of its names
    ("def f():\n    from .blocks import Block\n", True),  # an import inside a function
    ("try:\n    from .blocks import Block\nexcept ImportError:\n    pass\n", True),
    ("import torch\n", False),
    # wherever a statement can stand (the index walks statement lists only)
    ("match x:\n    case 1:\n        from .blocks import Block\n", True),
    ("with a:\n    from .blocks import Block\n", True),
    ("try:\n    pass\nfinally:\n    from .blocks import Block\n", True),
    ("try:\n    pass\nexcept E:\n    pass\nelse:\n    from .blocks import Block\n", True),
    ("for i in x:\n    pass\nelse:\n    from .blocks import Block\n", True),
    ("while x:\n    pass\nelse:\n    from .blocks import Block\n", True),
    ("class A:\n    def f(self):\n        from .blocks import Block\n", True),
    ("f = lambda: 1\nif a:\n    pass\nelif b:\n    from .blocks import Block\n", True),
    ("async def f():\n    async with a:\n        from .blocks import Block\n", True),
])
def test_who_imports_a_file(tmp_path, importer, depends):
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": importer})
    assert ("pkg/model.py" in names(root, "pkg/blocks.py")) is depends


def test_dependents_through_other_files(tmp_path):
    root = tree(tmp_path, {
        **PACKAGE,
        "pkg/stage.py": "from .blocks import Block\nclass Stage: pass\n",
        "pkg/model.py": "from .stage import Stage\n",
        "train.py": "from pkg.model import Stage\n",  # beside the package: imports it
        "scripts/run.py": "from pkg.model import Stage\n",  # not a package: cannot import it
    })
    assert names(root, "pkg/blocks.py") == [
        "pkg/__init__.py", "pkg/model.py", "pkg/stage.py", "train.py"]
    assert names(root, "pkg/heads.py") == ["pkg/__init__.py"]  # no one takes Head from it


def test_a_file_never_depends_on_itself_and_cycles_end(tmp_path):
    root = tree(tmp_path, {"a.py": "from b import x\n", "b.py": "from a import y\n"})
    assert names(root, "a.py") == ["b.py"]
    assert names(root, "b.py") == ["a.py"]


def test_the_index_follows_edits(tmp_path):
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": "import torch\n"})
    assert names(root, "pkg/blocks.py") == ["pkg/__init__.py"]
    model = root / "pkg/model.py"
    model.write_text("from .blocks import Block\n# longer\n")
    os.utime(model, ns=(1, 10**18))  # a new mtime, whatever the clock's granularity
    assert names(root, "pkg/blocks.py") == ["pkg/__init__.py", "pkg/model.py"]
    (root / "pkg/extra.py").write_text("from .blocks import Block\n")
    assert "pkg/extra.py" in names(root, "pkg/blocks.py")


def test_installed_packages_and_huge_trees_are_not_indexed(tmp_path, monkeypatch):
    root = tree(tmp_path, {
        **PACKAGE, "pkg/model.py": "from .blocks import Block\n",
        "venv/lib/site-packages/other/m.py": "from pkg.blocks import Block\n",
        "site-packages/x.py": "from pkg.blocks import Block\n",
        ".hidden/y.py": "from pkg.blocks import Block\n",
    })
    assert names(root, "pkg/blocks.py") == ["pkg/__init__.py", "pkg/model.py"]
    monkeypatch.setattr(index, "MAX_FILES", 3)  # past the bound: no index, no dependents
    assert dependents(root / "pkg/blocks.py") == []


def test_code_that_does_not_parse_imports_nothing(tmp_path):
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": "from .blocks import (\n"})
    assert names(root, "pkg/blocks.py") == ["pkg/__init__.py"]


def test_an_import_too_long_to_be_a_file_name_imports_nothing(tmp_path):
    """`import a.a.a...` 10,000 deep is valid Python; its path is too long for the file
    system (OSError: File name too long), which is no file, not a crash."""
    deep = ".".join(["a"] * 10_000)
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": f"import {deep}\nfrom .blocks import B\n"})
    assert names(root, "pkg/blocks.py") == ["pkg/__init__.py", "pkg/model.py"]


def test_a_dotted_import_stops_at_the_first_part_that_is_no_module_nor_directory(tmp_path):
    """`import a.a.a...` 30,000 deep: each prefix was looked up (quadratic in the depth,
    minutes); nothing below a name that is neither a module nor a directory can be found."""
    from macslint.project.imports import ImportResolver, import_edges

    root = tree(tmp_path, {**PACKAGE, "ns/deep/mod.py": "", "pkg/model.py": ""})
    resolver = ImportResolver(root / "pkg/model.py")
    looked: List[str] = []
    find = resolver.find

    def counted(module, level, importer):
        looked.append(module)
        return find(module, level, importer)

    resolver.find = counted  # type: ignore[method-assign]
    deep = ".".join(["a"] * 30_000)
    assert list(import_edges(f"import {deep}\n", root / "pkg/model.py", resolver)) == []
    assert looked == ["a"]
    # a namespace package (a directory without __init__.py) is still gone through
    edges = list(import_edges("import ns.deep.mod\n", root / "pkg/model.py", resolver))
    assert [p.relative_to(root).as_posix() for p, _ in edges] == ["ns/deep/mod.py"]


def test_an_import_of_a_file_that_appears_later_is_found(tmp_path):
    """Where an import leads depends on which files exist: an importer unchanged since its
    import led nowhere depends on the file once it is there."""
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": "from .util import f\n"})
    assert names(root, "pkg/blocks.py") == ["pkg/__init__.py"]  # the index is built
    (root / "pkg/util.py").write_text("def f(): pass\n")
    assert names(root, "pkg/util.py") == ["pkg/model.py"]


class DictStore:
    """A store as the result cache is one, in memory; counts what is read and written."""

    def __init__(self):
        self.data, self.reads, self.writes = {}, 0, 0

    def get_data(self, name):
        self.reads += 1
        return self.data.get(name)

    def put_data(self, name, value):
        self.writes += 1
        self.data[name] = value


def new_process(monkeypatch):
    """What a new process knows: nothing of the trees indexed before."""
    monkeypatch.setattr(index, "_TABLES", {})
    monkeypatch.setattr(index, "_INDEXES", {})


def parsed(monkeypatch) -> List[str]:
    """The files whose imports are read from here on."""
    read: List[str] = []
    edges = index._edges

    def counted(path):
        read.append(Path(path).name)
        return edges(path)

    monkeypatch.setattr(index, "_edges", counted)
    return read


def test_a_store_keeps_the_imports_read_for_the_next_process(tmp_path, monkeypatch):
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": "from .blocks import Block\n"})
    store = DictStore()
    new_process(monkeypatch)
    assert dependents(root / "pkg/blocks.py", store) == dependents(root / "pkg/blocks.py")
    assert store.writes == 1 and len(store.data) == 1
    dependents(root / "pkg/heads.py", store)  # the same tree, unchanged: nothing written
    assert store.writes == 1
    new_process(monkeypatch)
    read = parsed(monkeypatch)
    assert names_with(root, "pkg/blocks.py", store) == ["pkg/__init__.py", "pkg/model.py"]
    assert read == []  # every file's imports came from the store
    # an edit: that file alone is read again, and the store is brought up to date
    model = root / "pkg/model.py"
    model.write_text("import torch\n# longer than before\n")
    os.utime(model, ns=(1, 10**18))
    new_process(monkeypatch)
    assert names_with(root, "pkg/blocks.py", store) == ["pkg/__init__.py"]
    assert read == ["model.py"] and store.writes == 2


def names_with(root: Path, file: str, store) -> List[str]:
    return [p.relative_to(root.resolve()).as_posix() for p in dependents(root / file, store)]


def test_a_store_of_other_files_is_not_used(tmp_path, monkeypatch):
    """A file added (or gone) may change where any import leads: a table kept for other
    files is read again whole."""
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": "from .util import f\n"})
    store = DictStore()
    new_process(monkeypatch)
    assert names_with(root, "pkg/blocks.py", store) == ["pkg/__init__.py"]
    (root / "pkg/util.py").write_text("def f(): pass\n")
    new_process(monkeypatch)
    read = parsed(monkeypatch)
    assert names_with(root, "pkg/util.py", store) == ["pkg/model.py"]
    assert sorted(read) == ["__init__.py", "blocks.py", "heads.py", "model.py", "util.py"]


@pytest.mark.parametrize("kept", [
    "not a table", {"x.py": "no entry"}, None,
    lambda table: {path: ((1.5, size), edges) for path, ((_, size), edges) in table.items()},
    lambda table: {path: (signature, "ab") for path, (signature, _) in table.items()},
    lambda table: {path: (signature, ((5, None),)) for path, (signature, _) in table.items()},
    lambda table: {path: (signature, (("a.py", ((1, "b"),)),))
                   for path, (signature, _) in table.items()},
])
def test_a_table_the_store_gives_malformed_is_read_again(tmp_path, monkeypatch, kept):
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": "from .blocks import Block\n"})
    store = DictStore()
    new_process(monkeypatch)
    dependents(root / "pkg/blocks.py", store)
    [name] = store.data
    store.data[name] = kept(store.data[name]) if callable(kept) else kept
    new_process(monkeypatch)
    read = parsed(monkeypatch)
    assert names_with(root, "pkg/blocks.py", store) == ["pkg/__init__.py", "pkg/model.py"]
    assert len(read) == 4


def test_trees_indexed_ahead_are_not_read_again(tmp_path, monkeypatch):
    """`macslint check` indexes the trees while its workers analyse: `dependents` then reads
    no file's imports."""
    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": "from .blocks import Block\n"})
    new_process(monkeypatch)
    index.index_trees([root / "pkg/heads.py", root / "pkg/model.py"])
    read = parsed(monkeypatch)
    assert names(root, "pkg/blocks.py") == ["pkg/__init__.py", "pkg/model.py"]
    assert read == []


def test_a_head_start_that_fails_loses_nothing(tmp_path, monkeypatch):
    """`check` indexes the imports while its workers analyse; if that fails, the results
    are all there and the index is made when the uses need it."""
    from macslint import service

    root = tree(tmp_path, {**PACKAGE, "pkg/model.py": "from .blocks import Block\n"})
    monkeypatch.chdir(root)

    def broken(files, store=None):
        raise OSError("no index here")

    monkeypatch.setattr(service, "index_trees", broken)
    run = service.check_paths(["pkg"], {}, jobs=2)
    assert [r.report.path for r in run.results] == [
        "pkg/__init__.py", "pkg/blocks.py", "pkg/heads.py", "pkg/model.py"]
