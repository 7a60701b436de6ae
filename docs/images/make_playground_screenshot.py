"""Write the playground screenshot of the documentation (docs/images/playground.png).

Run from the repository root (needs the web and browser extras and Chromium):

    .venv/bin/python docs/images/make_playground_screenshot.py docs/images/playground.png

It starts the playground on a free loopback port, compares three methods on
Himmelblau's function from one start, runs them to the end, and saves the
page as a palette PNG (small enough for the repository).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def capture(target: Path, width: int = 1360, height: int = 860) -> int:
    """Take the screenshot and write it to ``target``; returns its size in bytes."""
    from PIL import Image
    from playwright.sync_api import expect, sync_playwright

    from steepest.web.app import create_app
    from steepest.web.server import BackgroundServer

    with BackgroundServer(create_app()) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{server.url}/?preset=himmelblau")
        ready = "body[data-busy=false][data-index]"
        page.wait_for_selector(ready, state="attached", timeout=60_000)
        page.get_by_test_id("x0-input").fill("-0.5, -0.5")
        page.get_by_test_id("x0-input").press("Enter")
        page.get_by_test_id("compare-toggle").check()
        page.get_by_test_id("compare-method-1").select_option("momentum")
        page.get_by_test_id("compare-lr-1").fill("0.005")
        page.get_by_test_id("compare-lr-1").press("Enter")
        page.get_by_test_id("compare-enable-2").check()
        page.get_by_test_id("compare-method-2").select_option("adam")
        page.get_by_test_id("compare-lr-2").fill("0.1")
        page.get_by_test_id("compare-lr-2").press("Enter")
        page.wait_for_timeout(300)
        page.wait_for_selector(ready, state="attached", timeout=60_000)
        for _ in range(40):
            page.get_by_test_id("step-button").click()
        expect(page.get_by_test_id("iteration-count")).to_have_text("40")
        page.wait_for_timeout(500)
        png = page.screenshot()
        browser.close()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    # A palette of 256 colours keeps the Okabe-Ito run colours exact and the file small.
    image = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, optimize=True)
    return target.stat().st_size


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path("docs/images/playground.png")
    size = capture(target)
    print(f"wrote {target} ({size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
