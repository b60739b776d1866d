"""A disk with a volatile write cache, for real power-cut tests (FUSE, in a process of its own).

A SIGKILL leaves the kernel's page cache behind, so a crash test cannot tell a database that
fsyncs (``synchronous=FULL``) from one that does not. This filesystem can: it mirrors a backing
directory, but keeps every write to a file's DATA in its own memory until that file is fsynced.
Killing this process is the power cut: what was not fsynced is gone, as from a disk's cache.

Metadata (create, unlink, rename, truncate, mkdir) goes straight to the backing directory, as on
a journalling filesystem; only data waits for fsync. Locks are left to the kernel (FUSE emulates
POSIX locks locally when a filesystem does not implement them), which is what SQLite needs.

    python powercut_fs.py BACKING_DIR MOUNTPOINT     # foreground; SIGKILL it to cut the power
"""

from __future__ import annotations

import errno
import os
import sys

import mfusepy

PAGE = 4096


class UnsyncedData:
    """One file's writes since its last fsync: whole pages, and the file's size as written."""

    def __init__(self, size: int):
        self.pages: dict[int, bytearray] = {}
        self.size = size


class VolatileCacheFS(mfusepy.Operations):
    use_ns = True

    def __init__(self, backing: str):
        self.backing = os.path.realpath(backing)
        self.unsynced: dict[str, UnsyncedData] = {}

    def _real(self, path: str) -> str:
        return os.path.join(self.backing, path.lstrip("/"))

    # -- metadata: straight through -------------------------------------------------------------
    def getattr(self, path, fh=None):
        st = os.lstat(self._real(path))
        attrs = {key: getattr(st, key) for key in ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size",
                                                   "st_atime_ns", "st_mtime_ns", "st_ctime_ns")}
        attrs = {key.replace("_ns", ""): value for key, value in attrs.items()}
        if path in self.unsynced:
            attrs["st_size"] = self.unsynced[path].size
        return attrs

    def readdir(self, path, fh):
        return [".", "..", *os.listdir(self._real(path))]

    def access(self, path, amode):
        if not os.access(self._real(path), amode):
            raise mfusepy.FuseOSError(errno.EACCES)
        return 0

    def chmod(self, path, mode):
        os.chmod(self._real(path), mode)
        return 0

    def chown(self, path, uid, gid):
        os.chown(self._real(path), uid, gid)
        return 0

    def utimens(self, path, times=None):
        os.utime(self._real(path), ns=times)
        return 0

    def mkdir(self, path, mode):
        os.mkdir(self._real(path), mode)
        return 0

    def rmdir(self, path):
        os.rmdir(self._real(path))
        return 0

    def unlink(self, path):
        os.unlink(self._real(path))
        self.unsynced.pop(path, None)
        return 0

    def rename(self, old, new):
        os.rename(self._real(old), self._real(new))
        self.unsynced.pop(new, None)
        if old in self.unsynced:
            self.unsynced[new] = self.unsynced.pop(old)
        return 0

    def link(self, target, source):
        # ln source target. The cache is per name, so link only fsynced files (as the box does).
        os.link(self._real(source), self._real(target))
        return 0

    def statfs(self, path):
        st = os.statvfs(self._real(path))
        return {key: getattr(st, key) for key in ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail",
                                                  "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

    # -- files ----------------------------------------------------------------------------------
    def create(self, path, mode, fi=None):
        return os.open(self._real(path), os.O_RDWR | os.O_CREAT | os.O_TRUNC, mode)

    def open(self, path, flags):
        fd = os.open(self._real(path), os.O_RDWR if flags & os.O_ACCMODE else os.O_RDONLY)
        if flags & os.O_TRUNC:
            self.truncate(path, 0)
        return fd

    def release(self, path, fh):
        os.close(fh)  # closing is not syncing: unsynced data stays volatile
        return 0

    def truncate(self, path, length, fh=None):
        os.truncate(self._real(path), length)
        data = self.unsynced.get(path)
        if data is not None:
            data.size = length
            for index in [i for i in data.pages if i * PAGE >= length]:
                del data.pages[index]
            if length % PAGE and length // PAGE in data.pages:
                page = data.pages[length // PAGE]
                page[length % PAGE:] = bytes(PAGE - length % PAGE)
        return 0

    def read(self, path, size, offset, fh):
        data = self.unsynced.get(path)
        end = min(offset + size, data.size if data else os.fstat(fh).st_size)
        if end <= offset:
            return b""
        out = bytearray(os.pread(fh, end - offset, offset).ljust(end - offset, b"\0"))
        if data:
            for index in range(offset // PAGE, (end - 1) // PAGE + 1):
                page = data.pages.get(index)
                if page is not None:
                    lo, hi = max(offset, index * PAGE), min(end, (index + 1) * PAGE)
                    out[lo - offset:hi - offset] = page[lo - index * PAGE:hi - index * PAGE]
        return bytes(out)

    def write(self, path, buf, offset, fh):
        data = self.unsynced.get(path)
        if data is None:
            data = self.unsynced[path] = UnsyncedData(os.fstat(fh).st_size)
        end = offset + len(buf)
        for index in range(offset // PAGE, (end - 1) // PAGE + 1):
            page = data.pages.get(index)
            if page is None:
                page = data.pages[index] = bytearray(self._current_page(path, fh, index))
            lo, hi = max(offset, index * PAGE), min(end, (index + 1) * PAGE)
            page[lo - index * PAGE:hi - index * PAGE] = buf[lo - offset:hi - offset]
        data.size = max(data.size, end)
        return len(buf)

    def _current_page(self, path, fh, index) -> bytes:
        data = self.unsynced[path]
        visible = max(0, min(PAGE, data.size - index * PAGE))
        return os.pread(fh, visible, index * PAGE).ljust(PAGE, b"\0")

    def fsync(self, path, datasync, fh):
        data = self.unsynced.pop(path, None)
        if data is not None:
            for index, page in sorted(data.pages.items()):
                length = max(0, min(PAGE, data.size - index * PAGE))
                os.pwrite(fh, bytes(page[:length]), index * PAGE)
            if os.fstat(fh).st_size != data.size:
                os.ftruncate(fh, data.size)
        os.fsync(fh)
        return 0

    def fsyncdir(self, path, datasync, fh):
        return 0

    def flush(self, path, fh):
        return 0


def main() -> None:
    backing, mountpoint = sys.argv[1:3]
    # One thread: the cache needs no locks, and SQLite's traffic is small.
    mfusepy.FUSE(VolatileCacheFS(backing), mountpoint, foreground=True, nothreads=True)


if __name__ == "__main__":
    main()


class PowerCutDisk:
    """The filesystem above, mounted by a child process; ``cut()`` is the power cut."""

    def __init__(self, backing, mountpoint):
        self.backing, self.mountpoint = str(backing), str(mountpoint)
        self.process = None

    def mount(self, timeout: float = 10) -> "PowerCutDisk":
        import subprocess
        import time

        os.makedirs(self.backing, exist_ok=True)
        os.makedirs(self.mountpoint, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, __file__, self.backing, self.mountpoint],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while not os.path.ismount(self.mountpoint):
            if self.process.poll() is not None:
                raise RuntimeError(f"the FUSE disk did not mount: {self.process.stderr.read().decode()}")
            if time.monotonic() > deadline:
                self.cut()
                raise TimeoutError(f"the FUSE disk did not mount within {timeout} s")
            time.sleep(0.05)
        return self

    def cut(self) -> None:
        """Everything not fsynced is lost; the mountpoint is left empty, ready to mount again."""
        import subprocess

        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process.stderr.close()
            self.process = None
        subprocess.run(["fusermount3", "-u", "-z", self.mountpoint], capture_output=True, timeout=10)
