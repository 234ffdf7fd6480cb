"""What a process left behind, read from /proc: live processes and listening sockets."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from pathlib import Path

_PROC = Path("/proc")


def processes_under(root: Path) -> list[str]:
    """Live (non-zombie) processes whose command line mentions root, e.g. a leaked epmd."""
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if state != "Z" and str(root) in cmdline:
            found.append(f"{entry.name}: {cmdline.strip()}")
    return found


def kill_processes_under(root: Path) -> None:
    """SIGKILL what processes_under finds: a test that failed must not leak an epmd."""
    for process in processes_under(root):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(process.split(":", 1)[0]), signal.SIGKILL)


def command_line(pid: int) -> str:
    return (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def listening(pid: int) -> set[tuple[str, int]]:
    """The (IPv4 address, port) pairs process pid listens on, from /proc/net/tcp{,6}."""
    inodes = set()
    for fd in (_PROC / str(pid) / "fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("tcp", "tcp6"):
        lines = (_PROC / str(pid) / "net" / table).read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                address, port = local.split(":")
                found.add((_address(address), int(port, 16)))
    return found


def _address(hex_address: str) -> str:
    if len(hex_address) == 8:
        return socket.inet_ntop(socket.AF_INET, bytes.fromhex(hex_address)[::-1])
    return "ipv6:" + hex_address


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
