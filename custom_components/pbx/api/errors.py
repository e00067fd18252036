"""Errors raised by PBX clients. Messages never contain secrets."""

from __future__ import annotations


class PbxError(Exception):
    """Base class of every error the library raises."""


class PbxConnectionError(PbxError):
    """The PBX could not be reached or answered with something that is not its API."""


class PbxTlsError(PbxConnectionError):
    """The PBX's TLS certificate is not trusted."""


class PbxAuthError(PbxError):
    """The PBX refused the credentials."""


class PbxApiDisabledError(PbxAuthError):
    """The PBX's API is switched off."""


class PbxIpForbiddenError(PbxAuthError):
    """The PBX does not accept API requests from this address."""


class PbxUnsupportedError(PbxError):
    """This PBX cannot do what was asked."""


class PbxCommandError(PbxError):
    """The PBX refused a request; `reason` is the PBX's own explanation."""

    def __init__(self, code: str | int | None, reason: str) -> None:
        """Keep the PBX's code and reason."""
        super().__init__(f"{reason} (code {code})" if code is not None else reason)
        self.code = None if code is None else str(code)
        self.reason = reason
