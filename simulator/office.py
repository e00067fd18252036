"""The demo site that :meth:`PbxModel.office <simulator.model.PbxModel.office>` builds.

A small hotel/office: 3 trunks, a reception and a room-service queue, one paging group for rooms.

Named extensions (reception, kitchen, rooms...) come first; beyond them numbers from 1000 up are
generated, so thousands of extensions work. The result depends only on the size and the seed.
"""

from __future__ import annotations

import random

from .inventory import SimAgent, SimPagingGroup, SimQueue, SimTrunk, SiteInventory, ip_for

_NAMED_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("101", "Reception"),
    ("102", "Front desk"),
    ("103", "Manager"),
    ("104", "Kitchen"),
    ("105", "Housekeeping"),
    ("106", "Bar"),
    ("107", "Restaurant"),
    ("108", "Maintenance"),
    ("109", "Concierge"),
    ("110", "Spa"),
    ("111", "Security"),
    ("112", "Night porter"),
    ("201", "Room 201"),
    ("202", "Room 202"),
    ("203", "Room 203"),
    ("204", "Room 204"),
    ("205", "Room 205"),
    ("206", "Room 206"),
    ("207", "Room 207"),
    ("208", "Room 208"),
)
_ALWAYS_REGISTERED = frozenset({"101", "102", "103", "104", "107", "109"})
_RESERVED_NUMBERS = frozenset({"6300", "6400", "6401"})


def furnish_office(model: SiteInventory, extensions: int, seed: int) -> None:
    """Fill an empty inventory: extensions, 3 trunks, 2 queues with agents, 1 paging group.

    About 80 % of the extensions are registered, one or two are in do-not-disturb. Nothing is
    notified: the site exists before anybody subscribes.
    """
    rng = random.Random(seed)
    for number, name in _numbers_and_names(extensions):
        model._create_extension(number, name)
    others = [n for n in model.extensions if n not in _ALWAYS_REGISTERED]
    for number in rng.sample(others, k=len(others) // 4 if len(model.extensions) > 4 else 0):
        model.extensions[number].registered = False
    for index, ext in enumerate(model.extensions.values()):
        ext.registered_ip = ip_for(index) if ext.registered else ""
    online = [n for n in others if model.extensions[n].registered]
    for number in rng.sample(online, k=min(len(online), 1 + rng.randrange(2))):
        model.extensions[number].presence = "do_not_disturb"
    model.trunks = {
        "SIP-Provider": SimTrunk(1, "SIP-Provider", "sip", "idle", "sip.provider.example", 5060),
        "Backup-Trunk": SimTrunk(2, "Backup-Trunk", "sip", "idle", "backup.example", 5060),
        "GSM-Gateway": SimTrunk(3, "GSM-Gateway", "gsm", "unmonitored", "192.168.1.250", 5060),
    }
    numbers = list(model.extensions)
    reception = _pick(numbers, ("101", "102", "109"), 0)
    service = _pick(numbers, ("104", "107", "106"), 3)
    model.queues = {
        "6400": SimQueue(1, "6400", "Reception queue"),
        "6401": SimQueue(2, "6401", "Room service"),
    }
    for queue, members in (("6400", reception), ("6401", service)):
        for index, number in enumerate(members):
            name = model.extensions[number].name
            model.queues[queue].agents[number] = SimAgent(number, name, dynamic=index == 2)
    rooms = [n for n in numbers if model.extensions[n].name.startswith("Room")][:8]
    model.paging_groups = {"6300": SimPagingGroup(1, "6300", "All rooms", rooms or numbers[:4])}


def _numbers_and_names(count: int) -> list[tuple[str, str]]:
    result = list(_NAMED_EXTENSIONS[:count])
    number = 1000
    while len(result) < count:
        text = str(number)
        if text not in _RESERVED_NUMBERS:
            prefix = "Extension" if number % 10 == 0 else "Room"
            result.append((text, f"{prefix} {text}"))
        number += 1
    return result


def _pick(numbers: list[str], preferred: tuple[str, ...], start: int) -> list[str]:
    chosen = [n for n in preferred if n in numbers]
    if chosen:
        return chosen
    return numbers[start : start + 3] or numbers[:3]
