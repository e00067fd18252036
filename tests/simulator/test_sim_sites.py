"""The five demo sites: one per vendor, each with its own names and numbers."""

from __future__ import annotations

import re

from custom_components.pbx.api.voipsun.names import parse_name_lines
from simulator import PbxModel
from simulator.__main__ import SURFACES, build_parser, site_flow, site_model
from simulator.faults import Faults
from simulator.office import HOTEL, SITES


def slug(text: str) -> str:
    """How Home Assistant turns a device name into an entity id's start."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def test_every_vendor_serves_its_own_site() -> None:
    args = build_parser().parse_args([])
    models = [site_model(surface, args, index) for index, surface in enumerate(SURFACES)]
    assert [model.name for model in models] == [site.name for site in SITES]
    assert len({site.name for site in SITES}) == 5
    entity_starts: set[str] = set()
    numbers: set[str] = set()
    for model in models:
        site = next(s for s in SITES if s.name == model.name)
        assert len(model.extensions) == len(site.extensions)
        for ext in model.extensions.values():
            assert ext.name and ext.name != ext.number  # named, not just "101"
            start = slug(f"{ext.name} ({ext.number})")
            assert start not in entity_starts
            entity_starts.add(start)
        assert not numbers & set(model.extensions)
        numbers |= set(model.extensions)
        for queue in model.queues.values():
            assert set(queue.agents) <= set(model.extensions)
    # Only the hotel has the demo user's default extension: the README's card and "me" work.
    assert [s.default_extension for s in SITES] == ["102", None, None, None, None]


def test_the_hotel_is_the_default_site() -> None:
    default, hotel = PbxModel.office(), PbxModel.office(site=HOTEL)
    assert default.name == "Demo Hotel PBX"
    assert hotel.name == "Seaside Hotel"
    assert {n: e.name for n, e in default.extensions.items()} == {
        n: e.name for n, e in hotel.extensions.items()
    }
    assert default.extensions["101"].name == "Reception"


def test_generated_extensions_follow_the_site() -> None:
    office = PbxModel.office(15, site=SITES[1])
    assert list(office.extensions)[-5:] == ["3000", "3001", "3002", "3003", "3004"]
    assert office.extensions["3001"].name == "Desk 3001"


def test_flow_inputs_carry_the_site_name_and_title() -> None:
    args = build_parser().parse_args([])
    surface = SURFACES[0]
    model = site_model(surface, args, 0)
    faults = Faults(0, 0, 0, seed=0)
    server, _, _ = surface.build(model, args, faults)
    flow = site_flow(surface, server, args)
    assert (flow["name"], flow["title"]) == ("Seaside Hotel", "Seaside Hotel (Yeastar)")
    assert flow["options"] == {"default_extension": "102"}
    office, _, _ = SURFACES[1].build(site_model(SURFACES[1], args, 1), args, faults)
    flow = site_flow(SURFACES[1], office, args)
    assert flow["title"] == "Harbour Street Office (Synway)"
    assert "options" not in flow


def test_voipsun_flow_names_the_site_extensions() -> None:
    """The VoIPSUN API names no extension: the demo sets the names option, as a user would."""
    args = build_parser().parse_args([])
    index, surface = next((i, s) for i, s in enumerate(SURFACES) if s.name == "voipsun")
    model = site_model(surface, args, index)
    server, _, _ = surface.build(model, args, Faults(0, 0, 0, seed=0))
    flow = site_flow(surface, server, args)
    assert flow["title"] == "Miller Joinery (VoIPSUN)"
    options = flow["options"]
    assert isinstance(options, dict)
    names = parse_name_lines(options["extension_names"])
    assert names == {number: ext.name for number, ext in model.extensions.items()}
    assert names["501"] == "Shop counter"
