"""The site's directory: phonebooks of outside contacts, and the extensions' voicemail boxes.

Vendor-neutral, like the rest of the model: a contact has a name, a company and numbers (each
with its kind, written as the PBX's owner typed it: ``+1 555 010 0101``, ``0015550100102``...);
it belongs to phonebooks by name. A mailbox holds messages, new until heard. The vendor surfaces
decide how a number is searched (exactly as stored, by digits, with wildcards) and how counts are
told, as their references say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
import re

from .changes import Clock
from .errors import NotFoundError
from .inventory import SiteInventory

DEFAULT_PHONEBOOK = "Company contacts"
MAILBOX_LIMIT = 100
"""Messages one mailbox keeps; the oldest heard ones go first."""


def digits(number: str) -> str:
    """The digits of a number as typed (``+1 555-0100`` → ``15550100``)."""
    return re.sub(r"\D", "", number)


@dataclass(slots=True)
class SimContact:
    """A contact of the site's phonebooks; ``numbers`` are ``(kind, number)`` pairs."""

    id: int
    first_name: str
    last_name: str = ""
    company: str = ""
    numbers: tuple[tuple[str, str], ...] = ()
    phonebooks: tuple[str, ...] = (DEFAULT_PHONEBOOK,)

    @property
    def name(self) -> str:
        """First and last name, as a phone shows them."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(slots=True)
class SimVoicemail:
    """One message in a mailbox."""

    id: int
    caller: str
    caller_name: str | None
    received: float
    duration: int
    heard: bool = False


@dataclass(slots=True)
class SimMailbox:
    """The voicemail box of one extension."""

    extension: str
    messages: list[SimVoicemail] = field(default_factory=list)

    @property
    def new(self) -> int:
        """Messages not heard yet."""
        return sum(1 for message in self.messages if not message.heard)

    @property
    def total(self) -> int:
        """Every message kept."""
        return len(self.messages)


class SiteDirectory(SiteInventory):
    """Contacts by id and mailboxes by extension number."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.contacts: dict[int, SimContact] = {}
        self.mailboxes: dict[str, SimMailbox] = {}
        self._next_contact_id = 1
        self._next_message_id = 1

    # ----------------------------------------------------------------- contacts

    def add_contact(
        self,
        first_name: str,
        numbers: Iterable[tuple[str, str]],
        *,
        last_name: str = "",
        company: str = "",
        phonebooks: Iterable[str] = (DEFAULT_PHONEBOOK,),
    ) -> SimContact:
        """Store a contact and return it."""
        contact = SimContact(
            self._next_contact_id,
            first_name,
            last_name,
            company,
            tuple(numbers),
            tuple(phonebooks),
        )
        self._next_contact_id += 1
        self.contacts[contact.id] = contact
        self._notify("contact", action="added", contact=replace(contact))
        return contact

    def delete_contact(self, contact_id: int) -> None:
        """Remove a contact (NotFoundError when missing)."""
        contact = self.contacts.pop(contact_id, None)
        if contact is None:
            raise NotFoundError(f"contact {contact_id} not found")
        self._notify("contact", action="deleted", contact=contact)

    def phonebook_names(self) -> list[str]:
        """Every phonebook some contact is in, sorted."""
        return sorted({book for contact in self.contacts.values() for book in contact.phonebooks})

    def contacts_with_digits(self, number: str) -> list[SimContact]:
        """Contacts with a number whose digits are exactly those of ``number``."""
        wanted = digits(number)
        return [
            contact
            for contact in self.contacts.values()
            if wanted and any(digits(value) == wanted for _, value in contact.numbers)
        ]

    # --------------------------------------------------------------- voicemail

    def mailbox(self, extension: str) -> SimMailbox:
        """The mailbox of an extension (an empty one the first time)."""
        self.extension(extension)
        return self.mailboxes.setdefault(extension, SimMailbox(extension))

    def leave_voicemail(
        self, extension: str, caller: str, duration: int = 12, caller_name: str | None = None
    ) -> SimVoicemail:
        """A caller leaves a message for ``extension``; the oldest heard go past the limit."""
        box = self.mailbox(extension)
        message = SimVoicemail(self._next_message_id, caller, caller_name, self.clock(), duration)
        self._next_message_id += 1
        box.messages.append(message)
        while len(box.messages) > MAILBOX_LIMIT:
            heard = next((m for m in box.messages if m.heard), box.messages[0])
            box.messages.remove(heard)
        self._notify("voicemail", action="added", extension=extension, voicemail=replace(message))
        return message

    def mark_voicemail_heard(self, extension: str, message_id: int | None = None) -> None:
        """Mark one message (or all of the mailbox's) as heard."""
        box = self.mailbox(extension)
        found = False
        for message in box.messages:
            if message_id is None or message.id == message_id:
                found = True
                if not message.heard:
                    message.heard = True
                    self._notify(
                        "voicemail", action="heard", extension=extension, voicemail=replace(message)
                    )
        if message_id is not None and not found:
            raise NotFoundError(f"voicemail {message_id} not found")

    def delete_voicemail(self, extension: str, message_id: int) -> None:
        """Delete one message (NotFoundError when missing)."""
        box = self.mailbox(extension)
        for message in box.messages:
            if message.id == message_id:
                box.messages.remove(message)
                self._notify("voicemail", action="deleted", extension=extension, voicemail=message)
                return
        raise NotFoundError(f"voicemail {message_id} not found")
