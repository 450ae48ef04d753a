import Foundation

/// The page's tables: stylized facts with their verdicts, distribution distances, and the risk
/// comparison of the variants with bars.
extension ReportPage {
  // MARK: Stylized facts

  /// The table of scalar statistics, grouped by stylized fact, with the real value, its rank
  /// and the verdict when there is a real series.
  static func statisticsTable(
    _ statistics: [Statistic], hasReal: Bool, ensemble: Int, single: Bool = false
  ) -> String {
    let columns = hasReal ? 6 : 3
    let width = single ? " single" : hasReal ? "" : " narrow"
    var out = "<table class=\"facts\(width)\"><thead><tr><th>Statistic</th><th>Median</th>"
    out += "<th>5–95% band</th>"
    if hasReal { out += "<th>Real</th><th>Rank in ensemble</th><th>Verdict</th>" }
    out += "</tr></thead><tbody>"
    var group: String?
    for statistic in statistics {
      if statistic.group != group {
        group = statistic.group
        out +=
          "<tr class=\"group\"><th colspan=\"\(columns)\">"
          + PageFormat.escape(groupTitle(statistic.group)) + "</th></tr>"
      }
      out += statisticRow(statistic, hasReal: hasReal, ensemble: ensemble)
    }
    return out + "</tbody></table>"
  }

  static func statisticRow(_ statistic: Statistic, hasReal: Bool, ensemble: Int) -> String {
    let band = statistic.band
    var label = PageFormat.escape(statistic.label)
    if band.defined < ensemble {
      label +=
        " <span class=\"note\">(defined on " + PageFormat.count(band.defined) + " of "
        + PageFormat.count(ensemble) + " paths)</span>"
    }
    var out = "<tr><td>\(label)</td><td class=\"num\">\(PageFormat.number(band.median))</td>"
    out +=
      "<td class=\"num\">" + PageFormat.number(band.p05) + " … " + PageFormat.number(band.p95)
      + "</td>"
    guard hasReal else { return out + "</tr>" }
    out += "<td class=\"num\"><b>\(PageFormat.number(band.real))</b></td>"
    out += "<td class=\"num\">" + rankGauge(band.rank) + "</td>"
    return out + verdictCell(band) + "</tr>"
  }

  /// The rank as a number and a small gauge: the 5–95% zone shaded, the rank marked.
  static func rankGauge(_ rank: Double?) -> String {
    guard let rank, rank.isFinite else { return PageFormat.missing }
    let position = PageFormat.coordinate(min(100, max(0, rank)))
    return PageFormat.fixed(rank, decimals: 1)
      + " <span class=\"gauge\" aria-hidden=\"true\"><span class=\"gzone\"></span>"
      + "<span class=\"gmark\" style=\"left:\(position)%\"></span></span>"
  }

  /// ✓ inside / ✗ below / ✗ above, in colour and in words; a dash without a verdict.
  static func verdictCell(_ band: Band) -> String {
    guard let inside = band.inside else {
      return "<td class=\"verdict none\">" + PageFormat.missing + " no verdict</td>"
    }
    if inside { return "<td class=\"verdict ok\">✓ inside</td>" }
    let side =
      if let real = band.real, let p95 = band.p95, real > p95 { "above" } else { "below" }
    return "<td class=\"verdict bad\">✗ \(side)</td>"
  }

  /// A readable title for a statistic group key.
  static func groupTitle(_ group: String) -> String {
    switch group {
    case "moments": return "Moments (annualized mean and volatility, shape)"
    case "tails": return "Tails"
    case "autocorrelation": return "Autocorrelation of returns"
    case "volatility_clustering": return "Volatility clustering"
    case "leverage": return "Leverage effect"
    case "aggregational": return "Aggregational Gaussianity (kurtosis of summed returns)"
    case "drawdown": return "Drawdown"
    case "correlation": return "Correlation across assets"
    default:
      let words = group.replacingOccurrences(of: "_", with: " ")
      return words.prefix(1).uppercased() + words.dropFirst()
    }
  }

  // MARK: Distribution distances

  static func distancesTable(_ distances: [DistributionDistance]) -> String {
    var out =
      "<table class=\"dist\"><caption>Real against pooled synthetic returns</caption>"
      + "<thead><tr><th>Horizon</th><th>Real returns</th><th>Synthetic returns</th>"
      + "<th>KS</th><th>W₁</th></tr></thead><tbody>"
    for distance in distances {
      out +=
        "<tr><td>\(distance.horizon) step\(distance.horizon == 1 ? "" : "s")</td>"
        + "<td class=\"num\">\(PageFormat.count(distance.realCount))</td>"
        + "<td class=\"num\">\(PageFormat.count(distance.syntheticCount))</td>"
        + "<td class=\"num\">\(PageFormat.number(distance.ks))</td>"
        + "<td class=\"num\">\(PageFormat.number(distance.wasserstein))</td></tr>"
    }
    out += "</tbody></table>"
    out +=
      "<p class=\"note\">KS: the largest gap between the two cumulative distributions (0 to 1)."
      + " W₁ (Wasserstein-1): the mean shift needed to turn one distribution into the other, in"
      + " log-return units. Both are 0 for identical distributions.</p>"
    return out
  }

  // MARK: Risk

  /// The risk comparison: per series, one row per variant with VaR, ES and drawdown quantiles
  /// as bars, and the difference to the first variant.
  static func riskTables(_ risk: [VariantRisk]) -> String {
    var names: [String] = []
    for variant in risk {
      for series in variant.series where !names.contains(series.series) {
        names.append(series.series)
      }
    }
    guard !names.isEmpty else { return "<p>No risk figures in the report.</p>" }
    let quantileKeys = drawdownKeys(risk)
    var out = ""
    for name in names {
      let rows = risk.compactMap { variant in
        variant.series.first { $0.series == name }.map { (variant, $0) }
      }
      let measures: [(title: String, key: String, value: (SeriesRisk) -> Double?)] =
        [
          ("VaR 95%", "var_95", { $0.var95 }), ("VaR 99%", "var_99", { $0.var99 }),
          ("ES 95%", "es_95", { $0.es95 }), ("ES 99%", "es_99", { $0.es99 }),
        ]
        + quantileKeys.map { key in
          (
            Double(key) == 0.5
              ? "Max drawdown, median"
              : "Max drawdown, " + PageFormat.percent(Double(key), digits: 3) + " quantile",
            "max_drawdown_" + key, { $0.drawdown[key] }
          )
        }
      let varScale =
        rows.flatMap { row in measures.prefix(4).compactMap { $0.value(row.1) } }
        .filter(\.isFinite).map(abs).max() ?? 0
      let drawdownScale =
        rows.flatMap { row in measures.dropFirst(4).compactMap { $0.value(row.1) } }
        .filter(\.isFinite).map(abs).max() ?? 0
      out +=
        "<table class=\"risk\"><caption>" + PageFormat.escape(name)
        + (name == "portfolio" ? "" : " (asset)")
        + "</caption><thead><tr><th>Variant</th><th>Paths</th>"
      for measure in measures { out += "<th>" + PageFormat.escape(measure.title) + "</th>" }
      out += "</tr></thead><tbody>"
      for (index, (variant, series)) in rows.enumerated() {
        out +=
          "<tr><td>" + PageFormat.escape(variant.variant) + "</td><td class=\"num\">"
          + PageFormat.count(variant.paths) + "</td>"
        for (column, measure) in measures.enumerated() {
          let value = measure.value(series)
          let scale = column < 4 ? varScale : drawdownScale
          out += barCell(
            value, scale: scale,
            difference: index == 0 ? nil : series.difference[measure.key])
        }
        out += "</tr>"
      }
      out += "</tbody></table>"
    }
    out +=
      "<p class=\"note\">VaR and ES are losses of the terminal simple return, as fractions of the"
      + " start value, from each variant's summary.json; bars share one scale per table (VaR and"
      + " ES on one, drawdowns on another); below each figure, its difference to the first"
      + " variant in percentage points.</p>"
    return out
  }

  /// A table cell with the value as a percentage, a bar, and the difference to the first
  /// variant when given.
  static func barCell(_ value: Double?, scale: Double, difference: Double?) -> String {
    guard let value, value.isFinite else { return "<td>" + PageFormat.missing + "</td>" }
    let width = scale > 0 ? min(100, abs(value) / scale * 100) : 0
    var out =
      "<td class=\"barcell\"><div class=\"barline\"><span class=\"bar\"><span style=\"width:"
      + PageFormat.coordinate(width) + "%\"></span></span><span class=\"num\">"
      + PageFormat.fixed(value * 100, decimals: 1) + "%</span></div>"
    if let difference {
      let kind = difference > 0.00005 ? "up" : difference < -0.00005 ? "down" : "same"
      out += "<span class=\"diff \(kind)\">" + PageFormat.points(difference) + "</span>"
    }
    return out + "</td>"
  }

  /// The drawdown quantile keys shown: the median and the 95% quantile when present, else
  /// every key, in numeric order.
  static func drawdownKeys(_ risk: [VariantRisk]) -> [String] {
    var keys: Set<String> = []
    for variant in risk { for series in variant.series { keys.formUnion(series.drawdown.keys) } }
    let sorted = keys.sorted { (Double($0) ?? .infinity, $0) < (Double($1) ?? .infinity, $1) }
    let preferred = sorted.filter { Double($0) == 0.5 || Double($0) == 0.95 }
    return preferred.isEmpty ? Array(sorted.prefix(3)) : preferred
  }
}
