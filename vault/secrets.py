"""`Secret`: a credential that never prints, logs, formats or pickles its value.

Call `.reveal()` at the last moment, inside the call that needs the plain value.
"""

from __future__ import annotations

import hmac
from typing import Any, NoReturn

_MASK = "Secret('**********')"


class Secret:
    """Holds one secret string. Every way of turning it into text shows a mask instead."""

    __slots__ = ("__value",)
    __value: str

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError("Secret holds a str")
        object.__setattr__(self, "_Secret__value", value)

    def reveal(self) -> str:
        """The plain value. Use it immediately; do not store or log it."""
        return self.__value

    def __repr__(self) -> str:
        return _MASK

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return _MASK

    def __bool__(self) -> bool:
        return bool(self.__value)

    def __len__(self) -> int:
        return len(self.__value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self.__value.encode(), other.reveal().encode())

    __hash__ = None  # type: ignore[assignment]  # equal secrets must not collide in dict keys

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("Secret is immutable")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled; store it sealed in the vault instead")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.__reduce__()

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: Any) -> Secret:
        return self
