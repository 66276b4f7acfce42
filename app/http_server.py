"""The HTTP/1.1 protocol citedb is served with: httptools, with a bound on the request head.

uvicorn's httptools protocol keeps reading a request line and headers for as long as a client
sends them (100 MB of headers were accepted); its h11 protocol has a bound
(``h11_max_incomplete_event_size``) but answers 400 beyond it. This protocol takes the same
setting as the bound of the request head (request line and headers) and answers 431 (Request
Header Fields Too Large) as problem+json beyond it, then closes the connection. A head still
arriving is cut off once it is past the bound, so at most the bound plus one read is held.
"""

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.encoding import dumps

# uvicorn's own default for h11, kept when no bound is configured.
DEFAULT_MAX_HEAD_BYTES = 16 * 1024


class HeadTooLarge(Exception):
    """The request head is larger than the bound."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools with the request head bounded by ``config.h11_max_incomplete_event_size``."""

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.max_head_bytes: int = config.h11_max_incomplete_event_size or DEFAULT_MAX_HEAD_BYTES
        self._in_head = True
        self._head_bytes = 0
        self._head_too_large = False

    def data_received(self, data: bytes) -> None:
        """Feed the parser, and refuse a head that is still arriving past the bound."""
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if (
            self._in_head
            and self._head_bytes > self.max_head_bytes
            and not self.transport.is_closing()
        ):
            self._send_head_too_large()

    def on_message_begin(self) -> None:
        """Start counting the head of a new request."""
        super().on_message_begin()
        self._in_head = True

    def on_headers_complete(self) -> None:
        """Refuse a complete head that is past the bound (it came in one read)."""
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_head_bytes:
            self._head_too_large = True
            raise HeadTooLarge
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """Count the next request's head from zero."""
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0

    def send_400_response(self, msg: str) -> None:
        """Answer 431 when the parser stopped on a head too large, else as uvicorn does."""
        if self._head_too_large:
            self._send_head_too_large()
        else:
            super().send_400_response(msg)

    def _send_head_too_large(self) -> None:
        body = dumps(
            {
                "type": "urn:citedb:problem:request-header-fields-too-large",
                "title": "Request Header Fields Too Large",
                "status": 431,
                "detail": f"The request line and headers are larger than "
                f"{self.max_head_bytes} bytes.",
            }
        )
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
