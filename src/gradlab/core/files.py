"""Safe file writes: atomic for regular files, direct for devices and pipes.

What a write does depends on what is at the target path (looked at with
``os.lstat``/``os.stat`` just before writing):

* nothing, or a regular file: the bytes go to a temporary file beside the
  target (``.NAME.gl<host>-<pid>-<random>.tmp``), which then replaces it with
  one ``os.replace``: a reader (or a crash) never sees half a file. A new file
  gets 0666 minus the umask; a replaced file keeps its permission bits.
* a symbolic link: it is followed and its final target is written as above;
  the link itself stays a link.
* ``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``: written to that open
  file descriptor of this process (so ``-o /dev/stdout >> log`` appends).
* a character or block device, or a named pipe: opened and written to
  directly, never replaced. A named pipe must already have a reader; the
  write fails at once rather than waiting for one.
* a directory or a socket: refused.

Every failure raises :class:`~gradlab.core.errors.ParameterError` naming the
requested path and the reason, never the temporary file.

Temporary files left by a save that was killed are removed by the next save
to the same target (:func:`remove_stale_temps`): one written on this machine
by a process that no longer runs, or any one untouched for
:data:`STALE_AFTER_S` seconds. SIGTERM during a write removes the temporary
file before the process ends (when the signal has its default action).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import signal
import socket
import stat
import tempfile
import threading
import time

from .errors import InputTypeError, ParameterError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

#: a temporary file of a target untouched for this long is stale, whoever wrote it
STALE_AFTER_S = 600
_CHUNK = 1 << 20


# ------------------------------------------------------------------ errors
def _first_non_folder(path):
    """The first existing folder component of ``path`` (as the caller spelled it) that is not a folder, or None."""
    for spelled in (os.path.normpath(path), os.path.abspath(path)):
        parts = spelled.split(os.sep)
        for i in range(1, len(parts)):
            here = os.sep.join(parts[:i])
            if here and os.path.lexists(here) and not os.path.isdir(here):
                return here
    return None


def _reason(exc: OSError, path: str, folder: str) -> str:
    code = exc.errno
    if code in (errno.ENOTDIR, errno.EEXIST):
        bad = _first_non_folder(path)
        return f"{bad} is a file, not a folder" if bad else "a part of its folder path is not a folder"
    if code == errno.ENAMETOOLONG:
        return _too_long(path, folder)
    if code in (errno.EACCES, errno.EPERM):
        return f"permission to write in {folder} is denied"
    if code == errno.EROFS:
        return f"{folder} is on a read-only file system"
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"there is no space left on the device holding {folder}"
    if code == errno.ENOENT:
        return f"its folder {folder} does not exist"
    if code == errno.ELOOP:
        return "it is a loop of symbolic links"
    if code == errno.ENXIO:
        return "it is a named pipe that no process is reading from"
    if code == errno.EPIPE:
        return "the process reading from it has closed it"
    return (exc.strerror or str(exc)).lower()


def _too_long(path, folder) -> str:
    full = os.fsencode(os.path.abspath(path))
    longest = max(full.split(os.fsencode(os.sep)), key=len)
    limit = _name_max(folder if os.path.isdir(folder) else os.sep)
    if len(longest) > limit:
        return f"a name in it is {len(longest)} bytes long and this file system allows at most {limit}"
    return f"the whole path is {len(full)} bytes long, more than this system allows"


def _refuse(owner, path, reason) -> ParameterError:
    """``OWNER: cannot write PATH: REASON`` (no prefix for the generic owner 'write')."""
    head = "" if owner == "write" else f"{owner}: "
    return ParameterError(f"{head}cannot write {path}: {reason}")


def _failure(owner, path, exc, folder=None) -> ParameterError:
    folder = folder or os.path.dirname(os.path.abspath(path))
    return _refuse(owner, path, _reason(exc, path, folder))


# ---------------------------------------------------------------- the target
def _check_path(path, owner) -> str:
    try:
        text = os.fspath(path)
    except TypeError:
        raise InputTypeError(f"{owner}: the path must be a str or os.PathLike, got {type(path).__name__}") from None
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text or "\0" in text:
        raise ParameterError(f"{owner}: the path must be a non-empty file name without NUL bytes, got {text!r:.80}")
    return text


def _fd_number(p):
    """N when ``p`` is /proc/<this process>/fd/N (or a /dev/fd, /proc/self or thread-self spelling)."""
    folder, name = os.path.split(p)
    if not re.fullmatch(r"[0-9]+", name):
        return None
    m = re.fullmatch(r"/proc/([0-9]+)(?:/task/[0-9]+)?/fd", os.path.realpath(folder))
    return int(name) if m and int(m.group(1)) == os.getpid() else None


def _own_fd(path):
    """The descriptor of this process that ``path`` names through its symlinks (``/dev/stdout``), or None."""
    p = os.path.abspath(path)
    for _ in range(40):
        fd = _fd_number(p)
        if fd is not None:
            return fd
        try:
            if not os.path.islink(p):
                return None
            link = os.readlink(p)
        except OSError:
            return None
        p = os.path.join(os.path.realpath(os.path.dirname(p)), link)
    return None


def _target(path, owner):
    """``(kind, path, fd)``: kind 'regular' (final path after symlinks), 'device' or 'fd'."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise _failure(owner, path, exc, folder) from None
    fd = _own_fd(path)
    if fd is not None:
        return "fd", path, fd
    try:
        mode = os.stat(path).st_mode  # follows symlinks
    except FileNotFoundError:
        return "regular", os.path.realpath(path), None  # a new file (for a dangling symlink: its target)
    except OSError as exc:
        raise _failure(owner, path, exc, folder) from None
    if stat.S_ISREG(mode):
        return "regular", os.path.realpath(path), None
    if stat.S_ISDIR(mode):
        raise _refuse(owner, path, "it is a directory; give a file name inside it")
    if stat.S_ISSOCK(mode):
        raise _refuse(owner, path, "it is a socket; only files, devices and pipes can be written")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
        return "device", path, None
    raise _refuse(owner, path, "it is neither a file, a device nor a pipe")


# ------------------------------------------------------ temporary file names
def _name_max(folder) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _writer_tag() -> str:
    """'gl<4 hex of host and pid namespace>-<pid>-': who wrote a temporary file."""
    try:
        ns = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        ns = ""
    host = hashlib.sha256(f"{socket.gethostname()}|{ns}".encode()).hexdigest()[:4]
    return f"gl{host}-{os.getpid()}-"


def _temp_prefix(base: str, folder: str) -> str:
    """'.NAME.' — or, when NAME is too long for a temporary name, a cut NAME and a hash of it."""
    if len(os.fsencode(f".{base}.")) + 48 <= _name_max(folder):
        return f".{base}."
    cut = os.fsencode(base)[: max(_name_max(folder) - 72, 1)].decode(errors="ignore")
    return f".{cut}~{hashlib.sha256(os.fsencode(base)).hexdigest()[:8]}."


def _temp_pattern(base, folder):
    prefix = re.escape(_temp_prefix(base, folder))
    ours = re.compile(prefix + r"gl([0-9a-f]{4})-([0-9]+)-[a-z0-9_]{8}(?:\.[A-Za-z0-9]{1,10})?")
    legacy = re.compile(re.escape(f".{base}.") + r"[a-z0-9_]{8}\.[A-Za-z0-9]{1,10}")  # gradlab ≤ 0.1's names
    return ours, legacy


def _writer_gone(host: str, pid: int) -> bool:
    """True when the temporary file's writer ran on this machine and no longer runs."""
    tag = _writer_tag()
    if host != tag[2:6] or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def remove_stale_temps(target) -> list:
    """Remove the stale temporary files of ``target`` left by killed saves; return their paths.

    A temporary file of ``target`` (named as :func:`atomic_path` names them) is
    stale when its writer ran on this machine (same host name and process
    namespace) and has ended, or when it was not modified for
    :data:`STALE_AFTER_S` seconds. Only regular files whose whole name fits
    the pattern are touched; errors are ignored (this is housekeeping).
    """
    folder, base = os.path.split(os.path.abspath(os.fspath(target)))
    ours, legacy = _temp_pattern(base, folder)
    removed, now = [], time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = ours.fullmatch(entry.name)
        if m is None and legacy.fullmatch(entry.name) is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            old = now - st.st_mtime > STALE_AFTER_S
            if stat.S_ISREG(st.st_mode) and (old or (m is not None and _writer_gone(m[1], int(m[2])))):
                os.unlink(entry.path)
                removed.append(entry.path)
        except (OSError, ValueError):
            continue
    return removed


# ------------------------------------------------------------ regular files
def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)  # not thread-safe: only where /proc is missing
    os.umask(mask)
    return mask


def _mode_for(final) -> int:
    try:
        st = os.stat(final)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode) & 0o777
    except OSError:
        pass
    return 0o666 & ~_umask()


class _Terminated(BaseException):
    """SIGTERM arrived during a write (raised so that ``finally`` removes the temporary file)."""


@contextlib.contextmanager
def _sigterm_runs_finally():
    """While a temporary file exists, let SIGTERM unwind (cleaning up), then end the process as it asked."""

    def handler(signum, frame):
        raise _Terminated()

    installed = False
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        with contextlib.suppress(ValueError, OSError):  # not allowed (an embedded interpreter): next save cleans up
            signal.signal(signal.SIGTERM, handler)
            installed = True
    if not installed:
        yield
        return
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _is_write_error(exc: OSError, tmp: str) -> bool:
    """Whether an OSError raised while the caller wrote ``tmp`` is about that file (not, say, a program)."""
    return exc.filename == tmp or exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO)


def _fsync_folder(folder):
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _atomic_regular(final, shown, suffix, owner):
    folder, base = os.path.split(final)
    if len(os.fsencode(base)) > _name_max(folder):
        raise _refuse(owner, shown, _too_long(final, folder))
    remove_stale_temps(final)
    suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix or "") else ".tmp"
    with _sigterm_runs_finally():  # outermost: on SIGTERM the temporary file is removed before the process ends
        try:
            fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(base, folder) + _writer_tag(), suffix=suffix, dir=folder)
            os.close(fd)
        except OSError as exc:
            raise _failure(owner, shown, exc, folder) from None
        try:
            try:
                yield tmp
            except OSError as exc:
                if not _is_write_error(exc, tmp):
                    raise
                raise _failure(owner, shown, exc, folder) from None
            _replace(tmp, final, shown, owner)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _replace(tmp, final, shown, owner):
    folder = os.path.dirname(final)
    try:
        os.chmod(tmp, _mode_for(final))
        now = os.lstat(final).st_mode if os.path.lexists(final) else None
        if now is not None and not stat.S_ISREG(now):  # it changed since we looked: never replace it
            raise _refuse(owner, shown, "it stopped being a regular file while it was being written")
        os.replace(tmp, final)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and not os.path.lexists(tmp) and os.path.isdir(folder):
            raise _refuse(owner, shown, "its temporary file was removed while it was being written (after "
                                        f"{STALE_AFTER_S // 60} minutes without change, another save may take "
                                        "it for a leftover)") from None
        raise _failure(owner, shown, exc, folder) from None
    _fsync_folder(folder)


# ------------------------------------------------------ devices, pipes, fds
def _open_special(kind, path, fd, owner):
    """A descriptor to write to (a dup for 'fd'), in blocking mode."""
    try:
        if kind == "fd":
            return os.dup(fd)
        flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        nonblock = getattr(os, "O_NONBLOCK", 0) if fcntl is not None else 0
        out = os.open(path, flags | nonblock)  # no O_CREAT: never a new file; O_NONBLOCK: a pipe without reader fails
        if nonblock:
            fcntl.fcntl(out, fcntl.F_SETFL, fcntl.fcntl(out, fcntl.F_GETFL) & ~nonblock)
        return out
    except OSError as exc:
        if kind == "fd" and exc.errno == errno.EBADF:
            raise _refuse(owner, path, f"file descriptor {fd} is not open in this process") from None
        raise _failure(owner, path, exc) from None


def _write_all(out, chunks, path, owner):
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            while view.nbytes:
                view = view[os.write(out, view):]
    except OSError as exc:
        raise _failure(owner, path, exc) from None


def _file_chunks(name):
    with open(name, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                return
            yield chunk


def _write_special(kind, path, fd, chunks, owner):
    out = _open_special(kind, path, fd, owner)
    try:
        _write_all(out, chunks, path, owner)
    finally:
        os.close(out)


@contextlib.contextmanager
def _via_scratch(kind, path, fd, suffix, owner):
    """A scratch file in the temporary folder, copied into the device, pipe or descriptor on success."""
    suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix or "") else ".tmp"
    with _sigterm_runs_finally():
        handle, tmp = tempfile.mkstemp(prefix=".gradlab-out.", suffix=suffix)
        os.close(handle)
        try:
            yield tmp
            _write_special(kind, path, fd, _file_chunks(tmp), owner)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# -------------------------------------------------------------------- API
@contextlib.contextmanager
def atomic_path(path, suffix: str = ".tmp", owner: str = "write"):
    """Yield a file name to write; on success its bytes end up at ``path`` (see the module doc).

    For a regular file the name is a temporary file beside ``path`` that then
    replaces it atomically; parent folders are created. On any exception
    (KeyboardInterrupt too) the temporary file is removed and ``path`` is left
    as it was. For a device, a pipe or an open descriptor, the name is a
    scratch file whose bytes are written there at the end.

    Raises:
        ParameterError: ``path`` cannot be written (a directory, a socket, a
            folder that is a file, a name too long, no permission...), naming
            ``path`` and the reason; ``owner`` names the operation.
    """
    shown = _check_path(path, owner)
    kind, where, fd = _target(shown, owner)
    manager = _atomic_regular(where, shown, suffix, owner) if kind == "regular" else \
        _via_scratch(kind, where, fd, suffix, owner)
    with manager as tmp:
        yield tmp


def write_atomic(path, data, owner: str = "write") -> None:
    """Write ``data`` (bytes, or str as UTF-8) to ``path``: atomically (flushed to disk) for a regular file.

    Devices, pipes and ``/dev/stdout`` are written to directly (see the module
    doc). Raises :class:`ParameterError` naming ``path`` when it cannot be written.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputTypeError(f"{owner}: expected bytes or str to write, got {type(data).__name__}")
    shown = _check_path(path, owner)
    kind, where, fd = _target(shown, owner)
    if kind != "regular":
        _write_special(kind, where, fd, [data], owner)
        return
    with _atomic_regular(where, shown, ".tmp", owner) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
