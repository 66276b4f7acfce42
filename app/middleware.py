"""ASGI middleware: the request body limit, and a problem for any error no handler knew."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response, unexpected_error_response


class _TrackedSend:
    """An ASGI ``send`` that remembers whether the response has started."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class BodyTooLarge(HTTPException):
    """The request body went past the configured limit while streaming (413).

    An HTTP error, so that a body parser that turns any other error into 400 lets it through.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, detail=f"The request body is larger than {max_bytes} bytes.")


class BodySizeLimit:
    """Answer 413 to any request whose body is larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._reject(scope, receive, send)
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        tracking_send = _TrackedSend(send)
        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not tracking_send.started:
                await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            code="payload-too-large",
            detail=f"The request body is larger than {self.max_bytes} bytes.",
        )
        await response(scope, receive, send)


class UnexpectedErrors:
    """Render an error that no exception handler took as problem+json, and keep the connection.

    Starlette's outermost handler answers 500 and then re-raises, and the server closes the
    keep-alive connection without ``Connection: close``; here the answer is complete, so the
    connection stays usable. Errors that say the database is away or busy answer 503 with
    ``Retry-After``. An error after the response started cannot be answered: it is re-raised.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracking_send = _TrackedSend(send)
        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if tracking_send.started:
                raise
            await unexpected_error_response(exc)(scope, receive, send)
