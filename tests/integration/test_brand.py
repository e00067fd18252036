"""Brand images: served by Home Assistant's `brands` view, and within the brands rules."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from PIL import Image
import pytest

BRAND_DIR = Path(__file__).resolve().parents[2] / "custom_components" / "pbx" / "brand"

# Image -> (exact size, or None) and the bounds of its shortest side.
RULES = {
    "icon.png": ((256, 256), (256, 256)),
    "icon@2x.png": ((512, 512), (512, 512)),
    "logo.png": (None, (128, 256)),
    "logo@2x.png": (None, (256, 512)),
    "dark_logo.png": (None, (128, 256)),
    "dark_logo@2x.png": (None, (256, 512)),
}
MAX_BYTES = 100_000


@pytest.fixture
async def brands(hass: HomeAssistant) -> None:
    """Home Assistant's `brands` integration, which serves custom integrations' brand folders."""
    assert await async_setup_component(hass, "brands", {})
    await hass.async_block_till_done()


@pytest.mark.usefixtures("brands")
@pytest.mark.parametrize("image", sorted(RULES))
async def test_served_from_brand_folder(hass: HomeAssistant, hass_client, image: str) -> None:
    client = await hass_client()
    response = await client.get(f"/api/brands/integration/pbx/{image}")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/png"
    assert await response.read() == (BRAND_DIR / image).read_bytes()


@pytest.mark.usefixtures("brands")
async def test_dark_icon_falls_back_to_icon(hass: HomeAssistant, hass_client) -> None:
    """The icon reads on dark backgrounds too, so there is no dark_icon.png of its own."""
    assert not (BRAND_DIR / "dark_icon.png").exists()
    client = await hass_client()
    response = await client.get("/api/brands/integration/pbx/dark_icon.png")
    assert response.status == HTTPStatus.OK
    assert await response.read() == (BRAND_DIR / "icon.png").read_bytes()


def test_only_known_images() -> None:
    assert {path.name for path in BRAND_DIR.iterdir()} == set(RULES)


@pytest.mark.parametrize("image", sorted(RULES))
def test_image_rules(image: str) -> None:
    path = BRAND_DIR / image
    exact, (shortest_min, shortest_max) = RULES[image]
    assert path.stat().st_size < MAX_BYTES
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert png.mode == "RGBA"  # transparent background
        if exact is not None:
            assert png.size == exact
        else:
            assert png.width > png.height  # landscape logo
        assert shortest_min <= min(png.size) <= shortest_max
        alpha = png.getchannel("A")
        assert alpha.getbbox() == (0, 0, *png.size)  # trimmed: no empty border
        assert alpha.getpixel((0, 0)) == 0  # the tile's rounded corner is transparent
