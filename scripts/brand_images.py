"""Draw the integration's brand images into `custom_components/pbx/brand/`.

Home Assistant (2024.10 and later, through its `brands` integration) serves a custom
integration's icon and logo from the `brand` folder next to its manifest. The images follow
the rules of Home Assistant's brands repository:

- `icon.png` 256x256 and `icon@2x.png` 512x512: square, transparent background, trimmed;
- `logo.png` with its shortest side 128-256 px and `logo@2x.png` with it 256-512 px: the icon
  followed by the word "PBX";
- `dark_logo.png` and `dark_logo@2x.png`: the same logo with light text, for dark themes
  (the icon reads on both, so there is no `dark_icon.png`: Home Assistant falls back to
  `icon.png`).

The handset is the Material Design Icons "phone" glyph (Pictogrammers, Apache-2.0). Its SVG
path, arcs and Bézier curves included, is flattened into polygons and drawn at
`SUPERSAMPLE` times the final size, then scaled down with LANCZOS for smooth edges.

Run from the repository root after changing the design, and commit the PNGs:

    .venv/bin/python scripts/brand_images.py
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
import math
from pathlib import Path
import re

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
BRAND_DIR = REPO / "custom_components" / "pbx" / "brand"

# Material Design Icons "phone" (mdi-phone), 24x24 view box.
PHONE_PATH = (
    "M6.62,10.79C8.06,13.62 10.38,15.94 13.21,17.38L15.41,15.18C15.69,14.9 16.08,14.82 "
    "16.43,14.93C17.55,15.3 18.75,15.5 20,15.5A1,1 0 0,1 21,16.5V20A1,1 0 0,1 20,21"
    "A17,17 0 0,1 3,4A1,1 0 0,1 4,3H7.5A1,1 0 0,1 8.5,4C8.5,5.25 8.7,6.45 9.07,7.57"
    "C9.18,7.92 9.1,8.31 8.82,8.59L6.62,10.79Z"
)
PHONE_BOX = (3.0, 3.0, 21.0, 21.0)  # the glyph's extent inside its view box

SUPERSAMPLE = 8
TILE_TOP = (0x21, 0x96, 0xF3)  # Material blue 500
TILE_BOTTOM = (0x15, 0x65, 0xC0)  # Material blue 800
TILE_RADIUS = 0.22  # corner radius, share of the tile's side
HANDSET = (255, 255, 255)
HANDSET_SIZE = 0.60  # the handset's extent, share of the tile's side
TEXT = "PBX"
TEXT_LIGHT_THEME = (0x26, 0x32, 0x38)  # Material blue grey 900
TEXT_DARK_THEME = (0xF5, 0xF7, 0xFA)
TEXT_CAP_HEIGHT = 0.50  # height of the capitals, share of the tile's side
TEXT_GAP = 0.20  # space between tile and text, share of the tile's side
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)

_TOKEN = re.compile(r"[MmLlHhVvCcAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_CURVE_STEPS = 64  # line segments per Bézier curve or arc

Point = tuple[float, float]


def _cubic(p0: Point, p1: Point, p2: Point, p3: Point) -> Iterator[Point]:
    """Points along a cubic Bézier curve, without its start point."""
    for i in range(1, _CURVE_STEPS + 1):
        t = i / _CURVE_STEPS
        u = 1 - t
        yield (
            u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
            u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
        )


def _arc(
    start: Point, rx: float, ry: float, rotation: float, large: bool, sweep: bool, end: Point
) -> Iterator[Point]:
    """Points along an SVG elliptical arc, without its start point (SVG 1.1, F.6.5)."""
    (x1, y1), (x2, y2) = start, end
    if rx == 0 or ry == 0 or start == end:
        yield end
        return
    rx, ry = abs(rx), abs(ry)
    phi = math.radians(rotation)
    cos_phi, sin_phi = math.cos(phi), math.sin(phi)
    dx, dy = (x1 - x2) / 2, (y1 - y2) / 2
    x1p = cos_phi * dx + sin_phi * dy
    y1p = -sin_phi * dx + cos_phi * dy
    scale = (x1p / rx) ** 2 + (y1p / ry) ** 2
    if scale > 1:
        rx, ry = rx * math.sqrt(scale), ry * math.sqrt(scale)
    numerator = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p
    denominator = rx * rx * y1p * y1p + ry * ry * x1p * x1p
    coef = math.sqrt(max(0.0, numerator / denominator))
    if large == sweep:
        coef = -coef
    cxp, cyp = coef * rx * y1p / ry, -coef * ry * x1p / rx
    cx = cos_phi * cxp - sin_phi * cyp + (x1 + x2) / 2
    cy = sin_phi * cxp + cos_phi * cyp + (y1 + y2) / 2
    theta1 = math.atan2((y1p - cyp) / ry, (x1p - cxp) / rx)
    theta2 = math.atan2((-y1p - cyp) / ry, (-x1p - cxp) / rx)
    delta = (theta2 - theta1) % (2 * math.pi)
    if not sweep and delta > 0:
        delta -= 2 * math.pi
    for i in range(1, _CURVE_STEPS + 1):
        theta = theta1 + delta * i / _CURVE_STEPS
        ex, ey = rx * math.cos(theta), ry * math.sin(theta)
        yield cx + cos_phi * ex - sin_phi * ey, cy + sin_phi * ex + cos_phi * ey


def flatten_path(path: str) -> list[list[Point]]:
    """Flatten an SVG path (commands M L H V C A Z) into one polygon per subpath."""
    tokens = _TOKEN.findall(path)
    polygons: list[list[Point]] = []
    current: list[Point] = []
    x = y = 0.0
    command = ""
    index = 0

    def number() -> float:
        nonlocal index
        index += 1
        return float(tokens[index - 1])

    while index < len(tokens):
        if tokens[index].isalpha():
            command = tokens[index]
            index += 1
        relative = command.islower()
        ox, oy = (x, y) if relative else (0.0, 0.0)
        match command.upper():
            case "M":
                if len(current) > 1:
                    polygons.append(current)
                x, y = ox + number(), oy + number()
                current = [(x, y)]
                command = "l" if relative else "L"  # further pairs are line-tos
            case "L":
                x, y = ox + number(), oy + number()
                current.append((x, y))
            case "H":
                x = ox + number()
                current.append((x, y))
            case "V":
                y = oy + number()
                current.append((x, y))
            case "C":
                c1 = (ox + number(), oy + number())
                c2 = (ox + number(), oy + number())
                end = (ox + number(), oy + number())
                current.extend(_cubic((x, y), c1, c2, end))
                x, y = end
            case "A":
                rx, ry, rotation, large, sweep = (number() for _ in range(5))
                end = (ox + number(), oy + number())
                current.extend(_arc((x, y), rx, ry, rotation, bool(large), bool(sweep), end))
                x, y = end
            case "Z":
                if len(current) > 1:
                    polygons.append(current)
                x, y = current[0] if current else (x, y)
                current = [(x, y)]
            case _:
                raise ValueError(f"unsupported path command {command!r}")
    if len(current) > 1:
        polygons.append(current)
    return polygons


def _font(size: int) -> ImageFont.FreeTypeFont:
    """A bold sans-serif TrueType font of the machine."""
    for candidate in FONTS:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    raise FileNotFoundError(f"no bold sans-serif font among {', '.join(FONTS)}")


def draw_tile(side: int) -> Image.Image:
    """The icon, `side` pixels square, at its final size (drawn supersampled)."""
    big = side * SUPERSAMPLE
    gradient = Image.linear_gradient("L").resize((big, big), Image.Resampling.BICUBIC)
    top = Image.new("RGBA", (big, big), (*TILE_TOP, 255))
    bottom = Image.new("RGBA", (big, big), (*TILE_BOTTOM, 255))
    colour = Image.composite(bottom, top, gradient)

    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, big - 1, big - 1), radius=round(TILE_RADIUS * big), fill=255
    )
    tile = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    tile.paste(colour, (0, 0), mask)

    left, top_, right, bottom_ = PHONE_BOX
    scale = HANDSET_SIZE * big / max(right - left, bottom_ - top_)
    offset_x = big / 2 - scale * (left + right) / 2
    offset_y = big / 2 - scale * (top_ + bottom_) / 2
    draw = ImageDraw.Draw(tile)
    for polygon in flatten_path(PHONE_PATH):
        points = [(offset_x + scale * px, offset_y + scale * py) for px, py in polygon]
        draw.polygon(points, fill=(*HANDSET, 255))
    return tile.resize((side, side), Image.Resampling.LANCZOS)


def draw_logo(height: int, text_colour: tuple[int, int, int]) -> Image.Image:
    """The logo, `height` pixels high: the icon, then the word "PBX"."""
    big = height * SUPERSAMPLE
    probe = _font(1000)
    cap_top, cap_bottom = probe.getbbox("H", anchor="ls")[1], 0
    font = _font(round(1000 * TEXT_CAP_HEIGHT * big / (cap_bottom - cap_top)))
    ink = font.getbbox(TEXT, anchor="ls")  # relative to the baseline's left end
    gap = round(TEXT_GAP * big)
    width = -(-(big + gap + ink[2] - ink[0]) // SUPERSAMPLE) * SUPERSAMPLE  # whole pixels
    baseline = round(big / 2 + TEXT_CAP_HEIGHT * big / 2)  # capitals centred on the tile

    text = Image.new("RGBA", (width, big), (0, 0, 0, 0))
    ImageDraw.Draw(text).text(
        (big + gap - ink[0], baseline), TEXT, font=font, fill=(*text_colour, 255), anchor="ls"
    )
    logo = text.resize((width // SUPERSAMPLE, height), Image.Resampling.LANCZOS)
    tile = draw_tile(height)
    logo.alpha_composite(tile)
    return trim(logo)


def trim(image: Image.Image) -> Image.Image:
    """The image without fully transparent rows and columns around it."""
    bbox = image.getchannel("A").getbbox()
    return image.crop(bbox) if bbox else image


def images() -> dict[str, Image.Image]:
    """Every brand image, by file name."""
    return {
        "icon.png": trim(draw_tile(256)),
        "icon@2x.png": trim(draw_tile(512)),
        "logo.png": draw_logo(128, TEXT_LIGHT_THEME),
        "logo@2x.png": draw_logo(256, TEXT_LIGHT_THEME),
        "dark_logo.png": draw_logo(128, TEXT_DARK_THEME),
        "dark_logo@2x.png": draw_logo(256, TEXT_DARK_THEME),
    }


def main() -> None:
    """Write the brand images, optimised, into the brand folder (or the one given)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BRAND_DIR, help="folder to write into")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for name, image in images().items():
        path = out / name
        image.save(path, optimize=True)
        print(f"{path}: {image.width}x{image.height}, {path.stat().st_size} bytes")  # noqa: T201


if __name__ == "__main__":
    main()
