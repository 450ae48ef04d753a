import Foundation

/// `report.html`: a `ValidationReport` as one self-contained page a person reads in a browser.
///
/// The page holds everything it shows: charts are inline SVG, the only stylesheet is an inline
/// `<style>` with system font stacks, and there is no script, image, font or link to fetch. It
/// is laid out for a 1280 px window and prints (colours kept, no break inside a chart).
///
/// Its parts: a header with the run, the real series and the score; for every variant (the
/// first open, the others folded in `<details>`), per asset the stylized-facts table with each
/// verdict, the distribution distances and seven charts (`chartsPerAsset`), then the
/// correlation heatmaps; last, the variants' risk figures with bars.
///
/// Every text from the report is escaped; undefined numbers show as a dash and never reach an
/// SVG attribute. The output depends on the report alone (no clock, no random ids), so the same
/// report gives the same bytes.
public enum ReportPage {
  /// The page for `report`, as HTML5 text.
  ///
  /// A pure function: the same report always gives the same string.
  public static func html(_ report: ValidationReport) -> String {
    let hasReal = report.real != nil
    var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    out += "<title>Validation report: " + PageFormat.escape(report.run.scenario) + "</title>"
    out += "<style>\n" + style + "</style></head>\n<body><main>\n"
    out += header(report)
    out += contents(report)
    if report.variants.count > 1 { out += variantsOverview(report) }
    for (index, variant) in report.variants.enumerated() {
      out += variantSection(
        variant, index: index, report: report, hasReal: hasReal, folded: index > 0)
    }
    if report.variants.isEmpty { out += "<p>The report holds no variant.</p>" }
    out += "<section id=\"risk\"><h2>Risk by variant</h2>" + riskTables(report.risk)
    out += "</section>\n"
    out += footer(report)
    return out + "</main></body></html>\n"
  }

  /// The number of `<svg>` charts `html(report)` draws: `chartsPerAsset` per asset of every
  /// variant, plus one correlation figure per variant that has a correlation report.
  public static func chartCount(_ report: ValidationReport) -> Int {
    report.variants.reduce(0) { total, variant in
      total + variant.assets.count * chartsPerAsset + (variant.correlation == nil ? 0 : 1)
    }
  }

  // MARK: Header

  static func header(_ report: ValidationReport) -> String {
    let run = report.run
    var out = "<header><h1>Validation report <span class=\"sub\">· "
    out += PageFormat.escape(run.scenario) + "</span></h1>"
    out += "<div class=\"top\">" + scoreBox(report)
    out += "<div><div class=\"kvhead\">Run</div><dl class=\"kv\">"
    out += pair("Scenario", run.scenario)
    out += pair("Directory", run.directory)
    out += pair("Seed", String(run.seed))
    out += pair("Paths", PageFormat.count(run.paths))
    out += pair("Steps", PageFormat.count(run.steps))
    out += pair("dt", PageFormat.number(run.dt, digits: 4) + " year (" + stepUnit(run.dt) + ")")
    var assets = run.validatedAssets.joined(separator: ", ")
    if run.validatedAssets != run.assets {
      assets += " (of " + run.assets.joined(separator: ", ") + ")"
    }
    out += pair("Assets", assets)
    if let dates = run.dates, let first = dates.first, let last = dates.last {
      out += pair("Dates", first + " – " + last)
    }
    out += "</dl></div><div><div class=\"kvhead\">Real series</div>"
    if let real = report.real {
      out += "<dl class=\"kv\">"
      out += pair("File", real.file)
      out += pair("Columns", real.columns.joined(separator: ", "))
      out += pair("Rows", real.first + " – " + real.last)
      out += pair("Returns", PageFormat.count(real.returns))
      out += pair("Compared window", real.windowFirst + " – " + real.windowLast)
      if real.rowsDropped > 0 {
        out += pair("Rows dropped", PageFormat.count(real.rowsDropped) + " (an empty cell)")
      }
      out += "</dl>"
    } else {
      out +=
        "<p class=\"note\">None given: the page shows the synthetic statistics, the charts and"
        + " the comparison of variants, without verdicts.</p>"
    }
    out += "</div></div>"
    out += "<p class=\"lead\">" + PageFormat.escape(comparedSentence(report)) + "</p>"
    out +=
      "<p class=\"lead\">The ensemble of each variant is its first "
      + PageFormat.count(report.ensemblePaths) + " of " + PageFormat.count(run.paths)
      + " paths; a statistic's band is its 5% to 95% quantile across them"
      + (report.real == nil
        ? ".</p>" : ", and the verdict says whether the real value falls inside.</p>")
    return out + "</header>\n"
  }

  static func pair(_ key: String, _ value: String) -> String {
    "<dt>" + PageFormat.escape(key) + "</dt><dd>" + PageFormat.escape(value) + "</dd>"
  }

  /// The score, prominently: "Score 0.84" and "16 of 19 statistics inside the 5–95% band".
  static func scoreBox(_ report: ValidationReport) -> String {
    let first = report.variants.first
    var out = "<div class=\"scorebox\">"
    if report.real == nil {
      out += "<div class=\"big\">Score: –</div><div class=\"what\">no real series</div>"
    } else if let score = report.score, score.isFinite, let first {
      out += "<div class=\"big\">Score " + PageFormat.fixed(score, decimals: 2) + "</div>"
      out += "<div class=\"what\">" + scoreSentence(first) + "</div>"
      out +=
        "<div class=\"small\">A model that behaves like the real series scores about 0.9:"
        + " each band holds 90% of the paths.</div>"
    } else {
      out += "<div class=\"big\">Score: –</div>"
      out += "<div class=\"what\">no statistic has a verdict</div>"
    }
    if let first {
      out += "<div class=\"small\">variant " + PageFormat.escape(first.name) + "</div>"
    }
    return out + "</div>"
  }

  /// "16 of 19 statistics inside the 5–95% band".
  static func scoreSentence(_ variant: VariantReport) -> String {
    "\(variant.inside) of \(variant.scored) statistic\(variant.scored == 1 ? "" : "s")"
      + " inside the 5–95% band"
  }

  /// One sentence on `returns_compared` and `shorter`.
  static func comparedSentence(_ report: ValidationReport) -> String {
    let n = PageFormat.count(report.returnsCompared)
    let steps = PageFormat.count(report.run.steps)
    guard let real = report.real else {
      return "Each statistic is computed over the \(n) returns of every path (the run has"
        + " \(steps) steps); there is no real series to compare with."
    }
    let m = PageFormat.count(real.returns)
    switch report.shorter {
    case "real":
      return "Statistics compare \(n) returns: the real series, with \(m) returns, is shorter"
        + " than the run's \(steps) steps, so only the first \(n) steps of each path are used."
    case "synthetic":
      return "Statistics compare \(n) returns: the paths, with \(steps) steps, are shorter than"
        + " the real series' \(m) returns, so only its last \(n) returns (\(real.windowFirst) –"
        + " \(real.windowLast)) are used; the pooled distributions use all of them."
    case "equal":
      return "Statistics compare \(n) returns: the paths' \(steps) steps and the real series'"
        + " \(m) returns have the same length."
    default:
      return "Statistics compare \(n) returns of each path and of the real series (shorter: "
        + report.shorter + ")."
    }
  }

  /// Links to every section.
  static func contents(_ report: ValidationReport) -> String {
    var out = "<nav>"
    for (v, variant) in report.variants.enumerated() {
      let prefix = report.variants.count > 1 ? variant.name + ": " : ""
      for (a, asset) in variant.assets.enumerated() {
        out +=
          "<a href=\"#v\(v)-a\(a)\">" + PageFormat.escape(prefix + asset.name) + "</a>"
      }
      if variant.correlation != nil {
        out += "<a href=\"#v\(v)-corr\">" + PageFormat.escape(prefix + "correlation") + "</a>"
      }
    }
    return out + "<a href=\"#risk\">Risk by variant</a></nav>\n"
  }

  /// With several variants: their scores side by side.
  static func variantsOverview(_ report: ValidationReport) -> String {
    var out = "<section id=\"variants\"><h2>Variants</h2><table><thead><tr><th>Variant</th>"
    out += "<th>Score</th><th>Inside the band</th></tr></thead><tbody>"
    for (index, variant) in report.variants.enumerated() {
      out += "<tr><td><a href=\"#v\(index)\">" + PageFormat.escape(variant.name) + "</a></td>"
      if report.real != nil, let score = variant.score, score.isFinite {
        out += "<td class=\"num\"><b>" + PageFormat.fixed(score, decimals: 2) + "</b></td><td>"
        out += scoreSentence(variant) + "</td>"
      } else {
        out += "<td class=\"num\">–</td><td>"
        out += (report.real == nil ? "no real series" : "no statistic has a verdict") + "</td>"
      }
      out += "</tr>"
    }
    out += "</tbody></table><p class=\"note\">The first variant is shown in full below; the"
    out += " others are folded (click a name to open it).</p></section>\n"
    return out
  }

  // MARK: Variants

  static func variantSection(
    _ variant: VariantReport, index: Int, report: ValidationReport, hasReal: Bool, folded: Bool
  ) -> String {
    let title = "Variant " + PageFormat.escape(variant.name)
    var scoreText = ""
    if hasReal, let score = variant.score, score.isFinite {
      scoreText =
        " · score " + PageFormat.fixed(score, decimals: 2) + " (" + scoreSentence(variant) + ")"
    }
    var out =
      folded
      ? "<details class=\"variant\" id=\"v\(index)\"><summary>\(title)"
        + "<span class=\"note\">\(scoreText)</span></summary>"
      : "<section id=\"v\(index)\"><h2>\(title)<span class=\"note\">\(scoreText)</span></h2>"
    for (a, asset) in variant.assets.enumerated() {
      let id = "v\(index)-a\(a)"
      out += "<section class=\"asset\" id=\"\(id)\"><h3>" + PageFormat.escape(asset.name)
      out += " <span class=\"note\">· " + PageFormat.escape(variant.name) + "</span></h3>"
      out += "<div class=\"factsgrid\"><div>"
      out += statisticsTable(asset.statistics, hasReal: hasReal, ensemble: report.ensemblePaths)
      out += "</div><div>"
      if let distances = asset.distributions, !distances.isEmpty {
        out += distancesTable(distances)
      }
      out += readingNotes(hasReal: hasReal)
      out += "</div></div>"
      out += assetFigures(asset, id: id, dt: report.run.dt, hasReal: hasReal)
      out += "</section>\n"
    }
    if let correlation = variant.correlation {
      out += "<section class=\"asset\" id=\"v\(index)-corr\"><h3>Across assets"
      out += " <span class=\"note\">· " + PageFormat.escape(variant.name) + "</span></h3>"
      out += statisticsTable(
        [correlation.statistic], hasReal: hasReal, ensemble: report.ensemblePaths, single: true)
      let names =
        variant.assets.isEmpty ? report.run.validatedAssets : variant.assets.map(\.name)
      out += correlationFigure(correlation, assets: names, id: "v\(index)-corr-heat")
      out += "</section>\n"
    }
    return out + (folded ? "</details>\n" : "</section>\n")
  }

  /// How to read the table, next to it.
  static func readingNotes(hasReal: Bool) -> String {
    var out = "<p class=\"note\">Median and band: the 50% and the 5–95% quantiles of the"
    out += " statistic over the ensemble's paths, each computed over the compared returns."
    if hasReal {
      out += " Rank: the share of paths below the real value (0–100; the shaded zone of the"
      out += " gauge is the band). Verdict: ✓ inside when the real value lies in the band,"
      out += " ✗ below or above otherwise."
    }
    return out + "</p>"
  }

  static func footer(_ report: ValidationReport) -> String {
    "<footer>" + PageFormat.escape(report.engine) + " " + PageFormat.escape(report.version)
      + " · report format \(report.formatVersion) · validated in "
      + PageFormat.number(report.seconds, digits: 3) + " s · manifest SHA-256 "
      + PageFormat.escape(report.run.manifestSHA256) + "</footer>\n"
  }
}
