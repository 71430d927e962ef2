"""``approute.og``: ``ImageResponse`` draws an element tree to a PNG. Every
test decodes the PNG with Pillow and checks its pixels."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from approute.http.response import Response
from approute.og import Column, Font, ImageResponse, Picture, Row, Text

RED = (255, 0, 0, 255)
GREEN = (0, 255, 0, 255)
BLUE = (0, 0, 255, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
REPO = Path(__file__).resolve().parents[1]


def _image(response: ImageResponse) -> Image.Image:
    body = response.body
    assert isinstance(body, bytes)
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    image.load()
    return image


def _pixel(image: Image.Image, x: int, y: int) -> tuple[int, ...]:
    pixel = image.getpixel((x, y))
    assert isinstance(pixel, tuple)
    return pixel


def _ink(element: Row | Column | Text, width: int = 400, height: int = 300) -> tuple[int, ...]:
    """The bounding box of whatever ``element`` drew on a white canvas."""
    image = _image(ImageResponse(element, width=width, height=height, background="white"))
    white = Image.new("RGB", image.size, WHITE[:3])
    box = ImageChops.difference(image.convert("RGB"), white).getbbox()
    assert box is not None, "nothing was drawn"
    return box


def _box(**options: object) -> Column:
    return Column(width=100, height=100, background="blue", **options)  # type: ignore[arg-type]


def _png(colour: tuple[int, int, int, int], size: tuple[int, int] = (10, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


# --- the response ---------------------------------------------------------


def test_default_size_is_next_js_1200_by_630() -> None:
    assert _image(ImageResponse(Column())).size == (1200, 630)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        pytest.param((32, 32), (32, 32), id="tuple"),
        pytest.param({"width": 64, "height": 48}, (64, 48), id="metadata-mapping"),
    ],
)
def test_size_sets_the_png_size(
    size: tuple[int, int] | Mapping[str, int], expected: tuple[int, int]
) -> None:
    response = ImageResponse(Column(), width=500, height=500, size=size)
    assert _image(response).size == expected


def test_width_and_height_set_the_png_size() -> None:
    assert _image(ImageResponse(Column(), width=300, height=200)).size == (300, 200)


def test_is_a_response_with_next_js_production_headers() -> None:
    response = ImageResponse(Column(), size=(8, 8))
    assert isinstance(response, Response)
    assert response.status == 200
    assert response.headers.get("content-type") == "image/png"
    assert response.headers.get("cache-control") == "public, max-age=0, must-revalidate"


def test_headers_override_the_defaults_and_add_to_them() -> None:
    response = ImageResponse(
        Column(),
        size=(8, 8),
        headers={"Cache-Control": "public, max-age=3600, immutable", "x-card": "1"},
    )
    assert response.headers.get_all("cache-control") == ["public, max-age=3600, immutable"]
    assert response.headers.get("content-type") == "image/png"
    assert response.headers.get("x-card") == "1"


def test_status_passes_through() -> None:
    assert ImageResponse(Column(), size=(8, 8), status=404).status == 404


def test_canvas_is_transparent_by_default_and_takes_a_background() -> None:
    assert _pixel(_image(ImageResponse(Column(), size=(8, 8))), 4, 4) == CLEAR
    image = _image(ImageResponse(Column(), size=(8, 8), background="#00ff00"))
    assert _pixel(image, 4, 4) == GREEN


# --- boxes ----------------------------------------------------------------


def test_root_background_fills_the_canvas() -> None:
    image = _image(ImageResponse(Row(background="#ff0000"), size=(200, 100)))
    assert _pixel(image, 100, 50) == RED
    assert _pixel(image, 0, 0) == RED
    assert _pixel(image, 199, 99) == RED


def test_padding_leaves_the_canvas_at_the_edge() -> None:
    inner = Column(grow=1, background="#ff0000")
    root = Column(inner, padding=20, align="stretch")
    image = _image(ImageResponse(root, size=(200, 100)))
    assert _pixel(image, 0, 0) == CLEAR
    assert _pixel(image, 19, 50) == CLEAR
    assert _pixel(image, 20, 20) == RED
    assert _pixel(image, 179, 79) == RED
    assert _pixel(image, 180, 50) == CLEAR


@pytest.mark.parametrize(
    ("padding", "inside", "outside"),
    [
        pytest.param(
            (10, 30), [(30, 10), (169, 89)], [(29, 50), (100, 9)], id="vertical-horizontal"
        ),
        pytest.param((5, 10, 15, 20), [(20, 5), (189, 84)], [(19, 50), (100, 85)], id="four"),
    ],
)
def test_padding_takes_css_shorthands(
    padding: tuple[int, ...], inside: list[tuple[int, int]], outside: list[tuple[int, int]]
) -> None:
    root = Column(Column(grow=1, background="#ff0000"), padding=padding, align="stretch")  # type: ignore[arg-type]
    image = _image(ImageResponse(root, size=(200, 100)))
    assert [_pixel(image, x, y) for x, y in inside] == [RED] * len(inside)
    assert [_pixel(image, x, y) for x, y in outside] == [CLEAR] * len(outside)


def test_justify_and_align_center_put_a_box_in_the_middle() -> None:
    root = Column(_box(), justify="center", align="center")
    image = _image(ImageResponse(root, size=(400, 400)))
    assert _pixel(image, 200, 200) == BLUE
    assert _pixel(image, 150, 150) == BLUE
    assert _pixel(image, 249, 249) == BLUE
    assert _pixel(image, 10, 10) != BLUE
    assert _pixel(image, 149, 200) == CLEAR
    assert _pixel(image, 250, 200) == CLEAR


def test_justify_end_puts_a_box_at_the_right_of_a_row() -> None:
    image = _image(ImageResponse(Row(_box(), justify="end"), size=(400, 100)))
    assert _pixel(image, 399, 50) == BLUE
    assert _pixel(image, 300, 50) == BLUE
    assert _pixel(image, 299, 50) == CLEAR


def test_align_end_puts_a_box_at_the_bottom_of_a_row() -> None:
    image = _image(ImageResponse(Row(_box(), align="end"), size=(400, 400)))
    assert _pixel(image, 50, 399) == BLUE
    assert _pixel(image, 50, 299) == CLEAR


def test_space_between_puts_two_boxes_at_the_edges() -> None:
    image = _image(ImageResponse(Row(_box(), _box(), justify="space-between"), size=(400, 100)))
    assert _pixel(image, 0, 50) == BLUE
    assert _pixel(image, 99, 50) == BLUE
    assert _pixel(image, 200, 50) == CLEAR
    assert _pixel(image, 300, 50) == BLUE
    assert _pixel(image, 399, 50) == BLUE


def test_space_around_puts_half_space_at_the_ends() -> None:
    # 400 - 200 = 200 free: 50 around each side of each box.
    image = _image(ImageResponse(Row(_box(), _box(), justify="space-around"), size=(400, 100)))
    assert _pixel(image, 49, 50) == CLEAR
    assert _pixel(image, 50, 50) == BLUE
    assert _pixel(image, 149, 50) == BLUE
    assert _pixel(image, 150, 50) == CLEAR
    assert _pixel(image, 250, 50) == BLUE
    assert _pixel(image, 350, 50) == CLEAR


def test_column_justify_works_vertically() -> None:
    image = _image(ImageResponse(Column(_box(), justify="end"), size=(100, 400)))
    assert _pixel(image, 50, 399) == BLUE
    assert _pixel(image, 50, 299) == CLEAR


def test_gap_leaves_space_between_children() -> None:
    small = Column(width=50, height=50, background="blue")
    image = _image(ImageResponse(Row(small, small, gap=20), size=(200, 50)))
    assert _pixel(image, 25, 25) == BLUE
    assert _pixel(image, 49, 25) == BLUE
    assert _pixel(image, 60, 25) == CLEAR
    assert _pixel(image, 70, 25) == BLUE
    assert _pixel(image, 119, 25) == BLUE
    assert _pixel(image, 120, 25) == CLEAR


def test_grow_shares_the_free_space() -> None:
    # 300 free: a third to the first, two thirds to the second.
    root = Row(
        Column(grow=1, background="red"),
        Column(grow=2, background="blue"),
        align="stretch",
    )
    image = _image(ImageResponse(root, size=(300, 50)))
    assert _pixel(image, 99, 25) == RED
    assert _pixel(image, 100, 25) == BLUE
    assert _pixel(image, 299, 25) == BLUE


def test_stretch_fills_the_cross_axis_unless_the_size_is_fixed() -> None:
    root = Row(
        Column(width=50, background="red"),
        Column(width=50, height=20, background="blue"),
        align="stretch",
    )
    image = _image(ImageResponse(root, size=(100, 100)))
    assert _pixel(image, 25, 99) == RED
    assert _pixel(image, 75, 19) == BLUE
    assert _pixel(image, 75, 20) == CLEAR


def test_nested_containers_size_to_their_content() -> None:
    card = Column(_box(), _box(), padding=10, gap=10, background="red")
    image = _image(ImageResponse(Row(card), size=(300, 300)))
    # 10 + 100 + 10 + 100 + 10 high, 10 + 100 + 10 wide.
    assert _pixel(image, 5, 5) == RED
    assert _pixel(image, 50, 50) == BLUE
    assert _pixel(image, 50, 115) == RED
    assert _pixel(image, 50, 150) == BLUE
    assert _pixel(image, 115, 229) == RED
    assert _pixel(image, 120, 100) == CLEAR
    assert _pixel(image, 50, 230) == CLEAR


def test_radius_rounds_the_corners() -> None:
    image = _image(ImageResponse(Column(background="blue", radius=40), size=(200, 100)))
    assert _pixel(image, 0, 0) == CLEAR
    assert _pixel(image, 199, 99) == CLEAR
    assert _pixel(image, 100, 0) == BLUE
    assert _pixel(image, 0, 50) == BLUE
    assert _pixel(image, 100, 50) == BLUE


def test_gradient_runs_from_top_to_bottom() -> None:
    image = _image(ImageResponse(Column(background=("#ff0000", "#0000ff")), size=(10, 256)))
    top, middle, bottom = (_pixel(image, 5, y) for y in (0, 128, 255))
    assert (top[0], top[2]) == (255, 0)
    assert (bottom[0], bottom[2]) == (0, 255)
    assert 100 < middle[0] < 156
    assert 100 < middle[2] < 156


def test_translucent_colours_blend_over_what_is_below() -> None:
    root = Column(background="rgba(255, 0, 0, 128)")
    image = _image(ImageResponse(root, size=(10, 10), background="white"))
    red, green, blue, alpha = _pixel(image, 5, 5)
    assert (red, alpha) == (255, 255)
    assert 120 < green < 135
    assert green == blue


def test_boxes_past_the_canvas_are_clipped() -> None:
    root = Row(Column(width=300, height=300, background="blue", radius=20), justify="center")
    image = _image(ImageResponse(root, size=(100, 100)))
    assert image.size == (100, 100)
    assert _pixel(image, 50, 50) == BLUE
    assert _pixel(image, 0, 0) == BLUE


# --- text -----------------------------------------------------------------


def test_text_draws_in_its_box() -> None:
    left, top, right, bottom = _ink(Column(Text("Hello"), padding=20))
    assert 20 <= left < 30
    assert 20 <= top < 40
    assert right < 150
    assert bottom <= 20 + 38 + 1  # one 32px line at line-height 1.2


def test_text_colour_is_used() -> None:
    image = _image(ImageResponse(Text("█ Hello", size=64, color="#00ff00"), size=(300, 100)))
    colours = image.getcolors(maxcolors=100_000)
    assert colours is not None
    count, colour = max(colours, key=lambda pair: pair[0] if pair[1] != CLEAR else 0)
    assert colour == GREEN
    assert count > 100


def test_long_text_wraps_to_the_column_width() -> None:
    words = "the quick brown fox jumps over the lazy dog"
    short_box = _ink(Column(Text("the"), width=150))
    long_box = _ink(Column(Text(words), width=150))
    assert long_box[3] - long_box[1] > 3 * (short_box[3] - short_box[1])
    assert long_box[2] <= 150


def test_newlines_break_lines() -> None:
    one = _ink(Text("alpha beta"))
    two = _ink(Text("alpha\nbeta"))
    assert two[3] - two[1] > one[3] - one[1] + 20
    assert two[2] < one[2]


def test_a_word_longer_than_the_line_breaks_between_characters() -> None:
    _, top, right, bottom = _ink(Column(Text("W" * 40), width=100))
    assert right <= 100
    assert bottom - top > 3 * 38


def test_max_lines_truncates_with_an_ellipsis() -> None:
    words = "the quick brown fox jumps over the lazy dog " * 3
    _, top, right, bottom = _ink(Column(Text(words, max_lines=1), width=200))
    assert bottom - top <= 38
    assert right <= 200
    two = _ink(Column(Text(words, max_lines=2), width=200))
    assert 38 < two[3] - two[1] <= 2 * 38


def test_text_align_places_lines_in_a_stretched_box() -> None:
    def ink(align: str) -> tuple[int, ...]:
        text = Text("Hi", align=align)  # type: ignore[arg-type]
        return _ink(Column(text, align="stretch"), width=400, height=100)

    left, center, right = ink("left"), ink("center"), ink("right")
    assert left[0] < 10
    assert abs((center[0] + center[2]) / 2 - 200) < 5
    assert right[2] > 390


def test_bold_draws_heavier_strokes() -> None:
    def ink_pixels(weight: str) -> int:
        text = Text("Hello", size=48, weight=weight)  # type: ignore[arg-type]
        image = _image(ImageResponse(text, size=(300, 100)))
        return sum(image.getchannel("A").histogram()[129:])

    assert ink_pixels("bold") > 1.3 * ink_pixels("normal")


def test_text_in_a_row_shrinks_beside_a_fixed_box() -> None:
    words = "the quick brown fox jumps over the lazy dog"
    row = Row(Column(width=100, height=10, background="red"), Text(words), width=300)
    _, top, right, bottom = _ink(row)
    assert right <= 300
    assert bottom - top > 2 * 38


def test_a_system_ttf_font_draws_text(tmp_path: Path) -> None:
    """Uses DejaVu Sans from the system fonts: an optional file, so the test
    skips where it is not installed (every other test uses Pillow's font)."""
    if not DEJAVU.is_file():
        pytest.skip(f"{DEJAVU} is not installed")
    default = _ink(Text("Hello"))
    dejavu = _ink(Text("Hello", font=DEJAVU))
    assert dejavu != default
    assert Text("Hello", font=str(DEJAVU)).font == Font(DEJAVU)
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_bytes(b"not a font")
    with pytest.raises(ValueError, match=r"font\.ttf"):
        Text("Hello", font=not_a_font)


def test_a_missing_font_file_is_named() -> None:
    with pytest.raises(FileNotFoundError, match=r"no-such-font\.ttf"):
        Text("Hello", font="fonts/no-such-font.ttf")


# --- pictures -------------------------------------------------------------


def test_picture_is_scaled_into_its_box() -> None:
    picture = Picture(_png(GREEN), width=100, height=100)
    image = _image(ImageResponse(Row(picture, padding=50), size=(200, 200)))
    assert _pixel(image, 100, 100) == GREEN
    assert _pixel(image, 50, 50) == GREEN
    assert _pixel(image, 149, 149) == GREEN
    assert _pixel(image, 49, 100) == CLEAR


def test_picture_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "green.png"
    path.write_bytes(_png(GREEN))
    image = _image(ImageResponse(Picture(path, width=20, height=20), size=(20, 20)))
    assert _pixel(image, 10, 10) == GREEN


def test_picture_contain_letterboxes_and_cover_crops() -> None:
    wide = _png(GREEN, (40, 10))
    contain = _image(ImageResponse(Picture(wide, width=100, height=100, fit="contain")))
    assert _pixel(contain, 50, 50) == GREEN
    assert _pixel(contain, 50, 10) == CLEAR
    cover = _image(ImageResponse(Picture(wide, width=100, height=100)))
    assert _pixel(cover, 50, 10) == GREEN
    fill = _image(ImageResponse(Picture(wide, width=100, height=100, fit="fill")))
    assert _pixel(fill, 99, 99) == GREEN


def test_picture_radius_rounds_it() -> None:
    picture = Picture(_png(GREEN), width=100, height=100, radius=50)
    image = _image(ImageResponse(picture, size=(100, 100)))
    assert _pixel(image, 50, 50) == GREEN
    assert _pixel(image, 2, 2) == CLEAR


def test_picture_that_is_not_an_image_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="10 bytes is not an image"):
        Picture(b"not an png", width=10, height=10)


# --- elements and errors --------------------------------------------------


def test_elements_are_frozen_and_comparable() -> None:
    assert Row(Text("a"), gap=4) == Row(Text("a"), gap=4)
    assert hash(Text("a")) == hash(Text("a"))
    assert Column(padding=(1, 2)).padding == (1, 2, 1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Text("a").size = 10  # type: ignore[misc]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: Column(background="blu"), "background: unknown colour 'blu'", id="bg"),
        pytest.param(lambda: Text("a", color="nope"), "unknown colour 'nope'", id="text-color"),
        pytest.param(
            lambda: ImageResponse(Column(), size=(8, 8), background="#12"),
            "background: unknown colour '#12'",
            id="canvas",
        ),
        pytest.param(
            lambda: Column(background=("red", "blu")), "unknown colour 'blu'", id="gradient"
        ),
    ],
)
def test_a_bad_colour_is_named(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()


@pytest.mark.parametrize("value", [0, -1, 5000, 1.5, True])
def test_a_bad_size_is_named(value: object) -> None:
    pattern = rf"from 1 to 4096; got {value!r}"
    with pytest.raises(ValueError, match=pattern):
        ImageResponse(Column(), width=value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=pattern):
        ImageResponse(Column(), size=(10, value))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=pattern):
        Column(width=value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=pattern):
        Picture(_png(GREEN), width=10, height=value)  # type: ignore[arg-type]


def test_a_size_mapping_needs_width_and_height() -> None:
    with pytest.raises(ValueError, match="width"):
        ImageResponse(Column(), size={"height": 10})


@pytest.mark.parametrize(
    ("build", "options", "message"),
    [
        pytest.param(
            Row,
            {"align": "middle"},
            "Row align must be one of start, center, end, stretch; got 'middle'",
            id="align",
        ),
        pytest.param(
            Column,
            {"justify": "between"},
            "Column justify must be one of start, center, end, space-between, space-around; "
            "got 'between'",
            id="justify",
        ),
        pytest.param(partial(Text, "a"), {"align": "justify"}, "got 'justify'", id="text-align"),
        pytest.param(partial(Text, "a"), {"weight": "600"}, "got '600'", id="weight"),
        pytest.param(
            partial(Picture, b"", width=1, height=1), {"fit": "crop"}, "got 'crop'", id="fit"
        ),
        pytest.param(Column, {"padding": (1, 2, 3, 4, 5)}, "1 to 4 values", id="padding"),
        pytest.param(Column, {"gap": -1}, "gap must be an int from 0", id="gap"),
        pytest.param(partial(Text, "a"), {"size": 0}, "must be a number more than 0", id="size"),
        pytest.param(Row, {"grow": -1}, "grow must be a number 0 or more", id="grow"),
    ],
)
def test_a_bad_option_lists_what_is_allowed(
    build: Callable[..., object], options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build(**options)


def test_a_string_child_says_to_use_text() -> None:
    with pytest.raises(TypeError, match=r"got str \(wrap text in Text"):
        Column("hello")  # type: ignore[arg-type]


def test_image_response_needs_an_element() -> None:
    with pytest.raises(TypeError, match="got dict"):
        ImageResponse({"type": "div"})  # type: ignore[arg-type]


def test_without_pillow_the_import_error_says_how_to_install_it() -> None:
    code = (
        "import sys\n"
        "sys.modules['PIL'] = None\n"
        "try:\n"
        "    import approute.og\n"
        "except ImportError as error:\n"
        "    print(error, type(error.__cause__).__name__, sep='|')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == (
        "approute.og needs Pillow: pip install 'approute[images]'|ModuleNotFoundError"
    )
