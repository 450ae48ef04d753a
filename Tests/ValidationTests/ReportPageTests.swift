import Foundation
import ScengineTestSupport
import Testing

@testable import Validation

/// `report.html` from small hand-built reports: self-contained, escaped, deterministic, no
/// non-finite number anywhere, one SVG per chart.
///
/// With `SCENGINE_REPORT_SAMPLE=/path/sample.html` set, `writesSample` also writes the sample
/// pages there (and `…-noreal.html`, `…-degenerate.html` beside it) to look at in a browser.
@Suite("Report page")
struct ReportPageTests {
  @Test func pageIsSelfContainedWithRealSeries() {
    let report = PageSample.report(real: true, variants: ["garch", "gbm"])
    let html = ReportPage.html(report)
    expectSelfContained(html)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    // Seven charts per asset and variant, one correlation figure per variant.
    #expect(ReportPage.chartCount(report) == 2 * 3 * 7 + 2)
    #expect(occurrences("<svg", in: html) == ReportPage.chartCount(report))
    #expect(occurrences("<figure", in: html) == ReportPage.chartCount(report))
    let first = report.variants[0]
    #expect(
      html.contains(
        "Score \(PageFormat.fixed(report.score ?? 0, decimals: 2))</div><div class=\"what\">"
          + "\(first.inside) of \(first.scored) statistics inside the 5–95% band"))
    #expect(html.contains("✓ inside"))
    #expect(html.contains("✗ above") || html.contains("✗ below"))
    #expect(html.contains("<details class=\"variant\" id=\"v1\">"))
    #expect(html.contains("real history"))
    #expect(html.contains("Real against pooled synthetic returns"))
    #expect(html.utf8.count < 2_000_000, "\(html.utf8.count) bytes")
  }

  @Test func pageWithoutRealSeriesHasNoVerdicts() {
    let report = PageSample.report(real: false, variants: ["base"])
    let html = ReportPage.html(report)
    expectSelfContained(html)
    #expect(occurrences("<svg", in: html) == 3 * 7 + 1)
    #expect(occurrences("<svg", in: html) == ReportPage.chartCount(report))
    #expect(html.contains("no real series"))
    #expect(!html.contains("✓"))
    #expect(!html.contains("✗"))
    #expect(!html.contains("Verdict"))
    #expect(!html.contains("class=\"real\""))
    #expect(!html.contains("class=\"dotreal\""))
    #expect(!html.contains("<details"))
  }

  @Test func textFromTheReportIsEscaped() {
    var report = PageSample.report(real: false, variants: ["a<b>"], assets: ["S&P 500", "T'\"X"])
    report.run.scenario = "<script>alert(1)</script>"
    let html = ReportPage.html(report)
    expectSelfContained(html)
    #expect(html.contains("S&amp;P 500"))
    #expect(!html.contains("S&P"))
    #expect(html.contains("T&#39;&quot;X"))
    #expect(html.contains("a&lt;b&gt;"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
  }

  @Test func sameReportSameBytes() {
    let one = ReportPage.html(PageSample.report(real: true, variants: ["garch", "gbm"]))
    let two = ReportPage.html(PageSample.report(real: true, variants: ["garch", "gbm"]))
    #expect(one == two)
  }

  @Test func undefinedAndConstantDataStillDraw() {
    let report = PageSample.degenerate()
    let html = ReportPage.html(report)
    expectSelfContained(html)
    #expect(occurrences("<svg", in: html) == ReportPage.chartCount(report))
    #expect(html.contains("No finite values to draw"))
    // Every path's data holds only commands and finite numbers.
    for data in attributeValues("d", in: html) {
      #expect(
        data.allSatisfy { "MLHVZhv0123456789 .-".contains($0) }, "d=\"\(data.prefix(80))\"")
    }
    for name in ["x", "y", "width", "height"] {
      for value in attributeValues(name, in: html) {
        #expect(Double(value)?.isFinite == true, "\(name)=\"\(value)\"")
      }
    }
  }

  @Test func realHistoryIsRescaledToTheRunsStart() {
    var report = PageSample.report(real: true, variants: ["garch"], assets: ["EQ"])
    let history = report.variants[0].assets[0].charts.realHistory ?? []
    report.variants[0].assets[0].charts.realHistory = history.map { $0 * 2 }
    let html = ReportPage.html(report)
    #expect(html.contains("real history × 0.5 (rescaled to the run&#39;s start)"))
    #expect(html.contains("scaled by 0.5 so that its last price (200) meets the run"))
    let unscaled = ReportPage.html(PageSample.report(real: true, variants: ["g"], assets: ["EQ"]))
    #expect(!unscaled.contains("rescaled"))
  }

  @Test func niceTicksAndDegenerateRanges() {
    let ticks = SVGChartAxis.niceTicks(low: 0.013, high: 0.92, maxTicks: 6)
    #expect(ticks.values.count == 6)
    #expect(ticks.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    let flat = SVGChartAxis.linear([100, 100, 100], title: "price")
    #expect(flat.lower < 100 && flat.upper > 100 && flat.hasData)
    #expect(flat.fraction(100).map { abs($0 - 0.5) < 0.26 } == true)
    let zero = SVGChartAxis.linear([0, 0], title: "x")
    #expect(zero.lower < 0 && zero.upper > 0)
    let huge = SVGChartAxis.linear([-1e308, 1e308], title: "x")
    #expect(huge.hasData && huge.ticks.count <= 1001)
    #expect(huge.fraction(0) == nil || huge.fraction(0)?.isFinite == true)
    let none = SVGChartAxis.linear([.nan, .infinity], title: "x")
    #expect(!none.hasData)
    let log = SVGChartAxis.logarithmic([0, 0.004, 35], title: "density")
    #expect(log.lower == -3 && log.upper == 2)
    #expect(log.labels == ["0.001", "0.01", "0.1", "1", "10", "100"])
  }

  @Test func numbersAreCompact() {
    #expect(PageFormat.number(0.123456789) == "0.123")
    #expect(PageFormat.number(-2.5) == "−2.5")
    #expect(PageFormat.number(0.0000123456) == "1.23e-5")
    #expect(PageFormat.number(.nan) == "–")
    #expect(PageFormat.number(-.infinity) == "–")
    #expect(PageFormat.number(nil) == "–")
    #expect(PageFormat.percent(0.04123) == "4.12%")
    #expect(PageFormat.points(0.0031) == "+0.31 pp")
    #expect(PageFormat.points(-0.003) == "−0.30 pp")
    #expect(PageFormat.points(0) == "±0 pp")
    #expect(PageFormat.count(1_234_567) == "1,234,567")
    #expect(PageFormat.coordinate(12.345) == "12.3")
    #expect(PageFormat.coordinate(-0.04) == "0")
    #expect(PageFormat.coordinate(-0.26) == "-0.3")
    #expect(PageFormat.coordinate(.nan) == "0")
  }

  /// Writes the sample pages where `SCENGINE_REPORT_SAMPLE` says (nothing when unset).
  @Test func writesSample() throws {
    guard let path = ProcessInfo.processInfo.environment["SCENGINE_REPORT_SAMPLE"] else { return }
    let stem = path.hasSuffix(".html") ? String(path.dropLast(5)) : path
    let pages = [
      (path, PageSample.report(real: true, variants: ["garch", "gbm"])),
      (stem + "-noreal.html", PageSample.report(real: false, variants: ["base"])),
      (stem + "-degenerate.html", PageSample.degenerate()),
    ]
    for (file, report) in pages {
      try Data(ReportPage.html(report).utf8).write(to: URL(fileURLWithPath: file))
    }
  }

  // MARK: Checks

  func expectSelfContained(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for banned in ["http", "<script", "src=", "<img", "<canvas", "<link", "url(http", "@import"] {
      #expect(!html.contains(banned), "\(banned)", sourceLocation: sourceLocation)
    }
    let words = html.lowercased().split { !$0.isLetter }
    for word in ["nan", "inf", "infinity"] {
      #expect(!words.contains(Substring(word)), "\(word)", sourceLocation: sourceLocation)
    }
  }

  func occurrences(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
  }

  /// The values of every `name="…"` attribute.
  func attributeValues(_ name: String, in html: String) -> [String] {
    html.components(separatedBy: " \(name)=\"").dropFirst().compactMap {
      $0.split(separator: "\"", maxSplits: 1).first.map(String.init)
    }
  }
}

/// Small, realistic reports for the page tests: GARCH-like returns from a fixed seed, so the
/// charts look like the real thing, with hand-set bands.
enum PageSample {
  static func report(
    real: Bool, variants: [String], assets: [String] = ["SPY", "TLT", "GLD"], steps: Int = 252
  ) -> ValidationReport {
    var random = SeededRandom(state: 11)
    let dt = 1.0 / 252
    let variantReports = variants.enumerated().map { v, name in
      let assetReports = assets.enumerated().map { a, asset in
        assetReport(
          asset, volatility: 0.12 + 0.05 * Double(a), clustering: v == 0 ? 0.9 : 0,
          steps: steps, dt: dt, real: real, random: &random)
      }
      let inside =
        real ? assetReports.flatMap(\.statistics).filter { $0.band.inside == true }.count : 0
      let scored = real ? assetReports.flatMap(\.statistics).count + 1 : 0
      return VariantReport(
        name: name, score: real ? Double(inside + 1) / Double(scored) : nil,
        inside: real ? inside + 1 : 0, scored: scored, assets: assetReports,
        correlation: assets.count >= 2 ? correlation(assets.count, real: real) : nil)
    }
    let run = RunInfo(
      directory: "runs/sample", scenario: "three-assets", seed: 42, paths: 10_000, steps: steps,
      dt: dt, assets: assets + ["EXTRA"], validatedAssets: assets,
      initial: assets.map { _ in 100 }, dates: nil,
      manifestSHA256: String(repeating: "ab", count: 32))
    let realInfo =
      real
      ? RealInfo(
        file: "data/prices.csv", columns: assets, first: "2005-01-03", last: "2024-12-31",
        returns: 5_000, windowFirst: "2024-01-02", windowLast: "2024-12-31", rowsDropped: 3)
      : nil
    let risk = variants.enumerated().map { v, name in
      VariantRisk(
        variant: name, paths: 10_000,
        series: (["portfolio"] + assets).enumerated().map { s, series in
          let scale = 1 + 0.1 * Double(s) + 0.15 * Double(v)
          let base = 1 + 0.1 * Double(s)
          let shift = scale - base
          return SeriesRisk(
            series: series, var95: 0.12 * scale, var99: 0.19 * scale, es95: 0.17 * scale,
            es99: 0.24 * scale,
            drawdown: ["0.05": 0.05 * scale, "0.5": 0.11 * scale, "0.95": 0.24 * scale],
            difference: [
              "var_95": 0.12 * shift, "var_99": 0.19 * shift, "es_95": 0.17 * shift,
              "es_99": 0.24 * shift, "max_drawdown_0.05": 0.05 * shift,
              "max_drawdown_0.5": 0.11 * shift, "max_drawdown_0.95": 0.24 * shift,
            ])
        })
    }
    return ValidationReport(
      version: "0.9.0", run: run, real: realInfo, returnsCompared: steps,
      shorter: real ? "synthetic" : "synthetic", ensemblePaths: 2_000,
      score: variantReports.first?.score, variants: variantReports, risk: risk, seconds: 3.21)
  }

  /// A report whose charts are empty, all undefined or constant, and whose bands are missing.
  static func degenerate() -> ValidationReport {
    var report = report(real: true, variants: ["flat"], assets: ["A", "B"], steps: 60)
    let nan = Double.nan
    report.variants[0].assets[0].charts = AssetCharts(
      fanLevels: [0.05, 0.25, 0.5, 0.75, 0.95], fan: Array(repeating: [100, 100, 100], count: 5),
      realHistory: [100, 100], histogramEdges: [], histogramSynthetic: [], histogramReal: [],
      histogramNormal: [], qqProbabilities: [0.5], qqNormal: [0], qqSynthetic: [nan],
      qqReal: [.infinity], drawdownEdges: [0, 0], drawdownDensity: [nan])
    report.variants[0].assets[1].charts = AssetCharts(
      fanLevels: [], fan: [[nan, .infinity]], realHistory: nil, histogramEdges: [nan, nan],
      histogramSynthetic: [0], histogramReal: nil, histogramNormal: [-.infinity],
      qqProbabilities: [0.1, 0.9], qqNormal: [-1.28, 1.28], qqSynthetic: [-1e308, 1e308],
      qqReal: nil, drawdownEdges: [],
      drawdownDensity: [])
    report.variants[0].assets[1].curves = []
    for index in report.variants[0].assets[0].statistics.indices {
      report.variants[0].assets[0].statistics[index].band = Band(
        median: nil, p05: nil, p95: nil, defined: 0, real: nan, rank: nil, inside: nil)
    }
    report.variants[0].assets[0].curves[0].bands = report.variants[0].assets[0].curves[0].bands
      .map { _ in
        Band(median: 0.1, p05: 0.1, p95: 0.1, defined: 10, real: nil, rank: nil, inside: nil)
      }
    report.variants[0].correlation?.synthetic = [[1, nan], [nan, 1]]
    report.variants[0].correlation?.distance = nil
    report.risk[0].series[0].var95 = .nan
    report.seconds = .infinity
    return report
  }

  // MARK: Pieces

  static func assetReport(
    _ name: String, volatility: Double, clustering: Double, steps: Int, dt: Double, real: Bool,
    random: inout SeededRandom
  ) -> AssetReport {
    let paths = 60
    let daily = volatility * dt.squareRoot()
    var synthetic: [Double] = []
    var drawdowns: [Double] = []
    for _ in 0..<paths {
      let returns = garch(steps, daily: daily, clustering: clustering, random: &random)
      synthetic += returns
      drawdowns.append(maxDrawdown(returns))
    }
    let realReturns = garch(1_000, daily: daily * 1.1, clustering: 0.9, random: &random)
    let levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    let fan = levels.map { q in
      (0...steps).map { t in
        100
          * exp(
            -0.5 * daily * daily * Double(t) + normalQuantile(q) * daily
              * Double(t).squareRoot())
      }
    }
    var history = [100.0]
    for r in realReturns.suffix(steps).reversed() { history.insert(history[0] / exp(r), at: 0) }
    let all = synthetic + (real ? realReturns : [])
    let low = all.min() ?? -0.1
    let high = all.max() ?? 0.1
    let edges = (0...60).map { low + (high - low) * Double($0) / 60 }
    let mean = synthetic.reduce(0, +) / Double(synthetic.count)
    let sd =
      (synthetic.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(synthetic.count - 1))
      .squareRoot()
    let centres = (0..<60).map { (edges[$0] + edges[$0 + 1]) / 2 }
    let probabilities = (1...199).map { Double($0) / 200 }
    let drawdownEdges = (0...40).map { (drawdowns.max() ?? 0.3) * Double($0) / 40 }
    let charts = AssetCharts(
      fanLevels: levels, fan: fan, realHistory: real ? history : nil, histogramEdges: edges,
      histogramSynthetic: density(synthetic, edges),
      histogramReal: real ? density(realReturns, edges) : nil,
      histogramNormal: centres.map {
        exp(-0.5 * (($0 - mean) / sd) * (($0 - mean) / sd)) / (sd * (2 * Double.pi).squareRoot())
      },
      qqProbabilities: probabilities, qqNormal: probabilities.map(normalQuantile),
      qqSynthetic: standardizedQuantiles(synthetic, probabilities),
      qqReal: real ? standardizedQuantiles(realReturns, probabilities) : nil,
      drawdownEdges: drawdownEdges, drawdownDensity: density(drawdowns, drawdownEdges))
    let statistics = statisticSpecs.enumerated().map { index, spec in
      let width = abs(spec.median) * 0.4 + 0.02
      let realValue = spec.median + width * (index % 4 == 3 ? 1.6 : 0.3) * (index % 2 == 0 ? 1 : -1)
      return Statistic(
        name: spec.name, label: spec.label, group: spec.group,
        band: band(
          median: spec.median, width: width, real: real ? realValue : nil,
          defined: index == 4 ? 1_987 : 2_000))
    }
    let curves = [
      Curve(
        name: "acf_abs", label: "Autocorrelation of |r|", lags: Array(1...50),
        bands: (1...50).map { k in
          band(
            median: 0.03 + clustering * 0.15 * exp(-Double(k) / 20), width: 0.09,
            real: real ? 0.2 * exp(-Double(k) / 25) + 0.02 * sin(Double(k)) : nil)
        }),
      Curve(
        name: "acf_sq", label: "Autocorrelation of r²", lags: Array(1...50),
        bands: (1...50).map { k in
          band(
            median: 0.02 + clustering * 0.12 * exp(-Double(k) / 15), width: 0.1,
            real: real ? 0.15 * exp(-Double(k) / 20) : nil)
        }),
      Curve(
        name: "leverage", label: "Leverage", lags: Array(1...10),
        bands: (1...10).map { k in
          band(
            median: -0.05 * exp(-Double(k) / 4), width: 0.12,
            real: real ? -0.14 * exp(-Double(k) / 3) : nil)
        }),
    ]
    let distributions = [1, 5, 21].map { h in
      DistributionDistance(
        horizon: h, realCount: 5_000 / h, syntheticCount: 2_000 * (steps / h),
        ks: 0.021 * Double(h),
        wasserstein: 0.0004 * Double(h))
    }
    return AssetReport(
      name: name, statistics: statistics, curves: curves, distributions: real ? distributions : nil,
      charts: charts)
  }

  static let statisticSpecs: [(name: String, label: String, group: String, median: Double)] = [
    ("ann_mean", "Annualized mean of log returns", "moments", 0.05),
    ("ann_vol", "Annualized volatility", "moments", 0.18),
    ("skewness", "Skewness", "moments", -0.3),
    ("excess_kurtosis", "Excess kurtosis", "moments", 3.1),
    ("hill_left", "Hill tail index, left tail", "tails", 3.4),
    ("hill_right", "Hill tail index, right tail", "tails", 3.9),
    ("quantile_01", "1% quantile of returns", "tails", -0.031),
    ("quantile_99", "99% quantile of returns", "tails", 0.027),
    ("acf_1", "Autocorrelation of returns, lag 1", "autocorrelation", -0.01),
    ("acf_2", "Autocorrelation of returns, lag 2", "autocorrelation", 0),
    ("acf_5", "Autocorrelation of returns, lag 5", "autocorrelation", 0),
    ("acf_10", "Autocorrelation of returns, lag 10", "autocorrelation", 0),
    ("acf_20", "Autocorrelation of returns, lag 20", "autocorrelation", 0),
    ("acf_abs_sum", "Sum of |r| autocorrelations, lags 1–50", "volatility_clustering", 2.4),
    ("acf_sq_sum", "Sum of r² autocorrelations, lags 1–50", "volatility_clustering", 1.7),
    ("leverage_sum", "Sum of leverage correlations, lags 1–10", "leverage", -0.35),
    ("kurtosis_5", "Excess kurtosis of 5-step returns", "aggregational", 1.2),
    ("kurtosis_21", "Excess kurtosis of 21-step returns", "aggregational", 0.3),
    ("max_drawdown", "Maximum drawdown (fraction of the peak)", "drawdown", 0.14),
  ]

  static func band(median: Double, width: Double, real: Double?, defined: Int = 2_000) -> Band {
    let p05 = median - width
    let p95 = median + width
    return Band(
      median: median, p05: p05, p95: p95, defined: defined, real: real,
      rank: real.map { min(100, max(0, 50 + 45 * ($0 - median) / width)) },
      inside: real.map { p05 <= $0 && $0 <= p95 })
  }

  static func correlation(_ count: Int, real: Bool) -> CorrelationReport {
    let synthetic = (0..<count).map { i in
      (0..<count).map { j in i == j ? 1 : (i + j) % 2 == 0 ? 0.45 : -0.3 }
    }
    let realMatrix = synthetic.map { row in row.map { $0 == 1 ? 1 : $0 * 1.4 } }
    return CorrelationReport(
      real: real ? realMatrix : nil, synthetic: synthetic, distance: real ? 0.41 : nil,
      statistic: Statistic(
        name: "correlation_distance", label: "Distance to the mean correlation matrix",
        group: "correlation", band: band(median: 0.2, width: 0.12, real: real ? 0.41 : nil)))
  }

  static func garch(_ count: Int, daily: Double, clustering: Double, random: inout SeededRandom)
    -> [Double]
  {
    let beta = 0.85 * clustering
    let alpha = 0.1 * clustering
    let omega = daily * daily * (1 - alpha - beta)
    var variance = daily * daily
    var returns: [Double] = []
    for _ in 0..<count {
      // A Student-t-like shock: a normal over the root of a small chi-square mixture.
      let z = random.normal() / (0.6 + 0.4 * abs(random.normal())).squareRoot() * 0.8
      let r = variance.squareRoot() * z
      returns.append(r)
      variance = omega + alpha * r * r + beta * variance
    }
    return returns
  }

  static func maxDrawdown(_ returns: [Double]) -> Double {
    var level = 0.0
    var peak = 0.0
    var worst = 0.0
    for r in returns {
      level += r
      peak = max(peak, level)
      worst = max(worst, 1 - exp(level - peak))
    }
    return worst
  }

  static func density(_ values: [Double], _ edges: [Double]) -> [Double] {
    let bins = edges.count - 1
    guard bins > 0, let low = edges.first, let high = edges.last, high > low else { return [] }
    var counts = [Double](repeating: 0, count: bins)
    for value in values {
      let index = min(bins - 1, max(0, Int((value - low) / (high - low) * Double(bins))))
      counts[index] += 1
    }
    let width = (high - low) / Double(bins)
    return counts.map { $0 / (Double(values.count) * width) }
  }

  static func standardizedQuantiles(_ values: [Double], _ probabilities: [Double]) -> [Double] {
    let sorted = values.sorted()
    let mean = values.reduce(0, +) / Double(values.count)
    let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1))
      .squareRoot()
    return probabilities.map { p in
      let h = p * Double(sorted.count - 1)
      let i = Int(h)
      let value = sorted[i] + (h - Double(i)) * (sorted[min(i + 1, sorted.count - 1)] - sorted[i])
      return (value - mean) / sd
    }
  }
}
