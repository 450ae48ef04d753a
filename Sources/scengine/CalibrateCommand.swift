import ArgumentParser
import Calibration
import Dispatch
import Foundation
import PathFiles
import Planner
import Processes

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension CorrelationShrinkage: ExpressibleByArgument {}

/// `scengine calibrate`: fit a model to a price history and write a scenario that `run` accepts.
struct CalibrateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "calibrate",
    abstract: "Fit a model to a CSV of prices; write a scenario that `scengine run` accepts.",
    discussion: """
      PRICES.csv has a header row; its first column (or the column named date) holds ISO dates \
      (YYYY-MM-DD) or whole-number indices, increasing; every other column is one asset's \
      prices. Returns are the log returns of consecutive rows; a row with an empty cell in a \
      selected column is dropped for every column (listwise), and the count is reported.

      Writes only the files asked for, each complete or not at all: --out (the fitted \
      scenario, starting from the last prices), --report (fit.json) and --probabilities \
      (regime models). The summary goes to standard output.
      """)

  /// The models `--model` names.
  enum Model: String, ExpressibleByArgument, CaseIterable {
    case gbm, merton, kou, garch, gjr, egarch, regime
  }

  /// The innovations of a GARCH-family model.
  enum Innovations: String, ExpressibleByArgument, CaseIterable {
    case normal
    case studentT = "student_t"
  }

  @Argument(help: "The price history (CSV).")
  var prices: String

  @Option(help: "The model to fit.")
  var model: Model

  @Option(help: "The innovations of a GARCH-family model (default normal).")
  var innovations: Innovations?

  @Option(parsing: .unconditional, help: "Number of regimes of a regime model (default 2).")
  var regimes: Int?

  @Option(
    help: "The correlation of several assets: the sample's, or its Ledoit–Wolf shrinkage.")
  var shrinkage: CorrelationShrinkage = .none

  @Option(help: "The price columns to fit, comma-separated (default: all).")
  var columns: String?

  @Option(parsing: .unconditional, help: "First row used (a date or an index; inclusive).")
  var from: String?

  @Option(parsing: .unconditional, help: "Last row used (a date or an index; inclusive).")
  var to: String?

  @Option(
    parsing: .unconditional,
    help: "Years per row of the file: a fraction such as 1/252 or a decimal.")
  var dt: String = "1/252"

  @Option(help: "Write the fitted scenario (YAML) to this file.")
  var out: String?

  @Option(help: "Write the fit report (JSON) to this file.")
  var report: String?

  @Option(help: "Write the regime probabilities (CSV) to this file (regime models).")
  var probabilities: String?

  /// The longest step accepted, in years (the engine's `ParameterLimits.maximumTimeStep`).
  static let maximumTimeStep = 100.0

  func validate() throws {
    _ = try timeStep()
    _ = try selectedColumns()
    if let regimes {
      guard model == .regime else {
        throw ValidationError("--regimes applies to --model regime, not \(model.rawValue).")
      }
      guard (2...10).contains(regimes) else {
        throw ValidationError("--regimes must be from 2 to 10, got \(regimes).")
      }
    }
    if innovations != nil && ![.garch, .gjr, .egarch].contains(model) {
      throw ValidationError(
        "--innovations applies to --model garch, gjr or egarch, not \(model.rawValue).")
    }
    if probabilities != nil && model != .regime {
      throw ValidationError(
        "--probabilities needs a model with regimes (--model regime); \(model.rawValue) has none.")
    }
    var seen: [String: String] = [:]
    for (option, path) in [
      ("--out", out), ("--report", report), ("--probabilities", probabilities),
    ] {
      guard let path else { continue }
      guard !path.isEmpty else {
        throw ValidationError("\(option) is empty; expected the path of the file to write.")
      }
      let key = (path as NSString).standardizingPath
      if let other = seen[key] {
        throw ValidationError("\(option) and \(other) name the same file '\(path)'.")
      }
      seen[key] = option
    }
  }

  /// `--dt` as a number of years: `a/b` or a plain decimal, positive, finite, at most 100.
  func timeStep() throws -> Double {
    func decimal(_ s: Substring) -> Double? {
      let t = s.trimmingCharacters(in: .whitespaces)
      guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
        t.contains(where: \.isNumber)
      else { return nil }
      return Double(t)
    }
    let parts = dt.split(separator: "/", omittingEmptySubsequences: false)
    var value: Double?
    if parts.count == 1 {
      value = decimal(parts[0])
    } else if parts.count == 2, let a = decimal(parts[0]), let b = decimal(parts[1]) {
      guard b != 0 else {
        throw ValidationError("--dt '\(dt)' divides by zero; expected years per row, e.g. 1/252.")
      }
      value = a / b
    }
    guard let value else {
      throw ValidationError(
        "--dt '\(dt)' is not a number; expected years per row as a fraction (1/252) or a "
          + "decimal (0.003968).")
    }
    guard value.isFinite, value > 0, value <= Self.maximumTimeStep else {
      throw ValidationError(
        "--dt '\(dt)' is \(value) years; expected a step length > 0 and at most "
          + "\(Int(Self.maximumTimeStep)) years, e.g. 1/252.")
    }
    return value
  }

  /// Why `count` assets are more than a fitted scenario may have, or nil: at most
  /// `ScenarioLimits.maximumAssets`, and with several (correlated) assets `FittedScenario.steps
  /// × count²` within `ScenarioLimits.maximumCorrelationWork` (2,817 assets). Asked before the
  /// fit, whose correlation takes O(count³).
  static func assetExcess(_ count: Int) -> String? {
    let steps = FittedScenario.steps
    var most = ScenarioLimits.maximumAssets
    while most > 1 && steps * most * most > ScenarioLimits.maximumCorrelationWork { most -= 1 }
    guard count > most else { return nil }
    return "\(count) price columns; a fitted scenario (\(steps) steps, correlated assets) takes "
      + "at most \(most): choose columns with --columns"
  }

  /// A warning when dated rows are far from `dt` apart: the median gap between rows, in
  /// calendar days, read as trading days (up to 3), weeks, months or quarters, implies more
  /// than 3 times fewer (or more) rows a year than `1/dt`.
  /// Annualized drifts and volatilities scale with `1/dt`, so monthly rows fitted with
  /// `--dt 1/252` give figures 21 times too large (drifts) or 4.6 times (volatilities).
  static func spacingWarning(_ history: PriceHistory, dt: Double, option: String) -> String? {
    guard history.indexKind == .date, history.keys.count >= 3 else { return nil }
    var gaps = zip(history.keys.dropFirst(), history.keys).map { $0 - $1 }
    gaps.sort()
    let median = Double(gaps[gaps.count / 2])
    guard median > 0 else { return nil }
    // Rows a year by the usual calendars: trading days, weeks, months, quarters.
    let suggested: Int
    switch median {
    case ...3: suggested = 252
    case ...8: suggested = 52
    case ...35: suggested = 12
    case ...100: suggested = 4
    default: suggested = max(1, Int((365.25 / median).rounded()))
    }
    let ratio = Double(suggested) * dt
    guard ratio < 1.0 / 3 || ratio > 3 else { return nil }
    let usual = [252: ", as trading days", 52: ", as weeks", 12: ", as months", 4: ", as quarters"]
    return "the rows of \(history.file) are a median \(Int(median)) day(s) apart (about "
      + "\(suggested) a year\(usual[suggested] ?? "")), but --dt is \(option) years; annualized "
      + "parameters scale with 1/dt: pass --dt 1/\(suggested) if that is the rows' spacing"
  }

  /// `--columns` as a list, or nil for every column.
  func selectedColumns() throws -> [String]? {
    guard let columns else { return nil }
    let items = columns.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    if let empty = items.firstIndex(of: "") {
      throw ValidationError(
        items.count == 1
          ? "--columns is empty; expected column names separated by commas, e.g. SPX,TLT."
          : "--columns: item \(empty + 1) is empty; separate column names with single commas.")
    }
    for (i, item) in items.enumerated() {
      if let first = items[..<i].firstIndex(of: item) {
        throw ValidationError(
          "--columns names column '\(item.escapingControlCharacters)' twice (items \(first + 1) "
            + "and \(i + 1)); list each column once.")
      }
    }
    return items
  }

  func run() throws {
    let dt = try timeStep()
    let options = FitOptions(
      model: model, innovations: innovations ?? .normal, regimes: regimes ?? 2,
      shrinkage: shrinkage)
    let fitter = model.fitter
    try checkDestinations()
    let history: PriceHistory
    do {
      let columns = try selectedColumns()
      // Without --columns every price column is fitted: a file with too many is refused at
      // its header, before its rows are read.
      let table = try PriceTable.read(
        path: prices, priceColumnLimit: columns == nil ? { Self.assetExcess($0) } : nil,
        keeping: columns)
      history = try table.history(
        columns: columns,
        from: try from.map { try table.key(of: $0, option: "--from") },
        to: try to.map { try table.key(of: $0, option: "--to") },
        minimumReturns: fitter.minimumObservations(
          options, columns?.count ?? table.priceColumns.count))
    } catch let error as PriceFileError {
      printError("error: \(error.description)")
      throw ExitCode(2)
    }
    if let excess = Self.assetExcess(history.columns.count) {
      printError("error: \(prices): \(excess)".escapingControlCharacters)
      throw ExitCode(2)
    }
    if let warning = Self.spacingWarning(history, dt: dt, option: self.dt) {
      printError("warning: \(warning)".escapingControlCharacters)
    }
    let data = CalibrationData(history: history)
    let fitted: any CalibratedModel
    let started = DispatchTime.now().uptimeNanoseconds
    do {
      fitted = try fitter.fit(history.returnSample(timeStep: dt), options)
    } catch {
      printError("error: \(model.rawValue) fit to \(prices): \(error)".escapingControlCharacters)
      throw ExitCode(1)
    }
    // The fit's own wall time (all starts, standard errors, forecasts), for fit.json.
    let fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    var files: [(path: String, bytes: [UInt8])] = []
    do {
      let yaml = FittedScenario.yaml(model: fitted, data: data, timeStep: dt)
      try checkRunnable(yaml)
      if let out { files.append((out, Array(yaml.utf8))) }
      if let report {
        files.append(
          (
            report,
            try FittedScenario.reportJSON(
              model: fitted, data: data, timeStep: dt, seconds: fitSeconds)
          ))
      }
      if let probabilities {
        guard let p = fitted.regimeProbabilities else {
          throw CalibrationError("the \(fitted.modelKey) fit gives no regime probabilities")
        }
        files.append(
          (probabilities, Array(try FittedScenario.probabilitiesCSV(p, data: data).utf8)))
      }
    } catch let error as CalibrationError {
      printError("error: \(error.description)")
      throw ExitCode(1)
    }
    var written: [String] = []
    for file in files {
      do {
        _ = try writeFileAtomically(file.bytes, path: file.path, relativePath: file.path)
        written.append(file.path)
      } catch {
        // The files already written belong to this run: remove them, so that the outputs
        // appear together or not at all.
        for path in written { unlink(path) }
        printError("error: \(error.description)")
        throw ExitCode(1)
      }
    }
    var text = FittedScenario.header(data: data, timeStep: dt) + "\n" + fitted.summary
    if !written.isEmpty {
      text += "\nwrote " + written.joined(separator: ", ").escapingControlCharacters
    }
    printOutput(text)
  }

  /// Parses the fitted scenario as `scengine run` will, and sets up its simulation.
  func checkRunnable(_ yaml: String) throws(CalibrationError) {
    do {
      // Named as what it is: a message citing `--out`'s path and a line would point into a
      // file that is never written.
      let spec = try ScenarioLoader.parse(yaml: yaml, file: "(the fitted scenario, unwritten)")
      try spec.checkSimulations()
    } catch {
      throw CalibrationError(
        "the fitted scenario would not run: \(error.description); nothing written")
    }
  }

  /// Refuses, with status 2, an output that is a folder, a symbolic link or a special file,
  /// that lies in a folder that does not exist, or that is the price file itself.
  func checkDestinations() throws {
    var input = stat()
    let inputExists = stat(prices, &input) == 0
    // Each destination by its folder's device and inode and its last name: two spellings of
    // one file (`fit.yaml`, `./fit.yaml`, `sub/../fit.yaml`) would overwrite each other.
    var seen: [String: (option: String, path: String)] = [:]
    for (option, path) in [
      ("--out", out), ("--report", report), ("--probabilities", probabilities),
    ] {
      guard let path else { continue }
      func refuse(_ why: String) throws -> Never {
        printError("error: \(option) \(path): \(why)".escapingControlCharacters)
        throw ExitCode(2)
      }
      var s = stat()
      if lstat(path, &s) == 0 {
        let kind = Int(s.st_mode) & Int(S_IFMT)
        if kind == Int(S_IFDIR) {
          try refuse("is a folder; expected a file name, e.g. \(path)/fitted.yaml")
        }
        if kind == Int(S_IFLNK) {
          try refuse("is a symbolic link; scengine writes no file through one")
        }
        if kind != Int(S_IFREG) { try refuse("is not a regular file") }
        if inputExists && s.st_dev == input.st_dev && s.st_ino == input.st_ino {
          try refuse("is the price file itself; choose another name")
        }
      }
      let folder = parentFolder(of: path)
      var f = stat()
      if !folder.isEmpty {
        guard stat(folder, &f) == 0 else { try refuse("the folder \(folder) does not exist") }
        guard Int(f.st_mode) & Int(S_IFMT) == Int(S_IFDIR) else {
          try refuse("\(folder) is not a folder")
        }
      } else if stat(".", &f) != 0 {
        try refuse("the current folder cannot be read")
      }
      let key = "\(f.st_dev):\(f.st_ino):\(lastPathComponent(of: path))"
      if let other = seen[key] {
        try refuse("is the same file as \(other.option) \(other.path); choose another name")
      }
      seen[key] = (option, path)
    }
  }
}

/// What a fitter may read of the command line.
struct FitOptions {
  let model: CalibrateCommand.Model
  let innovations: CalibrateCommand.Innovations
  let regimes: Int
  let shrinkage: CorrelationShrinkage
}

/// One model's fitter: the fewest returns it needs and the fit.
struct Fitter {
  /// The fewest returns the fit needs, for the command's options and a number of assets.
  let minimumObservations: (FitOptions, Int) -> Int
  let fit: (ReturnSample, FitOptions) throws -> any CalibratedModel

  init(
    _ minimumObservations: Int,
    _ fit: @escaping (ReturnSample, FitOptions) throws -> any CalibratedModel
  ) {
    self.init({ _, _ in minimumObservations }, fit)
  }

  init(
    _ minimumObservations: @escaping (FitOptions, Int) -> Int,
    _ fit: @escaping (ReturnSample, FitOptions) throws -> any CalibratedModel
  ) {
    self.minimumObservations = minimumObservations
    self.fit = fit
  }
}

extension CalibrateCommand.Model {
  /// Each model's fitter, one line each.
  var fitter: Fitter {
    switch self {
    case .gbm: Fitter(GBMFit.minimumObservations) { try GBMFit.fit($0, shrinkage: $1.shrinkage) }
    case .garch: GARCHFit.fitter(.garch)
    case .gjr: GARCHFit.fitter(.gjr)
    case .egarch: GARCHFit.fitter(.egarch)
    case .merton: Fitter(MertonFit.minimumObservations) { s, _ in try MertonFit(sample: s) }
    case .kou: Fitter(KouFit.minimumObservations) { s, _ in try KouFit(sample: s) }
    case .regime: MarkovSwitchingFitter.fitter
    }
  }
}

extension GARCHFit {
  /// The fitter of a GARCH-family model of `type`, with the command's innovations.
  static func fitter(_ type: GARCHProcess.VolatilityModel) -> Fitter {
    Fitter(minimumObservations) { sample, options in
      let family: GARCHInnovationFamily = options.innovations == .studentT ? .studentT : .normal
      return try fit(sample, type: type, innovations: family)
    }
  }
}

extension MarkovSwitchingFitter {
  /// The fitter of a regime model with the command's number of regimes.
  static var fitter: Fitter {
    Fitter(
      { options, assets in requiredObservations(regimes: options.regimes, assets: assets) },
      { sample, options in try fit(sample, regimes: options.regimes) })
  }
}
