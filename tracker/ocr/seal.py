"""The red seal (公章) of a letter, found from the image's colour and shape.

An official seal is a red ring with red text and a star: closed up, a red disc. A red letterhead
(红头) or a red rule is red but wide and flat; a square stamp is red but fills only 2/π of its
circle. Pixels are red when their hue is near 0° with enough saturation and brightness, which
survives JPEG noise and scanner tint. A grey or black-and-white scan cannot tell: None.
Needs numpy and OpenCV (installed with rapidocr); imported only by the OCR job.
"""
from __future__ import annotations

import cv2
import numpy as np

HUE_LOW, HUE_HIGH = 12, 165          # OpenCV hue is 0–179: red is below LOW or above HIGH
MIN_SATURATION, MIN_VALUE = 70, 60
MIN_DIAMETER_SHARE = 0.07            # of the page width: a seal is ≥ 4 cm on an A4 page (21 cm), allow small scans
MAX_DIAMETER_SHARE = 0.45
ASPECT_RANGE = (0.75, 1.33)
MIN_DISC_FILL = 0.72                 # contour area / enclosing circle area: disc ≈ 0.9, square ≈ 0.64


def red_mask(rgb: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = ((hue <= HUE_LOW) | (hue >= HUE_HIGH)) & (sat >= MIN_SATURATION) & (val >= MIN_VALUE)
    return red.astype(np.uint8) * 255


def find_seal(rgb: np.ndarray, colour: bool = True) -> tuple[bool | None, str]:
    """(a red seal is present, the words saying where), or (None, why) for a black-and-white or grey
    scan (`colour` False: the file itself has one channel), where a seal cannot be told by colour."""
    if not colour or rgb.ndim != 3:
        return None, "扫描件为黑白或灰度图像，无法从颜色判断是否盖章"
    width = rgb.shape[1]
    mask = red_mask(rgb)
    size = max(3, int(width * 0.012)) | 1
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:20]:
        found = _seal_shape(contour, width)
        if found:
            return True, found
    return False, ""


def _seal_shape(contour, width: int) -> str:
    x, y, w, h = cv2.boundingRect(contour)
    diameter = max(w, h)
    if not (MIN_DIAMETER_SHARE * width <= diameter <= MAX_DIAMETER_SHARE * width):
        return ""
    if not (ASPECT_RANGE[0] <= w / h <= ASPECT_RANGE[1]):
        return ""
    hull = cv2.convexHull(contour)
    (_cx, _cy), radius = cv2.minEnclosingCircle(hull)
    fill = cv2.contourArea(hull) / (np.pi * radius * radius) if radius else 0.0
    if fill < MIN_DISC_FILL:
        return ""
    return f"红色圆形印章（位置 {x},{y}，直径约 {diameter} 像素，圆度 {fill:.2f}）"


def without_red(rgb: np.ndarray) -> np.ndarray:
    """The page with its red ink whitened, so that the seal's ring text does not mix into the letter's."""
    cleaned = rgb.copy()
    cleaned[red_mask(rgb) > 0] = 255
    return cleaned
