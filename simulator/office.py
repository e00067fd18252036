"""The demo sites that :meth:`PbxModel.office <simulator.model.PbxModel.office>` builds.

Five sites, one per vendor, each as such a customer runs it: a seaside hotel (rooms, a reception,
wake-up calls) on Yeastar, an office on Synway, a small call center on MiRTA, a joinery workshop
and shop on VoIPSUN, a cloud-only team on Telphin. Each has its own name, its own extension names
and numbers, trunks, queues and paging groups, so that five PBXs side by side never share an
entity id and their dashboards and logbooks read naturally. :data:`HOTEL` is the default (the one
the tests know: 101 "Reception", room 204, queue 6400, paging group 6300).

Named extensions come first; beyond them numbers from the site's ``generated_from`` up are made,
so thousands of extensions work. The result depends only on the site, the size and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import random

from .directory import DEFAULT_PHONEBOOK, SiteDirectory
from .inventory import SimAgent, SimPagingGroup, SimQueue, SimTrunk, SiteInventory, ip_for


@dataclass(frozen=True, slots=True)
class SiteQueue:
    """A queue of a site: its number, name, and the extensions that answer it (preferred)."""

    number: str
    name: str
    agents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Site:
    """What a customer runs on their PBX: who has which extension, lines, queues, pagers."""

    name: str
    """The PBX's name, as its owner calls it ("Seaside Hotel")."""
    extensions: tuple[tuple[str, str], ...]
    """Number and name of the named extensions, in order."""
    always_registered: frozenset[str]
    trunks: tuple[SimTrunk, ...]
    queues: tuple[SiteQueue, ...]
    paging: tuple[tuple[str, str], ...]
    """Number and name of each paging group."""
    paging_members: str
    """The start of the names of the extensions that are paged (``""``: the first four)."""
    generated_from: int
    """The first number of the extensions made beyond the named ones."""
    generated_names: tuple[str, str]
    """The generated extensions' names: every tenth, the others (followed by the number)."""
    default_extension: str | None = None
    """The phone the demo's user sits at: the integration's default extension option."""


CONTACTS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...], tuple[str, ...]], ...] = (
    ("Olivia", "Brooks", "Brooks Plumbing", (("business_number", "+1 555 010 0101"),), ()),
    ("Noah", "Fischer", "", (("mobile_number", "+15550100102"), ("home_number", "5550100112")), ()),
    ("Mia", "Laurent", "Laurent Travel", (("business_number", "0015550100103"),), ("Suppliers",)),
    ("Lucas", "Ortega", "", (("mobile_number", "555-0100-104"),), ()),
    ("Sofia", "Nowak", "City Taxi", (("business_number", "+1 (555) 010-0105"),), ("Suppliers",)),
    ("Ethan", "Moreau", "", (("home_number", "15550100106"),), ()),
)
"""Outside contacts every site keeps in its phonebooks: first and last name, company, numbers
written as people type them, and phonebooks besides the default one."""

CONTACT_NUMBERS = tuple(numbers[0][1] for *_, numbers, _ in CONTACTS)
"""The first number of each contact: the traffic calls from these now and then."""

HOTEL = Site(
    name="Seaside Hotel",
    extensions=(
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
        *((f"20{n}", f"Room 20{n}") for n in range(1, 9)),
    ),
    always_registered=frozenset({"101", "102", "103", "104", "107", "109"}),
    trunks=(
        SimTrunk(1, "SIP-Provider", "sip", "idle", "sip.provider.example", 5060),
        SimTrunk(2, "Backup-Trunk", "sip", "idle", "backup.example", 5060),
        SimTrunk(3, "GSM-Gateway", "gsm", "unmonitored", "192.168.1.250", 5060),
    ),
    queues=(
        SiteQueue("6400", "Reception queue", ("101", "102", "109")),
        SiteQueue("6401", "Room service", ("104", "107", "106")),
    ),
    paging=(("6300", "All rooms"),),
    paging_members="Room",
    generated_from=1000,
    generated_names=("Extension", "Room"),
    default_extension="102",
)

OFFICE = Site(
    name="Harbour Street Office",
    extensions=(
        ("301", "Front office"),
        ("302", "Accounts"),
        ("303", "Sales"),
        ("304", "Support"),
        ("305", "Director"),
        ("306", "Meeting room"),
        ("307", "HR"),
        ("308", "IT desk"),
        ("309", "Marketing"),
        ("310", "Warehouse office"),
    ),
    always_registered=frozenset({"301", "303", "304", "305"}),
    trunks=(
        SimTrunk(1, "Office-SIP", "sip", "idle", "sip.carrier.example", 5060),
        SimTrunk(2, "Office-ISDN", "isdn", "idle", "192.168.10.250", 5060),
    ),
    queues=(SiteQueue("6500", "Sales line", ("303", "309", "301")),),
    paging=(("6600", "Whole office"),),
    paging_members="",
    generated_from=3000,
    generated_names=("Desk", "Desk"),
)

CALL_CENTER = Site(
    name="Northwind Call Center",
    extensions=(
        ("401", "Supervisor"),
        ("402", "Agent Alice"),
        ("403", "Agent Ben"),
        ("404", "Agent Chloe"),
        ("405", "Agent Dmitri"),
        ("406", "Agent Eva"),
        ("407", "Agent Femi"),
        ("408", "Team lead"),
        ("409", "Quality desk"),
        ("410", "Training room"),
    ),
    always_registered=frozenset({"401", "402", "403", "404", "408"}),
    trunks=(
        SimTrunk(1, "Inbound-Lines", "sip", "idle", "lines.carrier.example", 5060),
        SimTrunk(2, "Outbound-Lines", "sip", "idle", "out.carrier.example", 5060),
    ),
    queues=(
        SiteQueue("7400", "Customer care", ("402", "403", "404")),
        SiteQueue("7401", "Orders", ("405", "406", "407")),
    ),
    paging=(("7300", "Call floor"),),
    paging_members="Agent",
    generated_from=4000,
    generated_names=("Agent desk", "Agent desk"),
)

WORKSHOP = Site(
    name="Miller Joinery",
    extensions=(
        ("501", "Shop counter"),
        ("502", "Workshop floor"),
        ("503", "Workshop office"),
        ("504", "Stores"),
        ("505", "Delivery van"),
        ("506", "Spray booth"),
        ("507", "Showroom"),
        ("508", "Yard"),
    ),
    always_registered=frozenset({"501", "502", "503"}),
    trunks=(SimTrunk(1, "Shop-Line", "sip", "idle", "voip.isp.example", 5060),),
    queues=(SiteQueue("7500", "Shop line", ("501", "503", "507")),),
    paging=(("7600", "Workshop speakers"),),
    paging_members="Workshop",
    generated_from=5000,
    generated_names=("Bench", "Bench"),
)

CLOUD_TEAM = Site(
    name="Nimbus Design Team",
    extensions=(
        ("601", "Anna Petrova"),
        ("602", "Boris Ivanov"),
        ("603", "Clara Jensen"),
        ("604", "Daniel Okafor"),
        ("605", "Elena Sokolova"),
        ("606", "Team phone"),
    ),
    always_registered=frozenset({"601", "602", "606"}),
    trunks=(SimTrunk(1, "Cloud-Number", "sip", "idle", "sip.telphin.example", 5060),),
    queues=(SiteQueue("7700", "Team line", ("601", "602", "603")),),
    paging=(),
    paging_members="",
    generated_from=6000,
    generated_names=("Member", "Member"),
)

SITES: tuple[Site, ...] = (HOTEL, OFFICE, CALL_CENTER, WORKSHOP, CLOUD_TEAM)


def furnish_office(model: SiteInventory, extensions: int, seed: int, site: Site = HOTEL) -> None:
    """Fill an empty inventory with ``site``: extensions, trunks, queues with agents, pagers.

    About 80 % of the extensions are registered, one or two are in do-not-disturb. Nothing is
    notified: the site exists before anybody subscribes.
    """
    rng = random.Random(seed)
    for number, name in _numbers_and_names(site, extensions):
        model._create_extension(number, name)
    others = [n for n in model.extensions if n not in site.always_registered]
    for number in rng.sample(others, k=len(others) // 4 if len(model.extensions) > 4 else 0):
        model.extensions[number].registered = False
    for index, ext in enumerate(model.extensions.values()):
        ext.registered_ip = ip_for(index) if ext.registered else ""
    online = [n for n in others if model.extensions[n].registered]
    for number in rng.sample(online, k=min(len(online), 1 + rng.randrange(2))):
        model.extensions[number].presence = "do_not_disturb"
    model.trunks = {trunk.name: replace(trunk) for trunk in site.trunks}
    numbers = list(model.extensions)
    model.queues = {}
    for index, spec in enumerate(site.queues):
        queue = SimQueue(index + 1, spec.number, spec.name)
        for position, number in enumerate(_pick(numbers, spec.agents, 3 * index)):
            name = model.extensions[number].name
            queue.agents[number] = SimAgent(number, name, dynamic=position == 2)
        model.queues[spec.number] = queue
    paged = [n for n in numbers if model.extensions[n].name.startswith(site.paging_members)]
    members = (paged if site.paging_members else [])[:8] or numbers[:4]
    model.paging_groups = {
        number: SimPagingGroup(index + 1, number, name, list(members))
        for index, (number, name) in enumerate(site.paging)
    }


def furnish_directory(model: SiteDirectory) -> None:
    """Fill the phonebooks with :data:`CONTACTS` and leave messages for the first extension.

    Its mailbox gets two new messages and one heard one. Nothing is notified.
    """
    for first, last, company, numbers, books in CONTACTS:
        model.add_contact(
            first, numbers, last_name=last, company=company, phonebooks=(DEFAULT_PHONEBOOK, *books)
        )
    first_extension = next(iter(model.extensions), None)
    if first_extension is None:
        return
    for caller, name, heard in (
        (CONTACT_NUMBERS[0], None, True),
        ("+15550199001", "Alice Martin", False),
        (CONTACT_NUMBERS[2], None, False),
    ):
        model.leave_voicemail(first_extension, caller, caller_name=name).heard = heard


def _numbers_and_names(site: Site, count: int) -> list[tuple[str, str]]:
    result = list(site.extensions[:count])
    reserved = {q.number for q in site.queues} | {number for number, _ in site.paging}
    number = site.generated_from
    every_tenth, others = site.generated_names
    while len(result) < count:
        text = str(number)
        if text not in reserved:
            prefix = every_tenth if number % 10 == 0 else others
            result.append((text, f"{prefix} {text}"))
        number += 1
    return result


def _pick(numbers: list[str], preferred: tuple[str, ...], start: int) -> list[str]:
    chosen = [n for n in preferred if n in numbers]
    if chosen:
        return chosen
    return numbers[start : start + 3] or numbers[:3]
