"""The password hasher of the test suite (conftest.py puts it first in PASSWORD_HASHERS).

The platform's PBKDF2-SHA256 with few iterations: at the default million, hashing one password
takes 0.44 s on the CI machine, and the personas fixture alone makes five, in hundreds of tests.
Its hashes are ordinary `pbkdf2_sha256$<iterations>$…` strings that name their iterations, so a
platform started as its own process (with the default hashers) checks them as well.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FewIterationsPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
