"""A content-addressed cache of file results, so a re-run reads instead of analysing.

The key is a hash of everything a result depends on that is known before analysing: the
file's bytes, its name as displayed, the effective settings and macslint's own code. The
entry also lists the other project files the analysis looked for (imports), each with the
hash of its content or None if it was absent; the entry is used only while they are all
unchanged. Entries are written atomically (a temporary file renamed into place), so runs in
parallel processes (pre-commit, `-j`) never read half an entry; an entry that cannot be read
is ignored and written again. Beside results, plain data is kept under a name (`put_data`,
`.data` entries: the project's imports, project.dependents), signed and read back the same way.

The cache lives in the working tree, where a pull request can put files, so an entry is
data only and signed: JSON (`results.codec`), which reads back only the classes of results
listed here (`CODEC`) and never runs code, with an HMAC-SHA256 of the key and the JSON by
a secret of 32 random bytes kept outside any repository, in the user's cache directory
(`$XDG_CACHE_HOME/macslint/secret`, else `~/.cache/macslint/secret`, mode 0600). An entry
whose signature does not verify (written elsewhere, or forged) is a miss, and is written
again. Without a secret that can be read or created (a read-only home), the cache is off: it
is neither read nor written, and the run goes on. A result holding a value the codec does
not write is not cached.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from . import __version__
from .config import Settings
from .costmodel import LAYERS, Args, LayerSpec, ShapeTuple
from .engine import FileResult, check_data, check_file
from .evaluator.values import Unknown
from .files import read_regular_file
from .results.codec import Codec, Kind, Unencodable, class_name

DEFAULT_DIR = ".macslint_cache"
FORMAT = 3  # bump when the entry layout changes
SUFFIX = ".json"
DATA_SUFFIX = ".data"  # plain data kept under a name (`put_data`), not a file's result


PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def code_fingerprint(package: Path = PACKAGE) -> str:
    """macslint's own code: its version and each module's size and mtime, so an edited
    checkout (an editable install) never reads results of older code."""
    digest = hashlib.sha256(f"{__version__}\0{FORMAT}".encode())
    for module in sorted(package.rglob("*.py")):  # the subpackages too
        stat = module.stat()
        name = module.relative_to(package).as_posix()
        digest.update(f"\0{name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def settings_key(settings: Settings) -> str:
    """The settings as text that is the same in every process (no set order, no ids)."""
    parts = []
    for f in dataclasses.fields(settings):
        value: Any = getattr(settings, f.name)
        if f.name == "models":
            value = tuple((name, tuple(sorted(entry.items()))) for name, entry in value)
        elif f.name == "cli_fixed":
            value = tuple(sorted(value))
        parts.append(f"{f.name}={value!r}")
    return "\0".join(parts)


# path -> (mtime_ns, size, hash): the files many entries depend on are hashed once per run.
# Emptied when a run starts (`ResultCache()`), so an edit between runs that keeps a file's
# size and lands within the file system's timestamp granularity is still seen.
_HASHES: Dict[str, Tuple[int, int, str]] = {}


def _content_hash(path: str) -> Optional[str]:
    try:
        stat = os.stat(path)
        known = _HASHES.get(path)
        if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        digest = hashlib.sha256(read_regular_file(path)).hexdigest()
    except OSError:
        return None  # absent (or unreadable): it must stay so for the entry to hold
    if len(_HASHES) >= 10_000:
        _HASHES.clear()
    _HASHES[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


# ---------------------------------------------------------------------------
# The entries: results as data (results.codec), with only these classes in them

def _layer_spec_name(spec: LayerSpec) -> str:
    if LAYERS.get(spec.name) is not spec:
        raise Unencodable(f"a layer spec outside the catalogue: {spec.name}")
    return spec.name


def _args(cls: type, values: Any) -> Args:
    if type(values) is not dict or not all(type(name) is str for name in values):
        raise TypeError("arguments are not a dict of names")
    return cls(values)


def _unknown(cls: type, reason: Any) -> Any:
    if type(reason) is not str:
        raise TypeError("an unknown value's reason is not a string")
    return cls(reason)


def _fraction(cls: type, state: Any) -> Fraction:
    numerator, denominator = state
    if type(numerator) is not int or type(denominator) is not int:
        raise TypeError("a fraction of non-integers")
    return cls(numerator, denominator)


def _shape_tuple(cls: type, items: Any) -> ShapeTuple:
    if type(items) is not tuple:
        raise TypeError("a ShapeTuple of no tuple")
    return cls(items)


def _tensor(cls: type, state: Any) -> Any:
    """A tensor a layer's constructor was given (a loss's `weight`): its shape and dtype."""
    shape, dtype = state
    if type(shape) is not tuple or not all(type(d) is int for d in shape) \
            or not (dtype is None or type(dtype) is str):
        raise TypeError("a tensor of no shape")
    return cls(shape, 0, dtype=dtype)


def _valued_tensor(cls: type, state: Any) -> Any:
    """A tensor of known items given to a constructor (`weight=torch.ones(3)`): its shape and
    dtype; its items, which no result reports, are not kept."""
    tensor = _tensor(lambda shape, line, dtype: (shape, dtype), state)
    return cls(tensor[0], 0, Unknown("the items are not kept in the cache"), tensor[1])


# Every class a cached result may hold, by name (a class of torchnn, which imports libcst, is
# imported only when an entry holds one). A new class of results goes here too; a result
# holding a class that is not listed is not cached (tests/core/test_cache_security.py
# checks that the fixtures' results all are).
CODEC = Codec(
    dataclasses_=[
        "macslint.engine:FileResult",
        "macslint.results.report:FileReport",
        "macslint.results.report:LayerReport",
        "macslint.results.findings:Finding",
        "macslint.results.traces:ModelTrace",
        "macslint.results.traces:LayerCall",
        "macslint.results.traces:OpCall",
        "macslint.results.traces:ShapeIssue",
        "macslint.results.traces:SiteUse",
        "macslint.results.sites:LayerSite",
        "macslint.config:Settings",
        "macslint.builds:Build",
        "macslint.inputs:InputSpec",
        "macslint.units:Increase",
        "macslint.results.traces:NotBuilt",
    ],
    kinds=[
        Kind(class_name(LayerSpec), _layer_spec_name, lambda cls, name: LAYERS[name]),
        Kind(class_name(Args), lambda args: args.values, _args),
        Kind(class_name(ShapeTuple), tuple, _shape_tuple),
        Kind("macslint.torchnn.values:Tensor", lambda t: (t.shape, t.dtype), _tensor),
        Kind("macslint.torchnn.values:ValuedTensor", lambda t: (t.shape, t.dtype),
             _valued_tensor),
        Kind(class_name(Fraction), lambda q: (q.numerator, q.denominator), _fraction),
        *(Kind(name, lambda value: value.reason, _unknown)
          for name in (class_name(Unknown), "macslint.torchnn.values:Untraced",
                       "macslint.torchnn.common:MissingMember")),
        # a module-level call not run (evaluator.values.DeferredCall): read back as Unknown
        Kind("macslint.evaluator.values:DeferredCall", lambda value: value.reason,
             lambda cls, reason: _unknown(Unknown, reason)),
        Kind("macslint.evaluator.values:DeferredLoop", lambda value: value.reason,
             lambda cls, reason: _unknown(Unknown, reason)),
    ],
    # Read when first used: a warm run that needs findings reads no traces (a file's traces
    # are most of its entry: 1.4 MB of efficientnet.py's 1.5).
    deferred={
        "macslint.engine:FileResult": ("site_uses",),
        "macslint.results.traces:ModelTrace": ("calls", "ops", "containers"),
    },
)


# ---------------------------------------------------------------------------
# The secret entries are signed with: the user's, outside any repository

SECRET_SIZE = 32


def secret_file() -> Optional[Path]:
    """`$XDG_CACHE_HOME/macslint/secret` (an absolute one), else `~/.cache/macslint/secret`;
    None without a home directory."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError:  # no home directory to be found
        return None
    return root / "macslint" / "secret"


def _read_secret(path: Path) -> Tuple[bool, Optional[bytes]]:
    """(whether the file exists, its secret if it is one only this user can read)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return False, None
    try:
        info = os.fstat(fd)
        data = os.read(fd, SECRET_SIZE + 1)
    finally:
        os.close(fd)
    private = os.name == "nt" or (info.st_uid == os.geteuid() and not info.st_mode & 0o077)
    if stat.S_ISREG(info.st_mode) and private and len(data) == SECRET_SIZE:
        return True, data
    return True, None  # truncated, or others may read it: a new one replaces it


def _write_secret(path: Path, replace: bool) -> None:
    """A new secret at `path`: written whole to a temporary file (mode 0600), then linked
    into place, which fails if another process linked its own first (that one is used), or
    with `replace` renamed over an unusable one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        try:
            if os.write(fd, secrets.token_bytes(SECRET_SIZE)) != SECRET_SIZE:
                raise OSError("the secret was not written whole")
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: its secret is the one
        except OSError:  # a file system without hard links: rename, unless one appeared
            if not path.exists():
                os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def load_secret(path: Optional[Path]) -> Optional[bytes]:
    """The secret in `path`, made if there is none (or an unusable one); None if it can be
    neither read nor made. What is used is always what the file holds once made, so
    processes making it at once all use the one that won."""
    if path is None:
        return None
    try:
        exists, secret = _read_secret(path)
        if secret is None:
            _write_secret(path, replace=exists)
            secret = _read_secret(path)[1]
    except OSError:
        return None
    return secret


# ---------------------------------------------------------------------------
# The cache

class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ready = False
        self.secret_path = secret_file()
        self.secret: Optional[bytes] = None
        self.secret_loaded = False
        _HASHES.clear()

    def key(self, display: str, data: bytes, settings: Settings) -> str:
        digest = hashlib.sha256(code_fingerprint().encode())
        for part in (display.encode("utf-8", "surrogateescape"),
                     settings_key(settings).encode("utf-8", "surrogateescape"), data):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def _entry(self, key: str, suffix: str = SUFFIX) -> Path:
        return self.directory / key[:2] / f"{key[2:]}{suffix}"

    def _secret(self) -> Optional[bytes]:
        if not self.secret_loaded:
            self.secret = load_secret(self.secret_path)
            self.secret_loaded = True
        return self.secret

    def _mac(self, secret: bytes, key: str, payload: bytes) -> bytes:
        # The key is signed too: an entry moved to another key does not verify.
        signed = hmac.new(secret, key.encode("ascii") + b"\n", hashlib.sha256)
        signed.update(payload)
        return signed.hexdigest().encode("ascii")

    def _read(self, key: str, suffix: str = SUFFIX) -> Any:
        """The value of the entry at `key`, if this user's macslint wrote it, else None."""
        secret = self._secret()
        if secret is None:
            return None  # no secret: no cache
        try:
            data = read_regular_file(self._entry(key, suffix))
        except OSError:
            return None
        mac, _, payload = data.partition(b"\n")
        if not hmac.compare_digest(mac, self._mac(secret, key, payload)):
            return None  # not written by this user's macslint: a miss, written again
        try:
            return CODEC.loads(payload)
        except Exception:  # noqa: BLE001 - a corrupt entry (or of other code) is a miss
            return None

    def _write(self, key: str, value: Any, suffix: str = SUFFIX) -> None:
        """Store `value` at `key`; a value that is not all data, or a cache that cannot be
        written, is skipped (the run goes on)."""
        secret = self._secret()
        if secret is None:
            return
        try:
            payload = CODEC.dumps(value)
        except Exception:  # noqa: BLE001 - not all data (Unencodable): not cached
            return
        data = self._mac(secret, key, payload) + b"\n" + payload
        entry = self._entry(key, suffix)
        try:
            if not self.ready:
                self._prepare()
            entry.parent.mkdir(exist_ok=True)
            if entry.parent.is_symlink():
                return  # planted (macslint makes directories): not followed
            # A new file of a random name (a symlink planted at a name known in advance
            # would be written through), renamed over whatever is at the entry's name.
            fd, tmp = tempfile.mkstemp(prefix=f".{entry.name}.", suffix=".tmp", dir=entry.parent)
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                os.replace(tmp, entry)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            return

    def get(self, key: str) -> Optional[FileResult]:
        entry = self._read(key)
        try:
            if type(entry) is not tuple or len(entry) != 2:
                return None
            dependencies, result = entry
            if type(dependencies) is not list or type(result) is not FileResult:
                return None
            checks = [(path, digest) for path, digest in dependencies]
            if not all(type(path) is str and (digest is None or type(digest) is str)
                       for path, digest in checks):
                return None
        except Exception:  # noqa: BLE001 - a malformed entry is a miss
            return None
        if any(_content_hash(path) != digest for path, digest in checks):
            return None
        return result

    def put(self, key: str, result: FileResult) -> None:
        """Store `result`; a cache that cannot be written is skipped (the run goes on)."""
        dependencies: List[Tuple[str, Optional[str]]] = [
            (path, _content_hash(path)) for path in result.depends_on]
        self._write(key, (dependencies, result))

    def data_key(self, name: str) -> str:
        """The key of plain data kept under a name (not a file's result): of this code."""
        digest = hashlib.sha256(code_fingerprint().encode())
        digest.update(b"\0data\0" + name.encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def get_data(self, name: str) -> Any:
        """The plain data last put under `name` by this user's macslint, else None."""
        return self._read(self.data_key(name), DATA_SUFFIX)

    def put_data(self, name: str, value: Any) -> None:
        self._write(self.data_key(name), value, DATA_SUFFIX)

    def _prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        try:  # as ruff and mypy do: the cache is never committed
            fd = os.open(self.directory / ".gitignore",  # (O_EXCL: never through a symlink)
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write("# created by macslint\n*\n")
        self.ready = True


def cached_result(path: Path, display: str, settings: Settings,
                  cache: Optional[ResultCache]) -> Optional[FileResult]:
    """The file's result from the cache, or None (a miss, or no cache)."""
    if cache is None:
        return None
    try:
        data = read_regular_file(path)
    except OSError:
        return None
    return cache.get(cache.key(display, data, settings))


def check_and_store(path: Path, display: str, settings: Settings,
                    cache: Optional[ResultCache]) -> FileResult:
    """Analyse the file and store its result (keyed on the bytes analysed)."""
    if cache is None:
        return check_file(path, display, settings)
    try:
        data = read_regular_file(path)
    except OSError:
        return check_file(path, display, settings)  # reports the read error itself
    result = check_data(path, display, settings, data)
    cache.put(cache.key(display, data, settings), result)
    return result
