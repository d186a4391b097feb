"""Benchmark: media_ingest's EXIF + renditions vs naive Pillow vs pyvips ``thumbnail``.

Run from the repository root::

    python bench/ingest.py                 # ~2-3 minutes on 2 cores
    python bench/ingest.py --rounds 3      # quicker, noisier
    python bench/ingest.py --worst-case    # peak RSS for the largest files the limits admit

``--worst-case`` generates, for the default ``Limits``, the largest file of each kind whose
decoded size is still admitted (a 100 MP RGBA PNG, a single-strip 16-bit RGB TIFF of 40 MP,
and a 57 MP HEIC when pillow-heif is installed), then runs ``pipeline.process`` on each in a
fresh subprocess that first sets up Django and imports the ingest task module, as a Celery
worker child has, and prints that process' peak RSS (``ru_maxrss``) and its growth over the
baseline. The target is a worker peak of at most 600 MB for any accepted file.

It generates camera-like JPEGs (12, 24 and 45 MP: smooth gradients, hard-edged blobs and
Gaussian sensor noise, q92 4:2:0, EXIF Make/Model/DateTimeOriginal/GPS; the 24 MP one has
Orientation 6, the 45 MP one a Display P3 ICC profile) into a cache directory, then for each
size and each contender runs a fresh subprocess that warms up on a tiny image, times the work
on the big one (median of ``--repeats``) and reports its peak RSS (``ru_maxrss``). Rounds are
interleaved (size x contender order repeats), and the table shows the median over rounds.

Contenders, each producing a 1600 px preview and a 400 px thumbnail, JPEG q85, no metadata:

- ``media_ingest``: ``extract_exif`` + ``imaging.render`` (sniff, header checks, JPEG draft,
  preview first then thumb from it, sRGB conversion when a profile is present, orientation);
  a second column times the full ``pipeline.process`` (adds SHA-256 and the perceptual hash).
- ``naive``: exifread, ``Image.open`` + ``exif_transpose`` (full-size decode), LANCZOS resize
  of the full image to each size, save.
- ``pyvips``: ``pyvips.Image.thumbnail`` (shrink-on-load, auto-rotate) once per size,
  ``export_profile="srgb"`` only when the file embeds a profile (thumbnail does no colour
  management otherwise), ``jpegsave_buffer`` with ``keep=NONE``; ``VIPS_CONCURRENCY=1`` and
  the operation cache disabled.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES: dict[str, tuple[int, int]] = {
    "12MP": (4000, 3000),
    "24MP": (6000, 4000),
    "45MP": (8256, 5504),
}
CONTENDERS = ("media_ingest", "naive", "pyvips")
PREVIEW_EDGE = 1600
THUMB_EDGE = 400
QUALITY = 85


# ---------------------------------------------------------------------------------------------
# Synthetic inputs


def camera_exif(orientation: int = 1) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0110] = "Model X"
    exif[0x0131] = "bench 1.0"
    exif[0x0112] = orientation
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = "2024:06:01 12:34:56"
    exif_ifd[0x9011] = "+02:00"
    exif_ifd[0x829A] = 1 / 250
    exif_ifd[0x829D] = 4.0
    exif_ifd[0x8827] = 200
    exif_ifd[0x920A] = 35.0
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 12.5)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 41.0)
    return exif.tobytes()


def make_photo(
    path: Path, width: int, height: int, *, seed: int, orientation: int = 1, icc: bytes | None
) -> None:
    """Write a camera-like JPEG (gradients + blobs + Gaussian noise) with EXIF."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (height // 400 + 3, width // 400 + 3, 3), dtype=np.uint8)
    base = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(base)
    for _ in range(60):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        rx, ry = int(rng.integers(20, width // 8)), int(rng.integers(20, height // 8))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=colour)
    pixels = np.asarray(base).copy()
    noise = rng.normal(0.0, 7.0, (512, 1024, 3)).astype(np.int16)
    for top in range(0, height, 512):
        band = pixels[top : top + 512].astype(np.int16)
        tile = np.tile(noise, (1, width // 1024 + 1, 1))[: band.shape[0], :width]
        pixels[top : top + 512] = np.clip(band + tile, 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels)
    params: dict[str, object] = {"quality": 92, "subsampling": 2, "exif": camera_exif(orientation)}
    if icc:
        params["icc_profile"] = icc
    image.save(path, "JPEG", **params)


def build_inputs(cache: Path) -> dict[str, Path]:
    """Generate (once) and return the benchmark images by label."""
    # Imported here, not at the top: the contenders' processes must not load media_ingest.
    from media_ingest.synthetic import display_p3_icc

    cache.mkdir(parents=True, exist_ok=True)
    plan = {
        "12MP": dict(orientation=1, icc=None),
        "24MP": dict(orientation=6, icc=None),
        "45MP": dict(orientation=1, icc=display_p3_icc()),
    }
    files: dict[str, Path] = {}
    for seed, (label, options) in enumerate(plan.items()):
        width, height = SIZES[label]
        path = cache / f"bench-{label}-v1.jpg"
        if not path.exists():
            started = time.perf_counter()
            tmp = path.with_suffix(".tmp")
            make_photo(tmp, width, height, seed=seed, **options)  # type: ignore[arg-type]
            tmp.replace(path)
            print(
                f"  generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) "
                f"in {time.perf_counter() - started:.1f}s",
                file=sys.stderr,
            )
        files[label] = path
    warm = cache / "warmup-v1.jpg"
    if not warm.exists():
        make_photo(warm, 640, 480, seed=99, orientation=6, icc=display_p3_icc())
    files["warmup"] = warm
    return files


# ---------------------------------------------------------------------------------------------
# Contenders (run inside a worker subprocess)


def _fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    w, h = size
    if max(w, h) <= edge:
        return w, h
    s = edge / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def run_media_ingest(path: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from media_ingest import exif, imaging

    with path.open("rb") as fh:
        exif.extract_exif(fh)
        out = imaging.render(fh)
    return sum(len(r.data) for r in out.values())


def run_media_ingest_process(path: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from media_ingest import pipeline

    with path.open("rb") as fh:
        result = pipeline.process(fh)
    return sum(len(r.data) for r in result.renditions.values())


def run_naive(path: Path) -> int:
    import exifread
    from PIL import Image, ImageOps

    with path.open("rb") as fh:
        exifread.process_file(fh, details=False)
    total = 0
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    for edge in (PREVIEW_EDGE, THUMB_EDGE):
        resized = image.resize(_fit(image.size, edge), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, "JPEG", quality=QUALITY)
        total += buffer.tell()
    return total


def run_pyvips(path: Path) -> int:
    import pyvips

    # thumbnail() leaves colour alone unless asked; like media_ingest, convert to sRGB only
    # when the file embeds a profile (a header-only read).
    header = pyvips.Image.new_from_file(str(path))
    options = {"export_profile": "srgb"} if header.get_typeof("icc-profile-data") else {}
    total = 0
    for edge in (PREVIEW_EDGE, THUMB_EDGE):
        image = pyvips.Image.thumbnail(str(path), edge, size="down", **options)
        total += len(image.jpegsave_buffer(Q=QUALITY, keep=pyvips.enums.ForeignKeep.NONE))
    return total


def worker(contender: str, path: Path, warmup: Path, repeats: int) -> dict[str, object]:
    import resource

    if contender == "pyvips":
        import pyvips

        pyvips.cache_set_max(0)
    runners = {
        "media_ingest": [run_media_ingest, run_media_ingest_process],
        "naive": [run_naive],
        "pyvips": [run_pyvips],
    }[contender]
    for runner in runners:
        runner(warmup)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings: list[float] = []
    for runner in runners:
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            runner(path)
            samples.append((time.perf_counter() - started) * 1000)
        timings.append(statistics.median(samples))
    return {
        "ms": timings,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": rss_before / 1024,
    }


# ---------------------------------------------------------------------------------------------
# Worst case for memory: the largest file of each kind the default limits admit

WORST_TARGET_MB = 600


def _worst_png(path: Path, width: int, height: int) -> None:
    from PIL import Image

    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGBA", (ramp, ramp.transpose(Image.Transpose.ROTATE_180),
                                 Image.new("L", (width, height), 90), ramp))
    del ramp
    image.save(path, "PNG", compress_level=1)


def _worst_tiff16(path: Path, width: int, height: int) -> None:
    """Single-strip, deflate-compressed, 16-bit RGB: libtiff decodes the strip whole."""
    import struct
    import zlib

    import numpy as np

    # Coarse 16-bit steps so the file stays inside max_bytes; memory does not care.
    packer = zlib.compressobj(6)
    chunks: list[bytes] = []
    columns = (np.arange(width) * 64 // width * 1024).astype(np.float64)
    for top in range(0, height, 256):
        rows = np.arange(top, min(height, top + 256), dtype=np.float64)[:, None]
        red = np.broadcast_to(columns, (rows.shape[0], width))
        green = np.broadcast_to(rows * 64 // height * 1024, red.shape)
        blue = np.broadcast_to(np.float64(40000), red.shape)
        pixels = np.stack([red, green, blue], axis=-1).astype("<u2")
        chunks.append(packer.compress(pixels.tobytes()))
    chunks.append(packer.flush())
    strip = b"".join(chunks)
    entries = [
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 3, 0), (259, 3, 1, 8),
        (262, 3, 1, 2), (273, 4, 1, 0), (277, 3, 1, 3), (278, 4, 1, height),
        (279, 4, 1, len(strip)), (284, 3, 1, 1),
    ]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    bits_offset = ifd_offset + ifd_size
    strip_offset = bits_offset + 6
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = bits_offset
        if tag == 273:
            value = strip_offset
        field = struct.pack("<HH", value, 0) if kind == 3 and count == 1 else struct.pack(
            "<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + field
    ifd += struct.pack("<I", 0)
    with path.open("wb") as fh:
        fh.write(b"II*\0" + struct.pack("<I", ifd_offset) + ifd + struct.pack("<3H", 16, 16, 16))
        fh.write(strip)


def _worst_heic(path: Path, width: int, height: int) -> None:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_180), ramp))
    image.save(path, "HEIF", quality=40)


def worst_case_plan() -> list[tuple[str, str, tuple[int, int], int]]:
    """(label, suffix, size, bytes per pixel the limit counts), sized to the default
    ``max_decoded_bytes`` (and inside ``max_pixels``)."""
    plan = [
        # RGBA: the frame plus the full-size RGB copy the print file is made from.
        ("RGBA PNG", "png", (7_000, 7_000), 4 + 4),
        ("16-bit RGB TIFF, 1 strip", "tif", (8_000, 5_000), 4 + 6),
    ]
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        pass
    else:
        plan.append(("HEIC", "heic", (8_704, 6_528), 4 + 3))
    return plan


def build_worst(cache: Path) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT))
    from media_ingest import DEFAULT_LIMITS

    makers = {"png": _worst_png, "tif": _worst_tiff16, "heic": _worst_heic}
    cache.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for label, suffix, (width, height), per_pixel in worst_case_plan():
        assert width * height * per_pixel <= DEFAULT_LIMITS.max_decoded_bytes, label
        path = cache / f"worst-{width}x{height}-v1.{suffix}"
        if not path.exists():
            started = time.perf_counter()
            tmp = path.with_name(path.name + ".tmp")
            makers[suffix](tmp, width, height)
            tmp.replace(path)
            print(f"  generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - started:.0f}s", file=sys.stderr)
        files[label] = path
    return files


def worst_worker(path: Path) -> dict[str, object]:
    """In a fresh process: set up as a worker child is, then ingest ``path`` once."""
    import resource

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photolib.settings")
    import django

    django.setup()
    from PIL import Image

    import photolib.photos.tasks  # noqa: F401 - what a worker child has imported
    from media_ingest import DEFAULT_LIMITS, pipeline
    from photolib.photos.keys import SPECS  # what ingest makes, the print file included

    # Warm up as a worker that has ingested before: codecs, ImageHash/NumPy imported.
    for mode, fmt in (("RGBA", "PNG"), ("RGB", "JPEG"), ("RGB", "TIFF")):
        buffer = io.BytesIO()
        Image.new(mode, (640, 480), (90, 120, 200)).save(buffer, fmt)
        pipeline.process(buffer, DEFAULT_LIMITS)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with path.open("rb") as fh:
        result = pipeline.process(fh, DEFAULT_LIMITS, specs=SPECS)
    return {
        "ms": (time.perf_counter() - started) * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": baseline,
        "size": [result.stored_width, result.stored_height],
    }


def run_worst_case(cache: Path) -> None:
    print("generating worst-case inputs (first run only; a minute or two) ...", file=sys.stderr)
    generated = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--generate-worst", "--cache", str(cache)],
        check=True, stdout=subprocess.PIPE, text=True)
    files = {k: Path(v) for k, v in json.loads(generated.stdout.strip().splitlines()[-1]).items()}
    sys.path.insert(0, str(ROOT))
    from media_ingest import DEFAULT_LIMITS

    print()
    print(f"worst case for memory: max_decoded_bytes={DEFAULT_LIMITS.max_decoded_bytes / 1e6:.0f}"
          f" MB, max_pixels={DEFAULT_LIMITS.max_pixels / 1e6:.0f} MP; pipeline.process with "
          "ingest's specs (print file included) in a fresh process with Django set up")
    header = (f"{'file':<28}{'pixels':>14}{'file MB':>9}{'ms':>8}{'baseline MB':>13}"
              f"{'peak RSS MB':>13}{'growth MB':>11}")
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, path in files.items():
        command = [sys.executable, str(Path(__file__).resolve()), "--worst-worker", str(path)]
        env = dict(os.environ, OMP_NUM_THREADS="1")
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        row = json.loads(output.stdout.strip().splitlines()[-1])
        width, height = row["size"]
        peak, base = row["peak_rss_mb"], row["baseline_rss_mb"]
        worst = max(worst, peak)
        print(f"{label:<28}{f'{width}x{height}':>14}{path.stat().st_size / 1e6:>9.1f}"
              f"{row['ms']:>8.0f}{base:>13.0f}{peak:>13.0f}{peak - base:>11.0f}")
    verdict = "within" if worst <= WORST_TARGET_MB else "ABOVE"
    print(f"worst peak {worst:.0f} MB: {verdict} the {WORST_TARGET_MB} MB worker target")


# ---------------------------------------------------------------------------------------------
# Driver


def spawn(contender: str, path: Path, warmup: Path, repeats: int) -> dict[str, object]:
    env = dict(os.environ, VIPS_CONCURRENCY="1", OMP_NUM_THREADS="1")
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        contender,
        str(path),
        str(warmup),
        str(repeats),
    ]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per subprocess")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "photolib-bench"
    )
    parser.add_argument("--worst-case", action="store_true",
                        help="peak RSS for the largest files the default limits admit")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--generate-worst", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worst-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worst_worker:
        print(json.dumps(worst_worker(args.worst_worker)))
        return
    if args.generate_worst:
        print(json.dumps({k: str(v) for k, v in build_worst(args.cache).items()}))
        return
    if args.worst_case:
        run_worst_case(args.cache)
        return

    if args.worker:
        contender, path, warm, repeats = args.worker
        print(json.dumps(worker(contender, Path(path), Path(warm), int(repeats))))
        return
    if args.generate:
        print(json.dumps({k: str(v) for k, v in build_inputs(args.cache).items()}))
        return

    # Generate in a subprocess: Linux children inherit the parent's peak RSS (ru_maxrss), so
    # the driver itself must stay small for the workers' numbers to mean anything.
    print("generating inputs ...", file=sys.stderr)
    generated = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--generate", "--cache", str(args.cache)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    files = {k: Path(v) for k, v in json.loads(generated.stdout.strip().splitlines()[-1]).items()}
    labels = list(SIZES)
    results: dict[tuple[str, str], list[dict[str, object]]] = {}
    started = time.perf_counter()
    for round_no in range(args.rounds):
        order = CONTENDERS if round_no % 2 == 0 else tuple(reversed(CONTENDERS))
        for label in labels:
            for contender in order:
                result = spawn(contender, files[label], files["warmup"], args.repeats)
                results.setdefault((label, contender), []).append(result)
        print(f"  round {round_no + 1}/{args.rounds} done", file=sys.stderr)
    elapsed = time.perf_counter() - started
    report(results, labels, files, args, elapsed)


def report(
    results: dict[tuple[str, str], list[dict[str, object]]],
    labels: list[str],
    files: dict[str, Path],
    args: argparse.Namespace,
    elapsed: float,
) -> None:
    def med(label: str, contender: str, index: int = 0) -> float:
        return statistics.median(r["ms"][index] for r in results[(label, contender)])  # type: ignore[index]

    def rss(label: str, contender: str) -> float:
        return max(r["peak_rss_mb"] for r in results[(label, contender)])  # type: ignore[type-var,return-value]

    import PIL
    import pyvips

    print()
    print(
        f"media_ingest bench: {args.rounds} interleaved rounds x {args.repeats} runs, "
        f"1 core per contender, Pillow {PIL.__version__}, libvips {pyvips.version(0)}."
        f"{pyvips.version(1)}.{pyvips.version(2)} (VIPS_CONCURRENCY=1); wall {elapsed:.0f}s"
    )
    print("work per image: EXIF + 1600 px preview + 400 px thumb, JPEG q85, metadata stripped")
    print()
    header = (
        f"{'image':<26}{'contender':<14}{'ms/img':>8}{'vs pyvips':>11}{'vs naive':>10}"
        f"{'peak RSS MB':>13}"
    )
    print(header)
    print("-" * len(header))
    notes = {"12MP": "", "24MP": " orient 6", "45MP": " Display P3"}
    for label in labels:
        name = f"{label} {SIZES[label][0]}x{SIZES[label][1]}{notes[label]}"
        vips = med(label, "pyvips")
        naive = med(label, "naive")
        for contender in CONTENDERS:
            ms = med(label, contender)
            print(
                f"{name:<26}{contender:<14}{ms:>8.1f}{ms / vips:>10.2f}x{ms / naive:>9.2f}x"
                f"{rss(label, contender):>13.0f}"
            )
            name = ""
        full = med(label, "media_ingest", 1)
        print(
            f"{'':<26}{'+sha256+phash':<14}{full:>8.1f}{full / vips:>10.2f}x{full / naive:>9.2f}x"
        )
    print()
    print("mixed set (one of each size), images/second on one core:")
    for contender in CONTENDERS:
        total = sum(med(label, contender) for label in labels)
        print(f"  {contender:<14}{len(labels) / (total / 1000):6.2f} img/s")
    total = sum(med(label, "media_ingest", 1) for label in labels)
    print(f"  {'process()':<14}{len(labels) / (total / 1000):6.2f} img/s (adds SHA-256 + pHash)")
    print()
    sizes = ", ".join(
        f"{k} {v.stat().st_size / 1e6:.1f} MB" for k, v in files.items() if k != "warmup"
    )
    print(f"inputs: {sizes}; peak RSS is each fresh subprocess' ru_maxrss (interpreter included)")


if __name__ == "__main__":
    main()
