"""A generated evaluation corpus of scanned reply letters (Pillow + Debian's fonts-noto-cjk).

`generate(directory, count, seed)` writes `count` letters — every outcome in turn, varied wording
(letters.py), four CJK faces, sizes from 12 to 16 pt, with and without a red seal (some with a red
letterhead or a square stamp as decoys), some clean 300-dpi scans, others skewed, blurred, noisy
and JPEG-compressed, every fifth as a PDF — and `truth.json` with the expected answers.
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from .letters import OUTCOMES, Letter, make_letter

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FACES = [("NotoSerifCJK-Regular.ttc", 2), ("NotoSansCJK-Regular.ttc", 2), ("NotoSerifCJK-Bold.ttc", 2),
         ("NotoSansCJK-Bold.ttc", 2)]
A4_MM = (210, 297)
SEAL_RED = (214, 30, 38)


@dataclass
class Sample:
    path: Path
    truth: dict


def fonts_available() -> bool:
    return (FONT_DIR / FACES[0][0]).exists()


def _font(face: tuple[str, int], size: int) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / face[0]
    if not path.exists():
        path = FONT_DIR / FACES[0][0]
    return ImageFont.truetype(str(path), size, index=face[1])


def _wrap(text: str, font, width: int) -> list[str]:
    rows, current = [], ""
    for char in text:
        if current and font.getlength(current + char) > width:
            rows.append(current)
            current = ""
        current += char
    return rows + ([current] if current else [])


def _seal(size: int, agency: str, face) -> Image.Image:
    """A round official seal: ring, the agency's name along the upper arc, a star."""
    layer = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(layer)
    ring = max(4, size // 40)
    draw.ellipse((ring, ring, size - ring, size - ring), outline=SEAL_RED, width=ring)
    font = _font(face, size // 9)
    chars, span = list(agency), math.radians(240)
    for index, char in enumerate(chars):
        angle = math.radians(210) - span * index / max(1, len(chars) - 1)
        glyph = Image.new("L", (size // 8, size // 8), 0)
        ImageDraw.Draw(glyph).text((size // 16, size // 16), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(math.degrees(angle) - 90, resample=Image.BICUBIC)
        radius = size / 2 - ring * 2 - size // 14
        x = size / 2 + radius * math.cos(angle) - glyph.width / 2
        y = size / 2 - radius * math.sin(angle) - glyph.height / 2
        layer.paste(Image.new("RGB", glyph.size, SEAL_RED), (int(x), int(y)), glyph)
    star = [(size / 2 + size / 7 * math.cos(math.radians(90 + k * 36)) * (1 if k % 2 == 0 else 0.4),
             size / 2 - size / 7 * math.sin(math.radians(90 + k * 36)) * (1 if k % 2 == 0 else 0.4)) for k in range(10)]
    draw.polygon(star, fill=SEAL_RED)
    return layer


def render(letter: Letter, r: random.Random, dpi: int) -> Image.Image:
    px = dpi / 25.4
    page = Image.new("RGB", (int(A4_MM[0] * px), int(A4_MM[1] * px)), "white")
    draw = ImageDraw.Draw(page)
    face = r.choice(FACES)
    size = int(r.choice([12, 14, 15, 16]) * dpi / 72)
    font, margin, y = _font(face, size), int(25 * px), int(25 * px)
    if letter.red_header:
        head = _font(FACES[2], int(size * 1.8))
        draw.text((page.width // 2, y), letter.agency + "文件", font=head, fill=SEAL_RED, anchor="mt")
        y += int(size * 2.6)
        draw.rectangle((margin, y, page.width - margin, y + max(3, size // 12)), fill=SEAL_RED)
        y += size
    width = page.width - 2 * margin
    for index, line in enumerate(letter.lines):
        centred = line == letter.doc_number or index <= 1 and "答复" in line or "告知书" in line
        for row in _wrap(line if centred or line.endswith("：") else "\u3000\u3000" + line, font, width):
            x = (page.width - font.getlength(row)) / 2 if centred else margin
            draw.text((x, y), row, font=font, fill=(20, 20, 20))
            y += int(size * 1.6)
    y += size
    right = page.width - margin
    for text in (letter.agency, letter.extras["date_text"]):
        draw.text((right - font.getlength(text), y), text, font=font, fill=(20, 20, 20))
        y += int(size * 1.6)
    if letter.sealed or letter.square_stamp:
        side = int(42 * px)
        stamp = _seal(side, letter.agency, face) if letter.sealed else _square(side, face)
        left, top = int(right - side * 0.9), int(y - size * 3.2 - side / 2 + size)
        page.paste(ImageChops.multiply(page.crop((left, top, left + side, top + side)), stamp), (left, top))
    return page


def _square(side: int, face) -> Image.Image:
    layer = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(layer)
    draw.rectangle((4, 4, side - 4, side - 4), outline=SEAL_RED, width=max(4, side // 30))
    draw.text((side // 2, side // 2), "收文\n登记", font=_font(face, side // 5), fill=SEAL_RED, anchor="mm")
    return layer


def degrade(page: Image.Image, r: random.Random) -> Image.Image:
    page = page.rotate(r.uniform(-2.0, 2.0), resample=Image.BICUBIC, expand=False, fillcolor="white")
    page = page.filter(ImageFilter.GaussianBlur(r.uniform(0.4, 1.2)))
    noise = Image.effect_noise(page.size, r.uniform(8, 20)).convert("RGB")
    return ImageChops.add(ImageChops.multiply(page, Image.new("RGB", page.size, (235, 235, 235))),
                          ImageChops.multiply(noise, Image.new("RGB", page.size, (20, 20, 20))))


def generate(directory: Path, count: int = 45, seed: int = 20201015) -> list[Sample]:
    directory.mkdir(parents=True, exist_ok=True)
    r, samples = random.Random(seed), []
    for index in range(count):
        letter = make_letter(r, OUTCOMES[index % len(OUTCOMES)])
        clean = index % 3 == 0
        page = render(letter, r, 300 if clean else r.choice([200, 250, 300]))
        if not clean:
            page = degrade(page, r)
        path = _save(page, directory, index, clean, r)
        truth = {"file": path.name, "clean": clean, "text": "\n".join(letter.lines + [letter.agency,
                                                                                  letter.extras["date_text"]]),
                 "outcome": letter.outcome, "checks": letter.checks, "letter_date": letter.letter_date.isoformat(),
                 "doc_number": letter.doc_number, "sealed": letter.sealed}
        samples.append(Sample(path, truth))
    (directory / "truth.json").write_text(json.dumps([s.truth for s in samples], ensure_ascii=False, indent=1),
                                          encoding="utf-8")
    return samples


def _save(page: Image.Image, directory: Path, index: int, clean: bool, r: random.Random) -> Path:
    if index % 5 == 4:
        path = directory / f"letter-{index:03d}.pdf"
        page.save(path, "PDF", resolution=300)
    elif clean or r.random() < 0.3:
        path = directory / f"letter-{index:03d}.png"
        page.save(path)
    else:
        path = directory / f"letter-{index:03d}.jpg"
        page.save(path, quality=r.randint(35, 75))
    return path
