"""HTTP/1.1 over a bare socket, for requests no well-behaved client sends (84 KB URLs,
50 MB bodies that are refused before they are sent in full)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field


@dataclass
class RawResponse:
    """Status line, headers (lower-cased names) and body of one answer."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    sent_body_bytes: int = 0


def _read_response(sock: socket.socket) -> RawResponse:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    if not data:
        raise ConnectionError("the server closed the connection without answering")
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return RawResponse(status, headers, rest[:length])


def request(
    port: int,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 60.0,
) -> RawResponse:
    """Send one request with its whole body and read the answer."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return _read_response(sock)


def declared_body_without_sending(
    port: int, target: str, length: int, headers: dict[str, str] | None = None
) -> RawResponse:
    """Announce a body of `length` bytes, send none of it, and read what the server answers."""
    lines = [f"POST {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append(f"Content-Length: {length}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        return _read_response(sock)


def chunked_until_answered(
    port: int,
    target: str,
    chunk: bytes,
    max_bytes: int,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """Stream `chunk` repeatedly (chunked encoding) until the server answers or max_bytes go."""
    lines = [f"POST {target} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            while sent < max_bytes:
                sock.sendall(framed)
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        answer = _read_response(sock)
    answer.sent_body_bytes = sent
    return answer


def on_one_connection(
    port: int, requests: list[tuple[str, str, dict[str, str]]]
) -> list[RawResponse]:
    """Send (method, target, headers) requests one after another over one kept-alive socket.

    Raises ConnectionError when the server closed the connection before the last answer.
    """
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for method, target, headers in requests:
            lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            answer = _read_response(sock)
            answers.append(answer)
            if answer.headers.get("connection", "").lower() == "close":
                raise ConnectionError(f"the server closed the connection after {target}")
    return answers
