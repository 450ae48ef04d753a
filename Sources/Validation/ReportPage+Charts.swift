import Foundation

/// The per-asset charts: fan, return histogram, QQ plot, lag curves with bands, drawdowns.
extension ReportPage {
  /// Sizes, in SVG units: a full-width chart and a third-width one.
  static let wideChart = (width: 1180.0, height: 330.0)
  static let smallChart = (width: 390.0, height: 300.0)

  /// The charts drawn for every asset, in page order (`chartsPerAsset` of them): the fan over
  /// the full width, then two rows of three (histogram, QQ plot, drawdowns; the |r| and r²
  /// autocorrelations and the leverage curve).
  static func assetFigures(
    _ asset: AssetReport, id: String, dt: Double, hasReal: Bool
  ) -> String {
    var out = figure(
      id: id + "-fan", title: "Price fan: quantiles of the paths at each step",
      svg: fanChart(asset.charts, id: id + "-fan", dt: dt),
      caption: fanCaption(asset.charts, hasReal: hasReal), wide: true)
    out += "<div class=\"grid3\">"
    out += figure(
      id: id + "-hist", title: "Distribution of 1-step log returns",
      svg: histogramChart(asset.charts, id: id + "-hist"),
      caption: hasReal
        ? "Fat tails: far from 0, the real (orange) and synthetic (blue) densities lie above the"
          + " dashed normal curve of the same variance, and should lie close to each other."
          + " Log scale: each grid line is ten times the one below."
        : "Fat tails: far from 0, the synthetic density (blue) lies above the dashed normal curve"
          + " of the same variance. Log scale: each grid line is ten times the one below.")
    out += figure(
      id: id + "-qq", title: "QQ plot against the normal",
      svg: qqChart(asset.charts, id: id + "-qq"),
      caption: "Points on the dashed line y = x are normal; points below it on the left and"
        + " above it on the right are fat tails."
        + (hasReal ? " The real (orange) points should follow the synthetic (blue) ones." : ""))
    out += figure(
      id: id + "-dd", title: "Maximum drawdown per path",
      svg: drawdownChart(asset, id: id + "-dd"),
      caption: "The worst peak-to-trough fall of each path over the compared returns."
        + (hasReal
          ? " The real series' drawdown (orange line) should fall inside the distribution."
          : ""))
    let curves: [(key: String, title: String, axis: String, caption: String)] = [
      (
        "acf_abs", "Autocorrelation of |r| (volatility clustering)", "autocorrelation of |r|",
        "Volatility clustering: large moves follow large moves, so |r| stays positively"
          + " autocorrelated over many lags."
      ),
      (
        "acf_sq", "Autocorrelation of r²", "autocorrelation of r²",
        "The same clustering seen in squared returns; more sensitive to single large moves."
      ),
      (
        "leverage", "Leverage effect: corr(rₜ, r²ₜ₊ₖ)", "correlation",
        "Leverage effect: for equities, falls raise later volatility, so the correlation is"
          + " negative at short lags."
      ),
    ]
    out += "</div><div class=\"grid3\">"
    for spec in curves {
      let curve = asset.curves.first { $0.name == spec.key }
      out += figure(
        id: id + "-" + spec.key, title: spec.title,
        svg: curveChart(curve, id: id + "-" + spec.key, axisTitle: spec.axis),
        caption: spec.caption
          + (hasReal
            ? " The real line (orange) should stay inside the synthetic 5–95% band (blue)."
            : " The band holds 90% of the paths' values at each lag."))
    }
    return out + "</div>"
  }

  /// The number of charts `assetFigures` draws.
  static let chartsPerAsset = 7

  /// A figure: title, chart, and the line saying what to read from it.
  static func figure(id: String, title: String, svg: String, caption: String, wide: Bool = false)
    -> String
  {
    "<figure class=\"fig\(wide ? " wide" : "")\" id=\"\(id)\"><div class=\"ftitle\">"
      + PageFormat.escape(title) + "</div>" + svg + "<figcaption>" + PageFormat.escape(caption)
      + "</figcaption></figure>"
  }

  // MARK: Fan

  static func fanChart(_ charts: AssetCharts, id: String, dt: Double) -> String {
    let steps = max(0, (charts.fan.map(\.count).max() ?? 1) - 1)
    let factor = historyFactor(charts)
    let history = (charts.realHistory ?? []).map { $0 * (factor ?? 1) }
    let start = history.isEmpty ? 0 : -(history.count - 1)
    let x = SVGChartAxis.linear(
      [Double(start), Double(max(steps, 1))],
      title: "step (" + stepUnit(dt) + ")"
        + (history.isEmpty ? "" : "; negative steps: the real history before the run"),
      maxTicks: 12, tight: true, integer: true)
    let y = SVGChartAxis.linear(charts.fan.flatMap { $0 } + history, title: "price", maxTicks: 7)
    let pairs = fanPairs(charts.fanLevels, count: charts.fan.count)
    var legend: [SVGChart.LegendItem] = pairs.bands.enumerated().map { index, pair in
      SVGChart.LegendItem(
        text: PageFormat.percent(level(charts.fanLevels, pair.0)) + "–"
          + PageFormat.percent(level(charts.fanLevels, pair.1)) + " of paths",
        style: index == 0 ? "band90" : "band50", kind: .area)
    }
    if pairs.median != nil {
      legend.append(SVGChart.LegendItem(text: "median", style: "med", kind: .line))
    }
    if !history.isEmpty {
      let text =
        factor.map { "real history × " + PageFormat.number($0) + " (rescaled to the run's start)" }
        ?? "real history"
      legend.append(SVGChart.LegendItem(text: text, style: "real", kind: .line))
    }
    var chart = SVGChart(
      id: id, width: wideChart.width, height: wideChart.height, x: x, y: y,
      label: "Fan chart of prices", legend: legend)
    let indices = sampledIndices(steps + 1, limit: 800)
    let xs = indices.map(Double.init)
    func series(_ q: Int) -> [Double] {
      indices.map { $0 < charts.fan[q].count ? charts.fan[q][$0] : .nan }
    }
    for (index, pair) in pairs.bands.enumerated() {
      chart.band(
        xs, lows: series(pair.0), highs: series(pair.1), style: index == 0 ? "band90" : "band50")
    }
    if let median = pairs.median { chart.line(xs, series(median), style: "med") }
    if !history.isEmpty {
      let kept = sampledIndices(history.count, limit: 1200)
      chart.line(kept.map { Double(start + $0) }, kept.map { history[$0] }, style: "real")
      chart.vertical(at: 0, style: "mark", text: "step 0: the run starts")
    }
    return chart.svg()
  }

  static func fanCaption(_ charts: AssetCharts, hasReal: Bool) -> String {
    var text =
      "How far prices spread: the shaded bands hold 90% and 50% of the paths at each step, the"
      + " line is the median."
    guard let history = charts.realHistory, !history.isEmpty else { return text }
    text += " The real history (orange) ends at step 0"
    if let factor = historyFactor(charts) {
      text +=
        ", scaled by " + PageFormat.number(factor) + " so that its last price ("
        + PageFormat.number(history.last, digits: 4) + ") meets the run's start price ("
        + PageFormat.number((history.last ?? .nan) * factor, digits: 4) + ")"
    }
    return text + "; its swings over a comparable span should look like the fan's width."
  }

  /// The factor that makes the real history end at the run's start price (the fan at step 0),
  /// when the two differ by more than 0.5%; nil when they agree or either is missing.
  static func historyFactor(_ charts: AssetCharts) -> Double? {
    guard let last = charts.realHistory?.last, last.isFinite, last > 0 else { return nil }
    let median = fanPairs(charts.fanLevels, count: charts.fan.count).median ?? 0
    guard median < charts.fan.count, let first = charts.fan[median].first, first.isFinite,
      first > 0, abs(first / last - 1) > 0.005
    else { return nil }
    return first / last
  }

  /// The fan's bands as index pairs from the outside in (by sorted level), and the median.
  static func fanPairs(_ levels: [Double], count: Int) -> (bands: [(Int, Int)], median: Int?) {
    let order = (0..<count).sorted {
      (level(levels, $0) ?? Double($0)) < (level(levels, $1) ?? Double($1))
    }
    var bands: [(Int, Int)] = []
    var low = 0
    var high = order.count - 1
    while low < high {
      bands.append((order[low], order[high]))
      low += 1
      high -= 1
    }
    return (Array(bands.prefix(2)), low == high ? order[low] : nil)
  }

  static func level(_ levels: [Double], _ index: Int) -> Double? {
    index < levels.count && levels[index].isFinite ? levels[index] : nil
  }

  /// "1/252 year per step", "0.5 year per step".
  static func stepUnit(_ dt: Double) -> String {
    guard dt.isFinite, dt > 0 else { return "steps" }
    let perYear = 1 / dt
    if perYear >= 1.5, abs(perYear - perYear.rounded()) < 1e-6 * perYear {
      return "1 step = 1/\(Int(perYear.rounded())) year"
    }
    return "1 step = " + PageFormat.number(dt, digits: 4) + " year"
  }

  /// At most `limit` indices of 0..<count, evenly spread, always with the first and the last.
  static func sampledIndices(_ count: Int, limit: Int) -> [Int] {
    guard count > limit, limit >= 2 else { return Array(0..<count) }
    return (0..<limit).map { Int((Double($0) * Double(count - 1) / Double(limit - 1)).rounded()) }
  }

  // MARK: Histogram and QQ

  static func histogramChart(_ charts: AssetCharts, id: String) -> String {
    let edges = charts.histogramEdges
    let bins = max(0, edges.count - 1)
    let centres = (0..<bins).map { (edges[$0] + edges[$0 + 1]) / 2 }
    let empirical = charts.histogramSynthetic + (charts.histogramReal ?? [])
    let floor = empirical.filter { $0.isFinite && $0 > 0 }.min() ?? 0
    let x = SVGChartAxis.linear(
      edges, title: "1-step log return (%)", scale: 100, maxTicks: 7, tight: true)
    let y = SVGChartAxis.logarithmic(
      empirical + charts.histogramNormal.filter { $0 >= floor },
      title: "density (log scale)")
    var legend = [SVGChart.LegendItem(text: "synthetic", style: "barsyn", kind: .area)]
    if charts.histogramReal != nil {
      legend.append(SVGChart.LegendItem(text: "real", style: "real", kind: .line))
    }
    legend.append(SVGChart.LegendItem(text: "normal, same variance", style: "norm", kind: .line))
    var chart = SVGChart(
      id: id, width: smallChart.width, height: smallChart.height, x: x, y: y,
      label: "Histogram of one-step log returns, log density", legend: legend)
    chart.bars(edges: edges, heights: charts.histogramSynthetic, style: "barsyn")
    chart.line(centres, charts.histogramNormal, style: "norm")
    if let real = charts.histogramReal {
      chart.line(centres, real, style: "real")
      chart.dots(centres, real, style: "dotreal")
    }
    return chart.svg()
  }

  static func qqChart(_ charts: AssetCharts, id: String) -> String {
    // The x axis spans the normal quantiles; the y axis the returns' (and the normal's, so
    // that the line y = x always crosses the plot).
    let x = SVGChartAxis.linear(charts.qqNormal, title: "standard normal quantile", maxTicks: 7)
    let y = SVGChartAxis.linear(
      charts.qqNormal + charts.qqSynthetic + (charts.qqReal ?? []),
      title: "standardized return quantile", maxTicks: 7)
    var legend = [SVGChart.LegendItem(text: "synthetic", style: "dotsyn", kind: .dot)]
    if charts.qqReal != nil {
      legend.append(SVGChart.LegendItem(text: "real", style: "dotreal", kind: .dot))
    }
    legend.append(SVGChart.LegendItem(text: "y = x (normal)", style: "norm", kind: .line))
    var chart = SVGChart(
      id: id, width: smallChart.width, height: smallChart.height, x: x, y: y,
      label: "QQ plot of standardized returns against the normal", legend: legend)
    let low = min(x.lower, y.lower)
    let high = max(x.upper, y.upper)
    chart.segment(from: (low, low), to: (high, high), style: "norm")
    chart.dots(charts.qqNormal, charts.qqSynthetic, style: "dotsyn")
    if let real = charts.qqReal { chart.dots(charts.qqNormal, real, style: "dotreal") }
    return chart.svg()
  }

  // MARK: Drawdown and curves

  static func drawdownChart(_ asset: AssetReport, id: String) -> String {
    let charts = asset.charts
    let band = asset.statistics.first { $0.name == "max_drawdown" }?.band
    let marks = [band?.median, band?.real].compactMap { $0 }
    let x = SVGChartAxis.linear(
      charts.drawdownEdges + marks, title: "maximum drawdown (% of the peak)", scale: 100,
      maxTicks: 7, tight: true)
    let y = SVGChartAxis.linear(
      charts.drawdownDensity.filter { $0.isFinite } + [0], title: "density", maxTicks: 6)
    var legend = [SVGChart.LegendItem(text: "paths", style: "barsyn", kind: .area)]
    if band?.median != nil {
      legend.append(SVGChart.LegendItem(text: "median", style: "medmark", kind: .line))
    }
    if band?.real != nil {
      legend.append(SVGChart.LegendItem(text: "real", style: "realmark", kind: .line))
    }
    var chart = SVGChart(
      id: id, width: smallChart.width, height: smallChart.height, x: x, y: y,
      label: "Histogram of the maximum drawdown per path", legend: legend)
    chart.bars(
      edges: charts.drawdownEdges, heights: charts.drawdownDensity, style: "barsyn", base: 0)
    if let median = band?.median { chart.vertical(at: median, style: "medmark") }
    if let real = band?.real {
      chart.vertical(at: real, style: "realmark", text: "real " + PageFormat.percent(real))
    }
    return chart.svg()
  }

  static func curveChart(_ curve: Curve?, id: String, axisTitle: String) -> String {
    let lags = (curve?.lags ?? []).map(Double.init)
    let bands = curve?.bands ?? []
    let lows = bands.map { $0.p05 ?? .nan }
    let highs = bands.map { $0.p95 ?? .nan }
    let medians = bands.map { $0.median ?? .nan }
    let reals = bands.map { $0.real ?? .nan }
    let hasReal = reals.contains { $0.isFinite }
    let span = lags.isEmpty ? [] : [(lags.min() ?? 0) - 0.5, (lags.max() ?? 0) + 0.5]
    let x = SVGChartAxis.linear(
      span, title: "lag k (steps)", maxTicks: min(11, max(2, lags.count)), tight: true,
      integer: true)
    let values = lows + highs + medians + reals
    var y = SVGChartAxis.linear(
      values + (values.contains { $0.isFinite } ? [0] : []), title: axisTitle, maxTicks: 6)
    if lags.isEmpty { y.hasData = false }
    var legend = [
      SVGChart.LegendItem(text: "synthetic 5–95%", style: "band90", kind: .area),
      SVGChart.LegendItem(text: "median", style: "medd", kind: .line),
    ]
    if hasReal { legend.append(SVGChart.LegendItem(text: "real", style: "real", kind: .line)) }
    var chart = SVGChart(
      id: id, width: smallChart.width, height: smallChart.height, x: x, y: y,
      label: curve?.label ?? axisTitle, legend: legend)
    if let first = span.first, let last = span.last {
      chart.segment(from: (first, 0), to: (last, 0), style: "zero")
    }
    chart.band(lags, lows: lows, highs: highs, style: "band90")
    chart.line(lags, medians, style: "medd")
    if hasReal {
      chart.line(lags, reals, style: "real")
      if lags.count <= 60 { chart.dots(lags, reals, style: "dotreal") }
    }
    return chart.svg()
  }
}
