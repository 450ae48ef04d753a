import Foundation
import Planner

/// A fit that cannot be made or written: what is wrong, in one line.
public struct CalibrationError: Error, Sendable, Equatable, CustomStringConvertible {
  public let message: String

  public init(_ message: String) { self.message = message }

  public var description: String { message.escapingControlCharacters }
}

/// The data a model was calibrated to, as the written files describe it.
public struct CalibrationData: Sendable {
  /// The price file, as given.
  public var file: String
  /// The first and last rows used, as the file writes their index.
  public var from: String
  public var to: String
  /// Rows within the window, used or dropped.
  public var rows: Int
  /// Rows dropped for an empty cell in a selected column.
  public var rowsDropped: Int
  /// Data rows in the whole file.
  public var rowsInFile: Int
  /// Returns per asset.
  public var observations: Int
  /// The selected columns (the assets).
  public var assets: [String]
  /// Each asset's last price: the fitted scenario's initial prices.
  public var lastPrices: [Double]
  /// Whether the rows are dated (else indexed by whole numbers).
  public var dated: Bool
  /// The index of each return (its later row), as the file writes it.
  public var returnLabels: [String]
  /// The scenario's start date: the last date, or the next business day after a weekend.
  public var start: String?

  public init(history: PriceHistory) {
    file = history.file
    from = history.firstLabel
    to = history.lastLabel
    rows = history.rowsInWindow
    rowsDropped = history.rowsDropped
    rowsInFile = history.rowsInFile
    observations = history.returnCount
    assets = history.columns
    lastPrices = history.lastPrices
    dated = history.indexKind == .date
    returnLabels = history.returnLabels
    start = history.startBusinessDay
  }
}

extension PriceHistory {
  /// The log returns of the kept rows as a sample to fit, `timeStep` years per step.
  public func returnSample(timeStep: Double) -> ReturnSample {
    ReturnSample(assets: columns, returns: logReturns, timeStep: timeStep)
  }
}

/// The files `scengine calibrate` writes for any `CalibratedModel`: the fitted scenario (YAML
/// that `scengine run` accepts unchanged), the fit report (`fit.json`), the regime
/// probabilities (CSV) and the summary.
public enum FittedScenario {
  /// Paths of the fitted scenario.
  public static let paths = 10_000
  /// Steps of the fitted scenario's horizon.
  public static let steps = 252
  /// The fitted scenario's seed.
  public static let seed: UInt64 = 1

  /// The fitted scenario: name, seed, paths, time grid (`steps` of `timeStep` years from the
  /// last date), the assets and their last prices, the correlation (when the model gives one
  /// for several assets), the model's block and one variant `baseline`, with comments at the top
  /// saying where it came from. Numbers are written to full precision (shortest round trip).
  public static func yaml(
    model: any CalibratedModel, data: CalibrationData, timeStep: Double
  ) -> String {
    let file = (data.file as NSString).lastPathComponent
    // Comment lines: the file name is the user's text, escaped so that it stays one line.
    var out = [
      "# Fitted by `scengine calibrate --model \(model.modelKey)` to \(data.file)",
      "# data: rows \(data.from) to \(data.to): \(data.rows) row(s), \(data.rowsDropped) dropped "
        + "for an empty cell, \(data.observations) return(s) per asset",
      "# log-likelihood \(number(model.logLikelihood)) (AIC \(number(model.aic)), BIC "
        + "\(number(model.bic)), \(model.parameterCount) parameters)",
      "# The paths start from the last prices (\(data.to)) and run \(steps) steps of dt years.",
    ].map { $0.escapingControlCharacters + "\n" }.joined()
    out += "name: \(scenarioName(file: file, model: model.modelKey))\n"
    out += "seed: \(seed)\n"
    out += "# More paths give finer tail quantiles; the run time grows in proportion.\n"
    out += "paths: \(paths)\n"
    var time = "time: {steps: \(steps), dt: \(number(timeStep))"
    if let start = data.start { time += ", start: \(start)" }
    out += time + "}\n"
    out += "assets: [" + data.assets.map(yamlKey).joined(separator: ", ") + "]\n"
    out += "initial: \(flowMap(data.assets, data.lastPrices))\n"
    if data.assets.count > 1, let c = model.correlation {
      out += "correlation:\n  matrix:\n"
      for row in c { out += "    - [" + row.map(number).joined(separator: ", ") + "]\n" }
    }
    var block = model.scenarioModel
    if !block.hasSuffix("\n") { block += "\n" }
    out += "model:\n" + block
    out += "variants:\n  baseline: {}\n"
    return out
  }

  /// A valid scenario name from the file's name and the model: letters, digits, `-`, `_`, `.`.
  static func scenarioName(file: String, model: String) -> String {
    var stem = (file as NSString).deletingPathExtension
    stem = String(
      stem.map { c in c.isASCII && (c.isLetter || c.isNumber || "-_.".contains(c)) ? c : "-" })
    while stem.hasPrefix(".") { stem.removeFirst() }
    stem = String(stem.prefix(100))
    return stem.isEmpty ? "calibrated-\(model)" : "\(stem)-\(model)"
  }

  /// The fit report: the data, the time step, the likelihood and information criteria, each
  /// asset's parameters with their standard errors, the correlation, and the model's own
  /// figures (`CalibratedModel.report`) merged at the top level (never over these keys).
  public static func report(
    model: any CalibratedModel, data: CalibrationData, timeStep: Double
  ) -> [String: JSONValue] {
    var assets: [String: JSONValue] = [:]
    for fit in model.fits {
      var parameters: [String: JSONValue] = [:]
      for p in fit.parameters {
        let entry: [String: JSONValue] = [
          "estimate": .number(p.estimate),
          "std_error": p.standardError.map { .number($0) } ?? .null,
          "robust_std_error": p.robustStandardError.map { .number($0) } ?? .null,
          "at_bound": .bool(p.atBound),
        ]
        parameters[p.key] = .object(entry)
      }
      assets[fit.asset] = .object([
        "parameters": .object(parameters),
        "loglik": .number(fit.logLikelihood),
        "nobs": .number(Double(fit.observations)),
        "converged": .bool(fit.converged),
        "iterations": .number(Double(fit.iterations)),
        "warnings": .array(fit.warnings.map { .string($0) }),
      ])
    }
    var out: [String: JSONValue] = [
      "model": .string(model.modelKey),
      "data": .object([
        "file": .string(data.file),
        "from": .string(data.from),
        "to": .string(data.to),
        "index": .string(data.dated ? "date" : "integer"),
        "rows": .number(Double(data.rows)),
        "rows_dropped": .number(Double(data.rowsDropped)),
        "rows_in_file": .number(Double(data.rowsInFile)),
        "observations": .number(Double(data.observations)),
        "columns": .array(data.assets.map { .string($0) }),
      ]),
      "dt": .number(timeStep),
      "units": .string(
        "returns are per-step log returns (decimal), dt years per step; parameters are in the "
          + "scenario file's units (see the model's documentation)"),
      "loglik": .number(model.logLikelihood),
      "aic": .number(model.aic),
      "bic": .number(model.bic),
      "parameters_count": .number(Double(model.parameterCount)),
      "assets": .object(assets),
    ]
    if let c = model.correlation {
      out["correlation"] = .array(c.map { .array($0.map { .number($0) }) })
    }
    for (key, value) in model.report where out[key] == nil { out[key] = value }
    return out
  }

  /// `report` as JSON text: sorted keys, indented, non-finite numbers as `null`.
  public static func reportJSON(
    model: any CalibratedModel, data: CalibrationData, timeStep: Double, seconds: Double? = nil
  ) throws(CalibrationError) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    do {
      var object = report(model: model, data: data, timeStep: timeStep)
      // The fit's wall time, as a run's manifest records its seconds.
      if let seconds { object["seconds"] = .number(seconds) }
      let value = JSONValue.object(object)
      return Array(try encoder.encode(value)) + [UInt8(ascii: "\n")]
    } catch {
      throw CalibrationError("cannot encode the fit report: \(error)")
    }
  }

  /// The regime probabilities as CSV: the index column (`date` or `index`) of each return,
  /// then `filtered_<regime>` and `smoothed_<regime>` per regime, full precision.
  public static func probabilitiesCSV(
    _ p: RegimeProbabilities, data: CalibrationData
  ) throws(CalibrationError) -> String {
    let labels = data.returnLabels
    guard p.filtered.count == labels.count, p.smoothed.count == labels.count,
      (p.filtered + p.smoothed).allSatisfy({ $0.count == p.regimes.count })
    else {
      throw CalibrationError(
        "the model gave \(p.filtered.count) rows of regime probabilities for "
          + "\(labels.count) returns")
    }
    var header = [data.dated ? "date" : "index"]
    header += p.regimes.map { "filtered_\($0)" }
    header += p.regimes.map { "smoothed_\($0)" }
    var out = header.joined(separator: ",") + "\n"
    for (t, label) in labels.enumerated() {
      out += ([label] + (p.filtered[t] + p.smoothed[t]).map(number)).joined(separator: ",")
      out += "\n"
    }
    return out
  }

  /// The lines printed before the model's summary: the data file, range and counts.
  public static func header(data: CalibrationData, timeStep: Double) -> String {
    [
      "data     \(data.file)".escapingControlCharacters,
      "range    \(data.from) … \(data.to): \(data.rows) row(s) in the window, "
        + "\(data.rowsDropped) dropped for an empty cell, \(data.observations) return(s) per "
        + "asset",
      "assets   " + data.assets.joined(separator: ", "),
      "dt       \(number(timeStep)) years",
    ].joined(separator: "\n")
  }

  // MARK: - Formatting helpers for the models' scenario blocks and summaries

  /// A number at full precision (the shortest text that reads back as the same double).
  public static func number(_ x: Double) -> String { yamlNumber(x) }

  /// A number for people: 6 significant digits.
  public static func short(_ x: Double) -> String { String(format: "%.6g", x) }

  /// An asset or regime name as a YAML key or list item: plain when YAML reads it back as
  /// that string, double-quoted otherwise (`null`, `true`, `1.5`, `.inf`, …).
  public static func yamlKey(_ name: String) -> String {
    let words: Set<String> = [
      "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf",
      ".nan",
    ]
    let plain =
      !name.isEmpty && !words.contains(name.lowercased())
      && name.first.map { $0.isLetter || $0 == "_" } == true
      && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
    return plain ? name : "\"" + name + "\""
  }

  /// `{A: 1.5, B: 2}`: values by asset, full precision.
  public static func flowMap(_ keys: [String], _ values: [Double]) -> String {
    "{" + zip(keys, values).map { "\(yamlKey($0)): \(number($1))" }.joined(separator: ", ") + "}"
  }

  /// The parameters of every fit as a table: asset, parameter, estimate, standard error,
  /// t statistic, robust standard error (when any) and a bound marker.
  public static func parameterTable(_ fits: [AssetFit]) -> String {
    let robust = fits.contains { $0.parameters.contains { $0.robustStandardError != nil } }
    let width = max(8, (fits.map(\.asset.count).max() ?? 0) + 2)
    let keyWidth = max(12, (fits.flatMap { $0.parameters.map(\.key.count) }.max() ?? 0) + 2)
    func cell(_ x: Double?) -> String {
      guard let x else { return String(repeating: " ", count: 13) }
      return String(format: " %12.6g", x)
    }
    var header =
      "asset".padding(toLength: width, withPad: " ", startingAt: 0)
      + "parameter".padding(toLength: keyWidth, withPad: " ", startingAt: 0)
      + "     estimate" + "      std err" + "            t"
    if robust { header += "   robust err" }
    var lines = [header]
    for fit in fits {
      for (i, p) in fit.parameters.enumerated() {
        let t = p.standardError.flatMap { $0 > 0 ? p.estimate / $0 : nil }
        var line =
          (i == 0 ? fit.asset : "").padding(toLength: width, withPad: " ", startingAt: 0)
          + p.key.padding(toLength: keyWidth, withPad: " ", startingAt: 0)
          + cell(p.estimate) + cell(p.standardError) + cell(t)
        if robust { line += cell(p.robustStandardError) }
        if p.atBound { line += "  (at bound)" }
        lines.append(line)
      }
      if !fit.converged { lines.append("  warning: \(fit.asset): the fit did not converge") }
      for w in fit.warnings { lines.append("  warning: \(fit.asset): \(w)") }
    }
    return lines.map(\.escapingControlCharacters).joined(separator: "\n")
  }
}

/// The pieces the models' one-screen summaries share.
enum SummaryText {
  /// `v` right-aligned in `width` columns: `digits` decimals for 10⁻³ ≤ |v| < 10⁴ and for 0,
  /// else four in scientific notation; `-` when there is no finite value.
  static func cell(_ v: Double?, _ width: Int, digits: Int) -> String {
    guard let v, v.isFinite else { return String(repeating: " ", count: width - 1) + "-" }
    let text = String(format: abs(v) >= 1e-3 && abs(v) < 1e4 || v == 0 ? "%.\(digits)f" : "%.4e", v)
    return String(repeating: " ", count: max(0, width - text.count)) + text
  }

  /// `ASSET: log-likelihood L, n returns, k iterations`, and whether the fit converged.
  static func fitLine(_ asset: String, _ fit: AssetFit) -> String {
    "\(asset): log-likelihood \(String(format: "%.4f", fit.logLikelihood)), "
      + "\(fit.observations) returns, \(fit.iterations) iterations"
      + (fit.converged ? "" : " (not converged)")
  }
}
