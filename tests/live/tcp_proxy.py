"""A TCP proxy in front of a real agent, for injecting network faults into live tests.

Faults switch at run time: ``drop_all()`` resets every open connection, ``refuse(True)``
resets each new connection at once (the agent looks down), ``delay`` slows every chunk.
Nothing about Nomad's API is imitated: bytes pass through unchanged. With ``tls`` (a
server-side SSLContext) the proxy terminates TLS in front of the agent's plain HTTP, so
the client's certificate handling meets a real server handshake.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from types import TracebackType


class TcpProxy:
    """Listens on a free loopback port and forwards to ``target`` (host, port)."""

    def __init__(
        self, target_host: str, target_port: int, *, tls: ssl.SSLContext | None = None
    ) -> None:
        self.target = (target_host, target_port)
        self.tls = tls
        self.handshake_failures: list[str] = []
        self.delay = 0.0
        self.connections = 0
        self._refusing = False
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def address(self) -> str:
        """``http://127.0.0.1:<port>`` (``https://`` when terminating TLS)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def refuse(self, refusing: bool) -> None:
        """While True, every new connection is reset as soon as it is accepted."""
        self._refusing = refusing

    def drop_all(self) -> int:
        """Reset every open connection (RST, not FIN); return how many were cut."""
        with self._lock:
            sockets = list(self._open)
            self._open.clear()
        for sock in sockets:
            _reset(sock)
        return len(sockets) // 2

    def close(self) -> None:
        """Stop accepting and cut everything."""
        self._stopped = True
        self.drop_all()
        self._listener.close()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            if self._refusing:
                _reset(client)
                continue
            if self.tls is not None:
                threading.Thread(target=self._handshake, args=(client,), daemon=True).start()
                continue
            self._connect(client)

    def _handshake(self, client: socket.socket) -> None:
        assert self.tls is not None
        client.settimeout(10)
        try:
            secure = self.tls.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError) as failure:
            self.handshake_failures.append(str(failure))
            _reset(client)
            return
        self._connect(secure)

    def _connect(self, client: socket.socket) -> None:
        client.settimeout(None)
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        with self._lock:
            self._open.update((client, upstream))
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if self.delay:
                    time.sleep(self.delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass
