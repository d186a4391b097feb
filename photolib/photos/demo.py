"""Demo photos for ``seed_demo``: 24 city scenes drawn with Pillow, uploaded by the demo
resident to "City Community Photos" through the real services, ingested, left waiting for
review. Idempotent: photos the resident already has (same title, same group) are skipped.
"""

from __future__ import annotations

import io
import random
from datetime import datetime

from django.core.files import File
from PIL import Image, ImageChops, ImageDraw, ImageFilter
from PIL.TiffImagePlugin import IFDRational

from photolib.consent.models import CommunityGroup
from photolib.photos import errors, ingest, uploads
from photolib.photos.models import People, Photo

GROUP_SLUG = "city-community-photos"
RESIDENT = "resident@example.org"
CENTRE = (48.2082, 16.3738)  # the demo city's centre; each photo sits a little way off

# title, place, tags, (width, height), EXIF orientation, people
PHOTOS: tuple[tuple[str, str, tuple[str, ...], tuple[int, int], int, str], ...] = (
    ("Morning light over the old bridge", "Old Bridge", ("bridge", "river", "morning"),
     (1600, 1067), 1, People.NONE),
    ("Market day on Station Square", "Station Square", ("market", "square"), (1600, 1067), 1,
     People.CONSENTED),
    ("Autumn in Riverside Park", "Riverside Park", ("park", "autumn", "trees"), (1067, 1600), 1,
     People.NONE),
    ("The town hall clock", "Town Hall", ("architecture", "town hall"), (1200, 1600), 6,
     People.NONE),
    ("Harbour cranes at dusk", "North Harbour", ("harbour", "dusk", "industry"), (1800, 900),
     1, People.NONE),
    ("Cyclists on Canal Street", "Canal Street", ("cycling", "street"), (1600, 1067), 1,
     People.CONSENTED),
    ("Snow on the cathedral roofs", "Cathedral Hill", ("winter", "snow", "architecture"),
     (1600, 1200), 1, People.NONE),
    ("Tram stop in the rain", "Elm Avenue", ("tram", "rain", "street"), (1067, 1600), 1,
     People.NONE),
    ("Summer concert in the bandstand", "Rose Garden", ("music", "summer", "event"),
     (1600, 1067), 1, People.CONSENTED),
    ("Allotment gardens in June", "East Allotments", ("gardens", "summer"), (1400, 1400), 1,
     People.NONE),
    ("Library reading room", "Central Library", ("library", "interior"), (1600, 1067), 1,
     People.NONE),
    ("Sunset from the water tower", "Water Tower", ("sunset", "skyline"), (2000, 800), 1,
     People.NONE),
    ("Fishing boats at the quay", "Fish Quay", ("harbour", "boats"), (1600, 1200), 8,
     People.NONE),
    ("Spring blossom on Cherry Lane", "Cherry Lane", ("spring", "blossom", "street"),
     (1067, 1600), 1, People.NONE),
    ("Street festival parade", "High Street", ("festival", "event", "street"), (1600, 1067), 1,
     People.CONSENTED),
    ("The lighthouse path", "South Pier", ("coast", "lighthouse"), (1067, 1600), 1,
     People.NONE),
    ("Fog over the river meadows", "River Meadows", ("fog", "river", "nature"), (1600, 1067),
     1, People.NONE),
    ("New footbridge at night", "Mill Lock", ("bridge", "night"), (1600, 1067), 1,
     People.NONE),
    ("Farmers' stalls, close up", "Station Square", ("market", "food"), (1200, 1200), 1,
     People.NONE),
    ("Skaters in the ice rink", "Town Hall Square", ("winter", "sport", "event"),
     (1600, 1067), 3, People.CONSENTED),
    ("Hillside vineyards", "North Hills", ("vineyard", "autumn", "nature"), (1800, 1000), 1,
     People.NONE),
    ("Old shopfronts on Baker Row", "Baker Row", ("architecture", "street", "shops"),
     (1067, 1600), 1, People.NONE),
    ("Swans by the weir", "Mill Lock", ("river", "birds", "nature"), (1600, 1067), 1,
     People.NONE),
    ("First light on the skyline", "Water Tower", ("skyline", "morning"), (2000, 900), 1,
     People.NONE),
)


def _exif(index: int, orientation: int) -> bytes:
    rng = random.Random(index)  # noqa: S311 - picture content, not secrets
    exif = Image.Exif()
    exif[0x010F] = "Pixelcraft"
    exif[0x0110] = rng.choice(("PC-20", "PC-40 Mark II", "Pocket 7"))
    exif[0x0131] = "seed_demo"
    exif[0x013B] = "Rosa Resident"
    if orientation != 1:
        exif[0x0112] = orientation
    ifd = exif.get_ifd(0x8769)
    taken = datetime(2023 + index % 2, 1 + (index * 5) % 12, 1 + (index * 7) % 28,
                     7 + index % 12, (index * 13) % 60, (index * 29) % 60)
    ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    ifd[0x9011] = "+01:00"
    ifd[0x829A] = IFDRational(1, rng.choice((60, 125, 250, 500)))
    ifd[0x829D] = IFDRational(rng.choice((18, 28, 40, 56, 80)), 10)
    ifd[0x8827] = rng.choice((100, 200, 400, 800))
    ifd[0x920A] = IFDRational(rng.choice((24, 35, 50, 85)), 1)
    gps = exif.get_ifd(0x8825)
    lat = CENTRE[0] + rng.uniform(-0.04, 0.04)
    lon = CENTRE[1] + rng.uniform(-0.06, 0.06)

    def dms(value: float) -> tuple[IFDRational, ...]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = (value - degrees - minutes / 60) * 3600
        return (IFDRational(degrees, 1), IFDRational(minutes, 1),
                IFDRational(round(seconds * 100), 100))

    gps[1], gps[2] = "N", dms(lat)
    gps[3], gps[4] = "E", dms(lon)
    gps[5], gps[6] = 0, IFDRational(round(rng.uniform(160, 260) * 10), 10)
    return exif.tobytes()


def _scene(index: int, size: tuple[int, int]) -> Image.Image:
    """A simple city scene: sky, sun, hills, a skyline of lit buildings, water, some grain."""
    rng = random.Random(1000 + index)  # noqa: S311 - picture content, not secrets
    width, height = size
    top = (rng.randrange(40, 120), rng.randrange(90, 170), rng.randrange(170, 240))
    bottom = (rng.randrange(200, 255), rng.randrange(150, 220), rng.randrange(120, 200))
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    draw = ImageDraw.Draw(image)
    sun = (rng.randrange(width), rng.randrange(height // 8, height // 2))
    r = max(width, height) // rng.randrange(14, 24)
    draw.ellipse((sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r), fill=(255, 236, 170))
    horizon = int(height * rng.uniform(0.55, 0.7))
    for layer in range(3):
        shade = 60 + layer * 35
        colour = (shade // 2, shade, shade // 2 + 10)
        points = [(0, height)]
        for x in range(0, width + 80, 80):
            points.append((x, horizon - rng.randrange(0, height // 6) + layer * height // 25))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    x = rng.randrange(0, width // 10)
    while x < width:
        w = rng.randrange(width // 30, width // 10)
        h = rng.randrange(height // 12, height // 3)
        tone = rng.randrange(30, 80)
        draw.rectangle((x, horizon - h, x + w, horizon + height // 20),
                       fill=(tone, tone, tone + 15))
        for wy in range(horizon - h + 8, horizon, 18):
            for wx in range(x + 5, x + w - 6, 14):
                if rng.random() < 0.35:
                    draw.rectangle((wx, wy, wx + 6, wy + 9), fill=(250, 220, 140))
        x += w + rng.randrange(2, width // 25)
    water = (rng.randrange(20, 60), rng.randrange(60, 110), rng.randrange(110, 160))
    draw.rectangle((0, horizon + height // 20, width, height), fill=water)
    for _ in range(60):
        y = rng.randrange(horizon + height // 20, height)
        x0 = rng.randrange(width)
        draw.line((x0, y, x0 + rng.randrange(20, 120), y), fill=(200, 210, 230), width=2)
    image = image.filter(ImageFilter.BoxBlur(1))
    # Grain drawn at half size and scaled up: cheaper, and softer like a real sensor's.
    grain = Image.effect_noise((width // 2, height // 2), 16).resize(size).convert("RGB")
    return ImageChops.add(image, grain, scale=1.0, offset=-128)


def _jpeg(index: int, size: tuple[int, int], orientation: int) -> bytes:
    image = _scene(index, size)
    if orientation == 6:  # stored sideways, as a phone held upright writes it
        image = image.transpose(Image.Transpose.ROTATE_90)
    elif orientation == 8:
        image = image.transpose(Image.Transpose.ROTATE_270)
    elif orientation == 3:
        image = image.transpose(Image.Transpose.ROTATE_180)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, exif=_exif(index, orientation))
    return buffer.getvalue()


def seed(*, users: dict, stdout=None) -> None:
    resident = users[RESIDENT]
    group = CommunityGroup.objects.get(slug=GROUP_SLUG)
    existing = set(Photo.objects.filter(owner=resident, group=group)
                   .values_list("title", flat=True))
    for index, (title, place, tags, size, orientation, people) in enumerate(PHOTOS):
        if title in existing:
            continue
        name = f"IMG_{2040 + index}.jpg" if index % 3 else f"{title}.jpg"
        upload = File(io.BytesIO(_jpeg(index, size, orientation)), name=name)
        try:
            photo = uploads.photo_upload(
                acting_user=resident, group=group, upload=upload, title=title,
                description=f"{place}, seen by a resident.", tags=tags, place_name=place,
                own_work=True, people=people)
        except errors.PhotoError as exc:
            if stdout is not None:
                stdout.write(f"Demo photos: stopped at “{title}”: {exc}")
            break
        ingest.photo_ingest(photo_id=photo.id)  # a no-op when the eager task already ran
    if stdout is not None:
        total = Photo.objects.filter(owner=resident, group=group).count()
        # The same line on every run: seed_demo's output is part of its idempotence.
        stdout.write(f"Demo photos: {total} by {resident.email} in {group.name}")
