"""report.html in a real browser: Debian's headless Chromium, offline.

The run is Scenarios/quickstart.yaml (three assets, variants `baseline` and `selloff`) with 300
paths, validated against a simulated three-column real series, and once without one. The page
is opened from its file:// URL with every other request blocked and recorded (headless_chromium:
the Chrome DevTools Protocol's Fetch domain), and must:
- log no console message of level error or warning, throw no exception, ask for no URL but its
  own (no script, stylesheet, font or image to fetch);
- draw the charts the report calls for, as <svg class="chart">: seven per asset of every variant
  (fan, histogram, QQ, |r| and r^2 autocorrelation, leverage, drawdown: at least the six the
  issue names) and one correlation figure per variant with two or more assets, each in a
  <figure> with a caption and axis text;
- give a full-page screenshot at 1280 px that is not blank (many colours, a fair share of
  non-white pixels). It is saved in the test's folder, and copied to $SCENGINE_SCREENSHOT_DIR
  when that is set.

Without chromium the tests are skipped, unless SCENGINE_REQUIRE_BROWSER is set (`make test` sets
it, and installs Debian's chromium), in which case they fail.
"""

import io
import json
import os
import shutil
from pathlib import Path

import pytest

from validate_support import REPO, garch_t_prices, run_scenario, scengine_binary, validate, write_csv

QUICKSTART = REPO / "Scenarios" / "quickstart.yaml"
ASSETS = ["EQ", "BOND", "GOLD"]
CHARTS_PER_ASSET = 7  # ReportPage.chartsPerAsset
ISSUE_MINIMUM_PER_ASSET = 6  # fan, histogram, QQ, |r| ACF, leverage, drawdown


def unavailable(reason: str):
    if os.environ.get("SCENGINE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (SCENGINE_REQUIRE_BROWSER is set: the browser test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        import headless_chromium  # noqa: F401  (needs websocket-client)
    except ImportError as error:
        unavailable(f"the browser test needs websocket-client: {error}")
    path = headless_chromium.find_chromium()
    if path is None:
        unavailable("chromium not found (/usr/bin/chromium): `apt-get install chromium`, "
                    "or run `make test`, which installs it")
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict:
    binary = scengine_binary()
    folder = tmp_path_factory.mktemp("browser")
    run = run_scenario(binary, QUICKSTART, folder / "run", "--paths", 300)
    csv = write_csv(folder / "real.csv", ASSETS, garch_t_prices(600, 3, seed=21) * [1, 1, 19])
    return {
        "real": folder / "with-real",
        "no-real": folder / "without-real",
        "reports": {
            "real": validate(binary, run, folder / "with-real", "--real", csv),
            "no-real": validate(binary, run, folder / "without-real"),
        },
    }


def expected_charts(report: dict) -> int:
    """ReportPage.chartCount: seven charts per asset of every variant, one correlation figure
    per variant that has a correlation report (two or more assets)."""
    return sum(len(v["assets"]) * CHARTS_PER_ASSET + (1 if v.get("correlation") else 0)
               for v in report["variants"])


def minimum_charts(report: dict) -> int:
    return sum(len(v["assets"]) * ISSUE_MINIMUM_PER_ASSET + (len(v["assets"]) >= 2)
               for v in report["variants"])


CHART_FACTS = """(() => {
  const charts = [...document.querySelectorAll('svg.chart')];
  return {
    svg: document.querySelectorAll('svg').length,
    charts: charts.length,
    inFigureWithCaption: charts.filter(s => {
      const f = s.closest('figure');
      return f && f.querySelector('figcaption') &&
        f.querySelector('figcaption').textContent.trim().length > 0;
    }).length,
    withText: charts.filter(s => s.querySelectorAll('text').length >= 2).length,
    visibleWidths: charts.filter(s => s.getClientRects().length > 0)
      .map(s => s.getBoundingClientRect().width),
    scripts: document.querySelectorAll('script').length,
    external: [...document.querySelectorAll('[src], link[href]')].map(e => e.outerHTML.slice(0, 120)),
    width: document.documentElement.scrollWidth,
    title: document.title,
  };
})()"""


def non_blank(png: bytes) -> tuple[int, float, tuple]:
    """Distinct colours and the share of pixels that are not (near) white."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.resize((image.width // 2, image.height // 2))
    colours = small.getcolors(maxcolors=1 << 20) or []
    pixels = small.width * small.height
    white = sum(count for count, (r, g, b) in colours if min(r, g, b) >= 245)
    return len(colours), 1 - white / pixels, image.size


@pytest.mark.parametrize("case", ["real", "no-real"])
def test_report_page_in_headless_chromium(chromium, pages, case, tmp_path):
    import headless_chromium

    folder, report = pages[case], pages["reports"][case]
    html = folder / "report.html"
    with headless_chromium.Page(chromium, width=1280) as page:
        url = page.open(html)
        facts = page.evaluate(CHART_FACTS)
        png = page.screenshot()
        problems = [m for m in page.console if m["type"] in ("error", "warning", "assert")]
        problems += [e for e in page.log if e["level"] in ("error", "warning")]
        requests = [u for u in page.requests if u != url and not u.startswith("data:")]
        exceptions, blocked = page.exceptions, page.blocked

    shot = tmp_path / f"report-{case}.png"
    shot.write_bytes(png)
    if os.environ.get("SCENGINE_SCREENSHOT_DIR"):
        target = Path(os.environ["SCENGINE_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / shot.name)

    assert not exceptions, f"page errors: {exceptions}"
    assert not problems, f"console errors or warnings: {problems}"
    assert not requests and not blocked, f"requests besides {url}: {requests or blocked}"
    assert facts["scripts"] == 0 and not facts["external"], (
        f"scripts: {facts['scripts']}, external references: {facts['external']}")

    expected = expected_charts(report)
    assert expected >= minimum_charts(report)
    assert facts["charts"] == expected, (
        f"<svg class=chart> elements: expected {expected} "
        f"({json.dumps([(v['name'], len(v['assets'])) for v in report['variants']])}), "
        f"observed {facts['charts']}")
    assert facts["svg"] == expected, f"<svg> elements: expected {expected}, observed {facts['svg']}"
    assert facts["inFigureWithCaption"] == expected, (
        f"charts in a <figure> with a caption: expected {expected}, "
        f"observed {facts['inFigureWithCaption']}")
    assert facts["withText"] == expected, (
        f"charts with axis text: expected {expected}, observed {facts['withText']}")
    # The first variant is open: its charts are laid out with a real width.
    first = len(report["variants"][0]["assets"]) * CHARTS_PER_ASSET + (
        1 if report["variants"][0].get("correlation") else 0)
    assert len(facts["visibleWidths"]) >= first and min(facts["visibleWidths"]) > 100, (
        f"visible chart widths: {facts['visibleWidths']}")
    assert facts["width"] <= 1280, f"the page is wider than the window: {facts['width']} px"

    colours, ink, size = non_blank(png)
    assert size[0] == 1280 and size[1] > 900, f"screenshot size {size}"
    assert colours >= 50 and ink >= 0.03, (
        f"the screenshot looks blank: {colours} colours, {ink:.1%} non-white pixels "
        f"(expected at least 50 colours and 3%); saved as {shot}")
