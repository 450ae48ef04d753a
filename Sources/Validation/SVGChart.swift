import Foundation

/// An inline SVG chart with two axes, drawn into a string: the frame (grid, ticks, labels, axis
/// titles), then data layers clipped to the plot area, then a legend above the plot.
///
/// Coordinates are rounded to one decimal; points without a position (not finite, or not
/// positive on a log axis) are skipped, and lines break there, so the SVG never holds a
/// non-finite number. Styling is by CSS class (the page's `<style>`).
struct SVGChart {
  /// A unique, deterministic id (from the variant and asset indices), used for the clip path.
  let id: String
  let width: Double
  let height: Double
  let x: SVGChartAxis
  let y: SVGChartAxis
  /// Plot area edges, in SVG units.
  let left: Double
  let right: Double
  let top: Double
  let bottom: Double
  /// Accessible description of the chart.
  let label: String
  private var layers = ""
  /// Data layers drawn so far (reference lines excluded); a chart without says so.
  private var drawn = 0
  /// The legend entries, laid out in rows above the plot.
  let legend: [LegendItem]

  /// One legend entry: its text, the CSS class of its mark, and how the mark is drawn.
  struct LegendItem {
    var text: String
    var style: String
    var kind: LegendKind
    /// The estimated width of the entry, in SVG units.
    var width: Double { 23 + Double(text.count) * 6.3 + 14 }
  }

  /// How a legend entry's mark is drawn (its CSS class gives colour and dashes).
  enum LegendKind {
    case line, area, dot
  }

  init(
    id: String, width: Double, height: Double, x: SVGChartAxis, y: SVGChartAxis, label: String,
    legend: [LegendItem]
  ) {
    self.id = id
    self.width = width
    self.height = height
    self.x = x
    self.y = y
    self.label = label
    self.legend = legend
    let longest = y.labels.map(\.count).max() ?? 1
    left = 32 + Double(longest) * 6.6
    right = width - 14
    let rows = Self.legendRows(legend, from: left, to: width - 4).count
    top = 12 + Double(max(rows, 1)) * 16
    bottom = height - 42
  }

  /// The legend entries split into rows that fit between `start` and `end`.
  static func legendRows(_ items: [LegendItem], from start: Double, to end: Double)
    -> [[LegendItem]]
  {
    var rows: [[LegendItem]] = []
    var position = start
    for item in items {
      if rows.isEmpty || position + item.width - 14 > end {
        rows.append([])
        position = start
      }
      rows[rows.count - 1].append(item)
      position += item.width
    }
    return rows
  }

  /// The SVG x coordinate of a data value, nil when it has none.
  func px(_ value: Double) -> Double? {
    x.fraction(value).map { left + $0 * (right - left) }
  }

  /// The SVG y coordinate of a data value, nil when it has none.
  func py(_ value: Double) -> Double? {
    y.fraction(value).map { bottom - $0 * (bottom - top) }
  }

  /// Whether any data reached the chart (a chart without says so in its middle).
  var hasData: Bool { x.hasData && y.hasData && drawn > 0 }

  // MARK: Layers

  /// A line through the points (xs[i], ys[i]), broken where a point has no position.
  mutating func line(_ xs: [Double], _ ys: [Double], style: String) {
    var path = ""
    var open = false
    for (xv, yv) in zip(xs, ys) {
      guard let sx = px(xv), let sy = py(yv) else {
        open = false
        continue
      }
      path += (open ? " " : "M") + c(sx) + " " + c(sy)
      open = true
    }
    if !path.isEmpty {
      layers += "<path class=\"\(style)\" d=\"\(path)\"/>"
      drawn += 1
    }
  }

  /// The area between `lows` and `highs` over `xs`, split where either has no position.
  mutating func band(_ xs: [Double], lows: [Double], highs: [Double], style: String) {
    var path = ""
    var run: [(Double, Double, Double)] = []
    func flush() {
      if run.count >= 2 {
        path += "M" + run.map { c($0.0) + " " + c($0.2) }.joined(separator: " ")
        path += " " + run.reversed().map { c($0.0) + " " + c($0.1) }.joined(separator: " ") + "Z"
      }
      run.removeAll()
    }
    for index in 0..<min(xs.count, lows.count, highs.count) {
      if let sx = px(xs[index]), let low = py(lows[index]), let high = py(highs[index]) {
        run.append((sx, low, high))
      } else {
        flush()
      }
    }
    flush()
    if !path.isEmpty {
      layers += "<path class=\"\(style)\" d=\"\(path)\"/>"
      drawn += 1
    }
  }

  /// Histogram bars from the bottom of the plot (or from `base` when given) up to each
  /// density; bins whose top has no position (zero on a log axis) are skipped.
  mutating func bars(edges: [Double], heights: [Double], style: String, base: Double? = nil) {
    var path = ""
    let floor = base.flatMap(py) ?? bottom
    for index in 0..<min(max(0, edges.count - 1), heights.count) {
      guard let x0 = px(edges[index]), let x1 = px(edges[index + 1]), let top = py(heights[index])
      else { continue }
      let y0 = min(max(top, self.top - 2), bottom)
      path += "M" + c(x0) + " " + c(floor) + "V" + c(y0) + "H" + c(x1) + "V" + c(floor) + "Z"
    }
    if !path.isEmpty {
      layers += "<path class=\"\(style)\" d=\"\(path)\"/>"
      drawn += 1
    }
  }

  /// Points drawn as round dots (zero-length strokes with round caps).
  mutating func dots(_ xs: [Double], _ ys: [Double], style: String) {
    var path = ""
    for (xv, yv) in zip(xs, ys) {
      guard let sx = px(xv), let sy = py(yv) else { continue }
      path += "M" + c(sx) + " " + c(sy) + "h0"
    }
    if !path.isEmpty {
      layers += "<path class=\"\(style)\" d=\"\(path)\"/>"
      drawn += 1
    }
  }

  /// A vertical line at the data value `value` across the plot, with an optional label at its
  /// top.
  mutating func vertical(at value: Double, style: String, text: String? = nil) {
    guard let sx = px(value), sx >= left - 0.5, sx <= right + 0.5 else { return }
    layers += "<path class=\"\(style)\" d=\"M\(c(sx)) \(c(top))V\(c(bottom))\"/>"
    if let text {
      let anchor = sx > (left + right) / 2 ? "end" : "start"
      let dx = anchor == "end" ? -4.0 : 4.0
      layers +=
        "<text class=\"note\" x=\"\(c(sx + dx))\" y=\"\(c(top + 12))\" text-anchor=\"\(anchor)\">"
        + PageFormat.escape(text) + "</text>"
    }
  }

  /// The straight segment between two data points.
  mutating func segment(from start: (Double, Double), to end: (Double, Double), style: String) {
    guard let x0 = px(start.0), let y0 = py(start.1), let x1 = px(end.0), let y1 = py(end.1)
    else { return }
    layers += "<path class=\"\(style)\" d=\"M\(c(x0)) \(c(y0))L\(c(x1)) \(c(y1))\"/>"
  }

  // MARK: Output

  /// The finished `<svg>` element.
  func svg() -> String {
    var out =
      "<svg class=\"chart\" viewBox=\"0 0 \(c(width)) \(c(height))\" role=\"img\""
      + " aria-label=\"\(PageFormat.escape(label))\"><defs><clipPath id=\"clip-\(id)\">"
      + "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(right - left))\""
      + " height=\"\(c(bottom - top))\"/></clipPath></defs>"
    out += frame()
    if hasData {
      out += "<g clip-path=\"url(#clip-\(id))\">" + layers + "</g>"
    } else {
      out +=
        "<text class=\"nodata\" x=\"\(c((left + right) / 2))\" y=\"\(c((top + bottom) / 2))\""
        + " text-anchor=\"middle\">No finite values to draw</text>"
    }
    out += legendRow()
    return out + "</svg>"
  }

  /// Grid lines, the axes, tick marks and labels, and the axis titles.
  private func frame() -> String {
    var out = "<g class=\"grid\">"
    for tick in x.ticks {
      guard let sx = px(tick / x.scale) else { continue }
      out += "<path d=\"M\(c(sx)) \(c(top))V\(c(bottom))\"/>"
    }
    for tick in y.ticks {
      guard let sy = py(tick / y.scale) else { continue }
      out += "<path d=\"M\(c(left)) \(c(sy))H\(c(right))\"/>"
    }
    out += "</g><g class=\"axis\">"
    out += "<path d=\"M\(c(left)) \(c(top))V\(c(bottom))H\(c(right))\"/>"
    for (tick, text) in zip(x.ticks, x.labels) {
      guard let sx = px(tick / x.scale) else { continue }
      out += "<path d=\"M\(c(sx)) \(c(bottom))v5\"/>"
      out +=
        "<text x=\"\(c(sx))\" y=\"\(c(bottom + 17))\" text-anchor=\"middle\">"
        + PageFormat.escape(text) + "</text>"
    }
    for (tick, text) in zip(y.ticks, y.labels) {
      guard let sy = py(tick / y.scale) else { continue }
      out += "<path d=\"M\(c(left)) \(c(sy))h-5\"/>"
      out +=
        "<text x=\"\(c(left - 8))\" y=\"\(c(sy + 4))\" text-anchor=\"end\">"
        + PageFormat.escape(text) + "</text>"
    }
    out +=
      "<text class=\"title\" x=\"\(c((left + right) / 2))\" y=\"\(c(height - 6))\""
      + " text-anchor=\"middle\">\(PageFormat.escape(x.title))</text>"
    let middle = (top + bottom) / 2
    out +=
      "<text class=\"title\" x=\"14\" y=\"\(c(middle))\" text-anchor=\"middle\""
      + " transform=\"rotate(-90 14 \(c(middle)))\">\(PageFormat.escape(y.title))</text>"
    return out + "</g>"
  }

  /// The legend, left to right in rows above the plot area (widths estimated from the text
  /// length).
  private func legendRow() -> String {
    guard !legend.isEmpty else { return "" }
    var out = "<g class=\"legend\">"
    for (row, items) in Self.legendRows(legend, from: left, to: width - 4).enumerated() {
      var position = left
      let baseline = 16.0 + Double(row) * 16
      for item in items {
        switch item.kind {
        case .line:
          out += "<path class=\"\(item.style)\" d=\"M\(c(position)) \(c(baseline - 4))h18\"/>"
        case .area:
          out +=
            "<rect class=\"\(item.style)\" x=\"\(c(position))\" y=\"\(c(baseline - 9))\""
            + " width=\"18\" height=\"10\"/>"
        case .dot:
          out += "<path class=\"\(item.style)\" d=\"M\(c(position + 9)) \(c(baseline - 4))h0\"/>"
        }
        out +=
          "<text x=\"\(c(position + 23))\" y=\"\(c(baseline))\">"
          + PageFormat.escape(item.text) + "</text>"
        position += item.width
      }
    }
    return out + "</g>"
  }

  private func c(_ value: Double) -> String { PageFormat.coordinate(value) }
}
