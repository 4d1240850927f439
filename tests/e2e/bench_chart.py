# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Draw the benchmark's ratio chart as a PNG without third-party packages.

The benchmark compares our implementation with the in-tree one and reports,
per table row, a set of metrics as ratios (ours / in-tree). This module
turns those ratios into a horizontal bar chart on a log2 scale centred on
1.0, using only the standard library: a small RGB canvas, an embedded 5x7
bitmap font and a minimal PNG encoder (struct + zlib).

Usage from other scripts:

    write_ratio_chart(path, title, groups, note="")

Run directly with an output path to write a sample chart.
"""

import math
import struct
import sys
import zlib

# 5x7 glyphs for ASCII 32..126, one hex string per glyph: 7 rows of 5 bits,
# most significant bit (0x10) is the leftmost column.
FONT_5X7 = (
    "00000000000000", "04040404040004", "0A0A0000000000", "0A0A1F0A1F0A0A",
    "040F140E051E04", "18190204081303", "0C12140815120D", "04040000000000",
    "02040808080402", "08040202020408", "0004150E150400", "0004041F040400",
    "00000000000C04", "0000001F000000", "00000000000C0C", "00010204081000",
    "0E11131519110E", "040C040404040E", "0E11010204081F", "1F02040201110E",
    "02060A121F0202", "1F101E0101110E", "0608101E11110E", "1F010204080808",
    "0E11110E11110E", "0E11110F01020C", "000C0C000C0C00", "000C0C000C0408",
    "02040810080402", "00001F001F0000", "08040201020408", "0E110102040004",
    "0E11010D15150E", "0E1111111F1111", "1E11111E11111E", "0E11101010110E",
    "1C12111111121C", "1F10101E10101F", "1F10101E101010", "0E11101711110F",
    "1111111F111111", "0E04040404040E", "0702020202120C", "11121418141211",
    "1010101010101F", "111B1515111111", "11111915131111", "0E11111111110E",
    "1E11111E101010", "0E11111115120D", "1E11111E141211", "0F10100E01011E",
    "1F040404040404", "1111111111110E", "11111111110A04", "1111111515150A",
    "11110A040A1111", "1111110A040404", "1F01020408101F", "0E08080808080E",
    "00100804020100", "0E02020202020E", "040A1100000000", "0000000000001F",
    "08040200000000", "00000E010F110F", "1010161911111E", "00000E1010110E",
    "01010D1311110F", "00000E111F100E", "0609081C080808", "0F1111110F010E",
    "10101619111111", "04000C0404040E", "0200060202120C", "10101214181412",
    "0C04040404040E", "00001A15151111", "00001619111111", "00000E1111110E",
    "1E1111111E1010", "0F1111110F0101", "00001619101010", "00000E100E011E",
    "08081C08080906", "0000111111130D", "00001111110A04", "0000111115150A",
    "0000110A040A11", "111111110F010E", "00001F0204081F", "02040408040402",
    "04040404040404", "08040402040408", "00000815020000",
)
# Lowercase letters with descenders (and the comma) are stored as body +
# descender and drawn two rows lower inside the 9-row cell.
DESCENDER_CHARS = "gpqy,"
UNKNOWN_GLYPH = "1F11111111111F"
CELL_WIDTH = 6
CELL_HEIGHT = 9

WHITE = (255, 255, 255)
TEXT_COLOUR = (20, 20, 20)
NOTE_COLOUR = (80, 80, 80)
MISSING_COLOUR = (140, 140, 140)
GRID_COLOUR = (225, 225, 225)
REFERENCE_COLOUR = (60, 60, 60)
LESS_COLOUR = (46, 160, 67)     # ratio <= 1: ours uses less
MORE_COLOUR = (214, 73, 64)     # ratio > 1: ours uses more


class Canvas:
    """RGB image, 8 bits per channel, stored row by row in a bytearray."""

    def __init__(self, width, height, background=WHITE):
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def fill_rect(self, x, y, w, h, colour):
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, self.width), min(y + h, self.height)
        if x0 >= x1 or y0 >= y1:
            return
        row = bytes(colour) * (x1 - x0)
        for yy in range(y0, y1):
            start = (yy * self.width + x0) * 3
            self.pixels[start:start + len(row)] = row

    def hline(self, x, y, length, colour, thickness=1):
        self.fill_rect(x, y, length, thickness, colour)

    def vline(self, x, y, length, colour, thickness=1):
        self.fill_rect(x, y, thickness, length, colour)

    def text(self, x, y, s, colour=TEXT_COLOUR, scale=2):
        """Draw s with its cell's top-left corner at (x, y); return width."""
        for i, char in enumerate(s):
            code = ord(char)
            glyph = FONT_5X7[code - 32] if 32 <= code <= 126 else UNKNOWN_GLYPH
            drop = 2 if char in DESCENDER_CHARS else 0
            cell_x = x + i * CELL_WIDTH * scale
            for row in range(7):
                bits = int(glyph[2 * row:2 * row + 2], 16)
                for col in range(5):
                    if bits & (0x10 >> col):
                        self.fill_rect(cell_x + col * scale,
                                       y + (row + drop) * scale,
                                       scale, scale, colour)
        return text_width(s, scale)

    def save_png(self, path):
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * stride:(y + 1) * stride])
            for y in range(self.height))
        # 8 bits per channel, colour type 2 (RGB), no interlacing.
        header = struct.pack(">IIBBBBB", self.width, self.height,
                             8, 2, 0, 0, 0)
        with open(path, "wb") as out:
            out.write(b"\x89PNG\r\n\x1a\n")
            out.write(png_chunk(b"IHDR", header))
            out.write(png_chunk(b"IDAT", zlib.compress(raw, 9)))
            out.write(png_chunk(b"IEND", b""))


def png_chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def text_width(s, scale=2):
    """Width in pixels of s, without the gap after the last glyph."""
    return max(len(s) * CELL_WIDTH - 1, 0) * scale


def wrap_text(s, max_chars):
    """Split s into lines of at most max_chars, breaking at spaces if able."""
    lines, current = [], ""
    for word in s.split():
        while len(word) > max_chars:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:max_chars])
            word = word[max_chars:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= max_chars:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def format_ratio(ratio):
    """Short value text such as "0.65x"; extremes are capped to stay short."""
    if ratio <= 0:
        return "%gx" % ratio
    if ratio < 0.001:
        return "<0.001x"
    if ratio >= 1000:
        return ">999x"
    if ratio < 0.1:
        return "%.3fx" % ratio
    if ratio < 10:
        return "%.2fx" % ratio
    if ratio < 100:
        return "%.1fx" % ratio
    return "%.0fx" % ratio


# Chart geometry, in pixels.
CHART_WIDTH = 1000
MARGIN = 20
SCALE = 2
TITLE_SCALE = 3
INDENT = CELL_WIDTH * SCALE            # metric names sit under group labels
LINE_HEIGHT = CELL_HEIGHT * SCALE
ROW_HEIGHT = 26
BAR_HEIGHT = 14
TIP_LENGTH = 10
VALUE_PAD = 8 * CELL_WIDTH * SCALE     # room for the value text on each side
MAX_LABEL_WIDTH = 300
LOG2_LIMIT = 4                         # axis spans 2**-4 .. 2**4
TICKS = ("1/16", "1/8", "1/4", "1/2", "1", "2", "4", "8", "16")
AXIS_CAPTION = "ratio ours / in-tree (log2 scale, < 1 means ours uses less)"


def write_ratio_chart(path, title, groups, note=""):
    """Write a PNG bar chart of ours / in-tree ratios to path.

    groups is a list of (row label, [(metric name, ratio or None), ...]).
    Ratios are drawn on a log2 axis from 1/16 to 16 centred on 1.0; values
    outside that range are clamped and drawn with a pointed tip.
    """
    chars_per_line = (CHART_WIDTH - 2 * MARGIN) // (CELL_WIDTH * SCALE)
    title_lines = wrap_text(
        title, (CHART_WIDTH - 2 * MARGIN) // (CELL_WIDTH * TITLE_SCALE))
    note_lines = wrap_text(note, chars_per_line)
    group_lines = [wrap_text(label, chars_per_line) for label, _ in groups]

    longest = max((len(name) for _, metrics in groups for name, _ in metrics),
                  default=1)
    label_chars = min(longest, MAX_LABEL_WIDTH // (CELL_WIDTH * SCALE))
    label_width = label_chars * CELL_WIDTH * SCALE
    plot_x0 = MARGIN + INDENT + label_width + VALUE_PAD
    plot_x1 = CHART_WIDTH - MARGIN - VALUE_PAD
    plot_width = plot_x1 - plot_x0

    def x_of(log_ratio):
        fraction = (log_ratio + LOG2_LIMIT) / (2 * LOG2_LIMIT)
        return plot_x0 + round(fraction * plot_width)

    title_line_height = CELL_HEIGHT * TITLE_SCALE
    height = MARGIN + len(title_lines) * title_line_height + 12
    for lines, (_, metrics) in zip(group_lines, groups):
        height += len(lines) * LINE_HEIGHT + 4 + len(metrics) * ROW_HEIGHT + 14
    height += 8 + 2 * LINE_HEIGHT + 8
    if note_lines:
        height += 10 + len(note_lines) * LINE_HEIGHT
    height += MARGIN

    canvas = Canvas(CHART_WIDTH, height)
    y = MARGIN
    for line in title_lines:
        canvas.text(MARGIN, y, line, TEXT_COLOUR, TITLE_SCALE)
        y += title_line_height
    y += 12

    for lines, (_, metrics) in zip(group_lines, groups):
        for line in lines:
            canvas.text(MARGIN, y, line, TEXT_COLOUR, SCALE)
            y += LINE_HEIGHT
        y += 4
        block_height = len(metrics) * ROW_HEIGHT
        for i in range(len(TICKS)):
            canvas.vline(x_of(i - LOG2_LIMIT), y, block_height, GRID_COLOUR)
        canvas.vline(x_of(0) - 1, y, block_height, REFERENCE_COLOUR, 2)
        for name, ratio in metrics:
            draw_metric_row(canvas, x_of, y, name, ratio, label_chars)
            y += ROW_HEIGHT
        y += 14

    axis_y = y - 6
    canvas.hline(plot_x0, axis_y, plot_width + 1, REFERENCE_COLOUR)
    for i, label in enumerate(TICKS):
        x = x_of(i - LOG2_LIMIT)
        canvas.vline(x, axis_y, 6, REFERENCE_COLOUR)
        canvas.text(x - text_width(label) // 2, axis_y + 10, label,
                    TEXT_COLOUR, SCALE)
    y = axis_y + 10 + LINE_HEIGHT
    caption_width = text_width(AXIS_CAPTION)
    caption_x = min((plot_x0 + plot_x1 - caption_width) // 2,
                    CHART_WIDTH - MARGIN - caption_width)
    canvas.text(max(caption_x, MARGIN), y, AXIS_CAPTION, NOTE_COLOUR, SCALE)
    y += LINE_HEIGHT + 8
    if note_lines:
        y += 10
        for line in note_lines:
            canvas.text(MARGIN, y, line, NOTE_COLOUR, SCALE)
            y += LINE_HEIGHT
    canvas.save_png(path)


def draw_metric_row(canvas, x_of, row_y, name, ratio, label_chars):
    """Draw one metric: name on the left, bar from 1.0, value at bar end."""
    text_y = row_y + (ROW_HEIGHT - 7 * SCALE) // 2
    if len(name) > label_chars:
        name = name[:label_chars - 2] + ".."
    canvas.text(MARGIN + INDENT, text_y, name, TEXT_COLOUR, SCALE)
    x_ref = x_of(0)
    if ratio is None or math.isnan(ratio):
        canvas.text(x_ref + 8, text_y, "n/a", MISSING_COLOUR, SCALE)
        return

    log_ratio = math.log2(ratio) if ratio > 0 else -math.inf
    clamped = abs(log_ratio) > LOG2_LIMIT
    log_ratio = max(-LOG2_LIMIT, min(LOG2_LIMIT, log_ratio))
    colour = LESS_COLOUR if ratio <= 1 else MORE_COLOUR
    x_end = x_of(log_ratio)
    bar_y = row_y + (ROW_HEIGHT - BAR_HEIGHT) // 2
    direction = 1 if x_end >= x_ref else -1
    body_end = x_end - direction * TIP_LENGTH if clamped else x_end
    left, right = sorted((x_ref, body_end))
    canvas.fill_rect(left, bar_y, max(right - left, 2), BAR_HEIGHT, colour)
    if clamped:
        # Triangle pointing away from 1.0 to show the bar is cut off.
        half = BAR_HEIGHT / 2
        for step in range(TIP_LENGTH):
            reach = round(half * (1 - step / TIP_LENGTH))
            x = body_end + direction * step - (1 if direction < 0 else 0)
            canvas.vline(x, bar_y + round(half) - reach, 2 * reach, colour)

    label = format_ratio(ratio)
    if direction > 0:
        label_x = max(x_end, x_ref + 2) + 6
    else:
        label_x = x_end - 6 - text_width(label)
    canvas.text(label_x, text_y, label, TEXT_COLOUR, SCALE)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s OUTPUT.png\n" % argv[0])
        return 2
    groups = [
        ("playback rw 256 frames, test backend", [
            ("cpu time", 0.65), ("peak rss", 1.8),
            ("wall time", 1.0), ("syscalls", 40.0)]),
        ("capture mmap 1024 frames, test backend", [
            ("cpu time", 0.031), ("peak rss", None),
            ("wall time", 0.92), ("syscalls", 3.2)]),
    ]
    note = ("Sample data for trying the chart by hand. Ratios are ours "
            "divided by in-tree, so values below 1.0 (green) mean our "
            "implementation used less; n/a marks metrics that were not "
            "measured.")
    write_ratio_chart(argv[1], "bench_chart.py demo: ours / in-tree", groups,
                      note)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
