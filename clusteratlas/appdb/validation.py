"""Checking what people type into forms: one error per field, naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clusteratlas.errors import InputError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


class FieldErrors(InputError):
    """Several fields are wrong; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        first = next(iter(errors))
        text = "; ".join(f"{k}: {v}" for k, v in errors.items())
        super().__init__(text, parameter=first)
        self.message = text

    def __str__(self) -> str:
        return "; ".join(f"field {k}: {v}" for k, v in self.errors.items())


def text_field(
    data: Mapping[str, Any], name: str, errors: dict, *, required: bool, limit: int
) -> str:
    """Form field ``name`` as one-line text (whitespace folded); a problem goes into
    ``errors[name]`` (not text, required but empty, longer than ``limit``)."""
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "must be text"
        return ""
    value = " ".join(value.split())
    if required and not value:
        errors[name] = "is required"
    elif len(value) > limit:
        errors[name] = f"is longer than {limit} characters"
    return value


@dataclass(frozen=True)
class RegistrationIn:
    """A registration as typed, checked and normalised (email lower-cased, spaces squeezed)."""

    name: str
    email: str
    organisation: str
    country: str
    role: str


def registration_from(data: Mapping[str, Any]) -> RegistrationIn:
    """Check a registration form or JSON body; raise :class:`FieldErrors` naming every bad field.

    >>> registration_from({"name": " Ana  Ruiz ", "email": "Ana@Example.org",
    ...                    "organisation": "ACME", "consent": True}).email
    'ana@example.org'
    """
    errors: dict[str, str] = {}
    name = text_field(data, "name", errors, required=True, limit=200)
    email = text_field(data, "email", errors, required=True, limit=320).lower()
    if email and "email" not in errors and not EMAIL.match(email):
        errors["email"] = "is not an email address"
    organisation = text_field(data, "organisation", errors, required=True, limit=300)
    country = text_field(data, "country", errors, required=False, limit=2).upper()
    if country and "country" not in errors and not COUNTRY.match(country):
        errors["country"] = "must be a two-letter country code (ISO 3166-1 alpha-2)"
    role = text_field(data, "role", errors, required=False, limit=100)
    consent = data.get("consent")
    if isinstance(consent, str):
        consent = consent.lower() in ("1", "true", "on", "yes")
    if consent is not True:
        errors["consent"] = "the privacy notice must be accepted to register"
    if errors:
        raise FieldErrors(errors)
    return RegistrationIn(name, email, organisation, country, role)
