"""Notes sealed at rest, by envelope encryption: each organization's notes are sealed with
AES-256-GCM under the organization's data key, which is kept only wrapped (sealed in turn) by a
master key that never leaves the settings. Rotating the master key re-wraps data keys; notes
themselves are never re-encrypted. Pure: no I/O.

Every seal binds what it seals to where it belongs (associated data): a sealed note copied onto
another note, or a wrapped key onto another organization, does not open.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class SealBroken(Exception):
    """A seal that does not open: the wrong key, or bytes changed or moved since sealing."""


def seal(key: bytes, plaintext: bytes, bound_to: bytes) -> bytes:
    """A fresh random nonce followed by the ciphertext and its tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, bound_to)


def unseal(key: bytes, sealed: bytes, bound_to: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], bound_to)
    except InvalidTag as error:
        raise SealBroken() from error


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


@dataclass(frozen=True)
class WrappedKey:
    master_key_id: str
    wrapped: bytes


@dataclass(frozen=True)
class Keyring:
    """The master keys by id: `current` wraps new data keys; the others still unwrap the data
    keys wrapped before a rotation until they are re-wrapped."""

    master_keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.master_keys:
            raise ValueError(f"the current master key {self.current!r} is not listed")
        if any(len(key) != KEY_BYTES for key in self.master_keys.values()):
            raise ValueError(f"every master key is {KEY_BYTES} bytes")

    def wrap(self, organization_id: UUID, data_key: bytes) -> WrappedKey:
        master = self.master_keys[self.current]
        return WrappedKey(self.current, seal(master, data_key, organization_id.bytes))

    def unwrap(self, organization_id: UUID, wrapped: WrappedKey) -> bytes:
        master = self.master_keys.get(wrapped.master_key_id)
        if master is None:
            raise SealBroken(f"master key {wrapped.master_key_id!r} is no longer configured")
        return unseal(master, wrapped.wrapped, organization_id.bytes)
