import Foundation

/// The correlation heatmaps: the real and the synthetic matrix side by side, on one diverging
/// colour scale from −1 (blue) through 0 (white) to +1 (red), with a legend.
extension ReportPage {
  static func correlationFigure(
    _ correlation: CorrelationReport, assets: [String], id: String
  ) -> String {
    var panels: [(title: String, matrix: [[Double]])] = []
    if let real = correlation.real { panels.append(("real", real)) }
    panels.append(("synthetic (mean over paths)", correlation.synthetic))
    let svg = heatmaps(panels, names: assets, id: id)
    var caption =
      "Each cell is the correlation of two assets' returns, from −1 (blue) to +1 (red)."
    if correlation.real != nil {
      caption +=
        " The two matrices should look alike; their distance is "
        + PageFormat.number(correlation.distance) + " (Frobenius norm of the difference)."
    }
    return figure(id: id, title: "Correlation of returns", svg: svg, caption: caption)
  }

  /// One SVG with a heatmap per panel and the colour legend at the right.
  static func heatmaps(_ panels: [(title: String, matrix: [[Double]])], names: [String], id: String)
    -> String
  {
    let count = max(names.count, panels.map(\.matrix.count).max() ?? 0)
    let shown = (0..<count).map { $0 < names.count ? shortName(names[$0]) : "#\($0 + 1)" }
    let longest = Double(shown.map(\.count).max() ?? 1)
    let showLabels = count <= 30
    let rotated = count > 6 || longest > 6
    let side = 300.0
    let cell = count > 0 ? side / Double(count) : side
    let labelWidth = showLabels ? longest * 7.4 + 10 : 4
    let labelHeight = showLabels ? (rotated ? longest * 5.3 + 12 : 18) : 4
    let panelWidth = labelWidth + side + 40
    let width = Double(panels.count) * panelWidth + 90
    let height = 26 + labelHeight + side + 12
    let top = 26 + labelHeight
    var out =
      "<svg class=\"chart heat\" viewBox=\"0 0 \(c(width)) \(c(height))\" role=\"img\""
      + " aria-label=\"Correlation heatmaps\" style=\"max-width:\(c(width * 1.15))px\">"
    for (index, panel) in panels.enumerated() {
      let x0 = Double(index) * panelWidth + labelWidth
      out +=
        "<text class=\"title\" x=\"\(c(x0 + side / 2))\" y=\"16\" text-anchor=\"middle\">"
        + PageFormat.escape(panel.title) + "</text>"
      if showLabels {
        for (row, name) in shown.enumerated() {
          let middle = Double(row) * cell + cell / 2
          out +=
            "<text class=\"tick\" x=\"\(c(x0 - 6))\" y=\"\(c(top + middle + 4))\""
            + " text-anchor=\"end\">\(PageFormat.escape(name))</text>"
          if rotated {
            let lx = x0 + middle + 3
            let ly = top - 6
            out +=
              "<text class=\"tick\" x=\"\(c(lx))\" y=\"\(c(ly))\""
              + " transform=\"rotate(-45 \(c(lx)) \(c(ly)))\">\(PageFormat.escape(name))</text>"
          } else {
            out +=
              "<text class=\"tick\" x=\"\(c(x0 + middle))\" y=\"\(c(top - 6))\""
              + " text-anchor=\"middle\">\(PageFormat.escape(name))</text>"
          }
        }
      }
      for row in 0..<count {
        for column in 0..<count {
          let value =
            row < panel.matrix.count && column < panel.matrix[row].count
            ? panel.matrix[row][column] : .nan
          let cx = x0 + Double(column) * cell
          let cy = top + Double(row) * cell
          out +=
            "<rect x=\"\(c(cx))\" y=\"\(c(cy))\" width=\"\(c(cell))\" height=\"\(c(cell))\""
            + " fill=\"\(divergingColour(value))\"/>"
          if count <= 10 {
            let dark = value.isFinite && abs(value) > 0.55
            let size = min(13, cell / 3.4)
            out +=
              "<text class=\"cell\(dark ? " light" : "")\" x=\"\(c(cx + cell / 2))\""
              + " y=\"\(c(cy + cell / 2 + size * 0.35))\" text-anchor=\"middle\""
              + " style=\"font-size:\(c(size))px\">"
              + (value.isFinite ? PageFormat.fixed(value, decimals: 2) : PageFormat.missing)
              + "</text>"
          }
        }
      }
      out +=
        "<rect class=\"frame\" x=\"\(c(x0))\" y=\"\(c(top))\" width=\"\(c(side))\""
        + " height=\"\(c(side))\"/>"
    }
    out += colourLegend(x: Double(panels.count) * panelWidth + 4, top: top, height: side)
    return out + "</svg>"
  }

  /// A vertical colour bar from +1 (top) to −1 (bottom) with labelled ticks.
  static func colourLegend(x: Double, top: Double, height: Double) -> String {
    let steps = 40
    var out = "<g class=\"axis\">"
    for index in 0..<steps {
      let value = 1 - (Double(index) + 0.5) * 2 / Double(steps)
      out +=
        "<rect x=\"\(c(x))\" y=\"\(c(top + Double(index) * height / Double(steps)))\""
        + " width=\"18\" height=\"\(c(height / Double(steps) + 0.4))\""
        + " fill=\"\(divergingColour(value))\"/>"
    }
    out +=
      "<rect class=\"frame\" x=\"\(c(x))\" y=\"\(c(top))\" width=\"18\" height=\"\(c(height))\"/>"
    for (value, text) in [(1.0, "+1"), (0.5, "+0.5"), (0, "0"), (-0.5, "−0.5"), (-1, "−1")] {
      let y = top + (1 - value) / 2 * height
      out += "<path d=\"M\(c(x + 18)) \(c(y))h5\"/>"
      out += "<text x=\"\(c(x + 26))\" y=\"\(c(y + 4))\">\(text)</text>"
    }
    return out + "</g>"
  }

  /// The colour of a correlation on the diverging scale (ColorBrewer RdBu end points); grey
  /// for an undefined value.
  static func divergingColour(_ value: Double) -> String {
    guard value.isFinite else { return "#cccccc" }
    let t = min(1, max(-1, value))
    let white = (247.0, 247.0, 247.0)
    let end = t >= 0 ? (178.0, 24.0, 43.0) : (33.0, 102.0, 172.0)
    let a = abs(t)
    func mix(_ from: Double, _ to: Double) -> Int { Int((from + (to - from) * a).rounded()) }
    let rgb = [mix(white.0, end.0), mix(white.1, end.1), mix(white.2, end.2)]
    let digits = Array("0123456789abcdef")
    return "#" + rgb.map { String([digits[$0 / 16], digits[$0 % 16]]) }.joined()
  }

  /// A name cut to 16 characters for axis labels, keeping its start and its end (where names
  /// of a family differ).
  static func shortName(_ name: String) -> String {
    name.count <= 16 ? name : String(name.prefix(7)) + "…" + String(name.suffix(8))
  }

  private static func c(_ value: Double) -> String { PageFormat.coordinate(value) }
}
