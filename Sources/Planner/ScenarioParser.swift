import Foundation
import LinearAlgebra
import Processes
import Randomness
import Shocks
import Yams

/// Command-line values that replace the file's.
public struct ScenarioOverrides: Sendable, Equatable {
  public var paths: Int?
  public var seed: UInt64?
  public var format: OutputSpec.Format?
  public var precision: OutputSpec.Precision?
  public var emit: [OutputSpec.Series]?
  public var compression: OutputSpec.Compression?
  /// Only these variants, in this order.
  public var variants: [String]?

  public init(
    paths: Int? = nil, seed: UInt64? = nil, format: OutputSpec.Format? = nil,
    precision: OutputSpec.Precision? = nil, emit: [OutputSpec.Series]? = nil,
    compression: OutputSpec.Compression? = nil, variants: [String]? = nil
  ) {
    self.paths = paths
    self.seed = seed
    self.format = format
    self.precision = precision
    self.emit = emit
    self.compression = compression
    self.variants = variants
  }
}

/// Reads scenario files.
public enum ScenarioLoader {
  /// The largest number of paths a scenario may ask for (one Philox path index each).
  public static let maximumPaths = PathStreamLimits.maximumPaths

  /// Reads, parses and validates the scenario file at `path`; `schedules` says which variants'
  /// compiled stress schedules the result keeps in memory.
  public static func load(
    path: String, overrides: ScenarioOverrides = .init(), schedules: ScheduleRetention = .all
  ) throws(ScenarioError) -> ScenarioSpec {
    try load(ScenarioFile.read(path: path), path: path, overrides: overrides, schedules: schedules)
  }

  /// Parses and validates a scenario file already read from `path`.
  public static func load(
    _ scenario: ScenarioFile, path: String, overrides: ScenarioOverrides = .init(),
    schedules: ScheduleRetention = .all
  ) throws(ScenarioError) -> ScenarioSpec {
    try parse(
      yaml: scenario.text, file: path, baseDirectory: scenario.baseDirectory, overrides: overrides,
      schedules: schedules)
  }

  /// Parses and validates scenario text; `schedules` says which variants' compiled stress
  /// schedules the result keeps in memory.
  public static func parse(
    yaml: String, file: String, baseDirectory: String = ".", overrides: ScenarioOverrides = .init(),
    schedules: ScheduleRetention = .all
  ) throws(ScenarioError) -> ScenarioSpec {
    try parse(
      yaml: yaml, file: file, baseDirectory: baseDirectory, overrides: overrides,
      schedules: schedules, memo: CorrelationMemo())
  }

  /// `parse(yaml:file:baseDirectory:overrides:schedules:)` with the correlations validated by
  /// an earlier parse of the same text (`CorrelationMemo`).
  static func parse(
    yaml: String, file: String, baseDirectory: String, overrides: ScenarioOverrides,
    schedules: ScheduleRetention, memo: CorrelationMemo
  ) throws(ScenarioError) -> ScenarioSpec {
    if let (line, message) = YAMLAliases.check(yaml) {
      throw ScenarioError(file: file, field: "", line: line, message: message)
    }
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch let error as YamlError {
      throw ScenarioError(
        file: file, field: "", line: yamlErrorLine(error),
        message: "invalid YAML: \(yamlErrorProblem(error))")
    } catch {
      throw ScenarioError(file: file, field: "", message: "invalid YAML: \(error)")
    }
    guard let root else {
      throw ScenarioError(
        file: file, field: "", message: "the file is empty; expected a scenario mapping")
    }
    try YAMLTags.check(root, file: file)
    var parser = ScenarioParser(
      file: file, baseDirectory: baseDirectory, overrides: overrides, memo: memo)
    parser.schedules = schedules
    var spec = try parser.parse(YAMLField(node: root, path: "", file: file))
    spec.source = ScenarioSource(
      yaml: yaml, baseDirectory: baseDirectory, overrides: overrides, memo: memo)
    return spec
  }

  static func yamlErrorLine(_ error: YamlError) -> Int? {
    switch error {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
      return mark.line
    case .duplicatedKeysInMapping(_, let context):
      return context.mark.line
    case .reader(_, let offset?, _, let yaml):
      // The offset counts UTF-8 bytes from the start of the text.
      return yaml.utf8.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    default: return nil
    }
  }

  /// The problem in one line: libyaml's scanner and parser say "problem while context", its
  /// composer "context but problem" (e.g. "expected a single document in the stream but found
  /// another document").
  static func yamlErrorProblem(_ error: YamlError) -> String {
    switch error {
    case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _):
      // libyaml's own words name its API; say what the file did.
      if problem.hasPrefix("Maximum nesting level reached") {
        return "the file nests lists and mappings too deeply"
      }
      if let context { return "\(problem) \(context.text)".trimmingCharacters(in: .whitespaces) }
      return problem
    case .composer(let context, let problem, _, _):
      if let context { return "\(context.text) \(problem)".trimmingCharacters(in: .whitespaces) }
      return problem
    case .duplicatedKeysInMapping(let duplicates, _):
      return "the key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appears twice in one "
        + "mapping; give each key once"
    case .reader(let problem, _, _, _):
      return problem
    default:
      return "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
    }
  }
}

/// Limits shared with the random streams.
public enum PathStreamLimits {
  /// Path indices are 32-bit in the Philox counter.
  public static let maximumPaths = Int(UInt32.max) + 1
}

struct ScenarioParser {
  let file: String
  let baseDirectory: String
  let overrides: ScenarioOverrides
  /// Which variants' stress schedules to keep.
  var schedules = ScheduleRetention.all
  var assets: [String] = []
  var steps = 0
  /// The step length in years, once read.
  var timeStep = 0.0

  /// The correlations validated so far, by this parse or an earlier one of the same text.
  let memo: CorrelationMemo

  init(
    file: String, baseDirectory: String, overrides: ScenarioOverrides,
    memo: CorrelationMemo = CorrelationMemo()
  ) {
    self.file = file
    self.baseDirectory = baseDirectory
    self.overrides = overrides
    self.memo = memo
  }

  mutating func parse(_ root: YAMLField) throws(ScenarioError) -> ScenarioSpec {
    var top = try root.mapping()
    let nameField = try top.required("name", "the scenario's name, used in file names")
    let name = try nameField.string()
    if let problem = ScenarioLimits.problem(withName: name) {
      throw nameField.error(
        "\(excerpt(name, limit: 60)) is not a valid name: it \(problem); use 1 to "
          + "\(ScenarioLimits.maximumNameBytes) letters, digits, '-', '_' and '.', not starting "
          + "with '.'")
    }
    if let vf = top.optional("version") {
      guard try vf.int() == 1 else {
        throw vf.error(
          "scenario file version \(try vf.string()) is not supported; this engine reads version 1")
      }
    }
    let description = try top.optional("description")?.string() ?? ""
    var seed = try top.optional("seed")?.uint64() ?? 0
    if let s = overrides.seed { seed = s }
    let pathsField = top.optional("paths")
    var paths = try pathsField?.int() ?? 1000
    if let p = overrides.paths { paths = p }
    guard paths >= 1 && paths <= ScenarioLoader.maximumPaths else {
      let message = "\(paths) paths asked for, expected 1 to \(ScenarioLoader.maximumPaths)"
      if let pathsField, overrides.paths == nil { throw pathsField.error(message) }
      throw ScenarioError(file: file, field: "paths", message: message + " (--paths)")
    }

    // time
    var time = try top.required("time", "{steps: N, dt: 1/252, start: YYYY-MM-DD}").mapping()
    let stepsField = try time.required("steps", "number of steps")
    steps = try stepsField.int()
    guard steps >= 1 && steps <= 1_000_000 else {
      throw stepsField.error("\(steps) steps, expected 1 to 1000000")
    }
    let dtField = try time.required("dt", "step length in years, e.g. 1/252")
    let dt = try dtField.double()
    guard dt > 0 else { throw dtField.error("\(dt) years, expected a step length > 0") }
    timeStep = dt
    var dates: [String]? = nil
    if let startField = time.optional("start") {
      dates = try BusinessDays.dates(
        start: try startField.string(), count: steps + 1, field: startField)
    }
    try time.finish(allowed: ["steps", "dt", "start"])
    let grid: TimeGrid
    do { grid = try TimeGrid(steps: steps, timeStep: dt) } catch {
      throw dtField.error(error.description)
    }

    // assets
    let assetsField = try top.required("assets", "a list of asset names")
    let assetFields = try assetsField.sequence()
    assets = try assetFields.map { f throws(ScenarioError) in try f.string() }
    guard !assets.isEmpty else {
      throw assetsField.error("the list is empty; expected at least one asset")
    }
    guard assets.count <= ScenarioLimits.maximumAssets else {
      throw assetsField.error(
        "\(assets.count) assets, expected at most \(ScenarioLimits.maximumAssets) (the "
          + "correlation is factored as a full matrix)")
    }
    var folded: [String: Int] = [:]
    for (i, a) in assets.enumerated() {
      if let problem = ScenarioLimits.problem(withName: a) {
        throw assetFields[i].error(
          "asset \(i) \(excerpt(a, limit: 60)) is not a valid name: it \(problem); use 1 to "
            + "\(ScenarioLimits.maximumNameBytes) letters, digits, '-', '_' and '.', not "
            + "starting with '.'")
      }
      if ScenarioLimits.reservedAssetNames.contains(a.lowercased()) {
        throw assetFields[i].error(
          "asset '\(a)' is a column of the path files; rename it (reserved: "
            + ScenarioLimits.reservedAssetNames.sorted().joined(separator: ", ") + ")")
      }
      if let first = assets[..<i].firstIndex(of: a) {
        throw assetFields[i].error("asset '\(a)' is listed twice (also assets[\(first)])")
      }
      if let first = folded[a.lowercased()] {
        throw assetFields[i].error(
          "asset '\(a)' differs from assets[\(first)] '\(assets[first])' only by case; "
            + "column names must differ ignoring case")
      }
      folded[a.lowercased()] = i
    }

    let initialField = try top.required("initial", "initial prices: one number or a map by asset")
    let initial = try perAsset(initialField, what: "initial price")
    for (i, p) in initial.enumerated() where !(p > 0) {
      throw assetField(initialField, i).error(
        "initial price of \(assets[i]) is \(p), expected a price > 0")
    }
    let prices = ParameterLimits.initialPrice
    for (i, p) in initial.enumerated() where !prices.contains(p) {
      throw assetField(initialField, i).error(
        "initial price of \(assets[i]) is \(p), expected a price from \(prices.lowerBound) to "
          + "\(prices.upperBound)")
    }

    // The caps on correlation stresses are arithmetic on counts: applied before any matrix is
    // validated.
    try checkCorrelationCounts(variants: top.peek("variants"), model: top.peek("model"))
    let correlation = try parseCorrelation(top.optional("correlation"))
    let measure = try parseMeasure(top.optional("measure"))
    let model = try parseModel(
      try top.required("model", "exactly one of " + ModelRegistry.keys.joined(separator: ", ")),
      initial: initial, correlation: correlation, measure: measure)

    var portfolio: [Double]? = nil
    if let pf = top.optional("portfolio") {
      let w = try perAsset(pf, what: "portfolio weight", defaultValue: 0)
      let most = ScenarioLimits.maximumPortfolioWeight
      for (i, v) in w.enumerated() where abs(v) > most {
        throw assetField(pf, i).error(
          "weight of \(assets[i]) is \(v), expected a weight from -\(Int(most)) to \(Int(most))")
      }
      let total = w.reduce(0, +)
      guard abs(total - 1) <= 1e-9 else {
        throw pf.error(
          "weights sum to \(total), expected 1 (fractions of the initial portfolio value)")
      }
      portfolio = w
    }

    let sampling = try parseSampling(
      top.optional("sampling"), model: model, steps: steps, paths: paths,
      pathsFromCommandLine: overrides.paths != nil)
    var notes: [String] = []
    // Dates are consecutive business days, about 252 a year: a step of another length gives
    // each step a date that is not its time.
    if dates != nil, abs(1 / grid.timeStep - 252) > 25 {
      let perYear = 1 / grid.timeStep
      let rate =
        perYear < 1
        ? "one step in \(grid.timeStep) years"
        : perYear < 1e9
          ? "\(Int(perYear.rounded())) steps a year"
          : perYear.isFinite
            ? String(format: "%.3g steps a year", perYear) : "over 1e308 steps a year"
      notes.append(
        "time.start dates the steps as consecutive business days (about 252 a year), but dt is "
          + "\(grid.timeStep) years (\(rate)): the dates are not the steps' times")
    }
    if case .riskNeutral = measure, let mf = top.peek("model") {
      for path in unusedDriftFields(mf) {
        notes.append(
          "\(path) is not used: under the risk-neutral measure "
            + (path.hasSuffix(".mean")
              ? "a step's mean log return is (rate − dividend) dt − σₜ²/2"
              : "the drift is rate − dividend"))
      }
    }
    var output = try parseOutput(top.optional("output"), model: model)
    if let f = overrides.format {
      output.format = f
      // `--format csv` on a file that emits more: CSV holds prices, so keep only those
      // unless --emit asks for more (which is then an error below).
      if f == .csv && overrides.emit == nil && output.emit != [.prices] {
        let dropped = output.emit.filter { $0 != .prices }.map(\.rawValue)
        notes.append(
          "--format csv writes prices only: output.emit's \(dropped.joined(separator: ", ")) "
            + "not written (use format npy or parquet for them)")
        output.emit = [.prices]
      }
    }
    if let p = overrides.precision { output.precision = p }
    if let c = overrides.compression { output.compression = c }
    if output.compression != .none && output.format != .parquet {
      throw ScenarioError(
        file: file, field: overrides.compression != nil ? "--compression" : "output.compression",
        message:
          "\(output.compression.rawValue) compresses Parquet files only, and the format is "
          + "\(output.format.rawValue); use format parquet, or compression none")
    }
    if let e = overrides.emit {
      output.emit = e
      try checkEmit(
        output.emit, model: model, field: YAMLField(node: Node(""), path: "--emit", file: file))
    }
    if output.format == .csv && output.emit != [.prices] {
      let message =
        "CSV output holds prices only; use format npy or parquet to emit "
        + output.emit.map(\.rawValue).joined(separator: ", ")
      // Named at the file's `output.emit` (with its line) when the file asked for both.
      if overrides.emit == nil, let o = top.peek("output"), let e = try? o.mapping().peek("emit") {
        throw e.error(message)
      }
      throw ScenarioError(
        file: file, field: overrides.emit != nil ? "--emit" : "output.emit", message: message)
    }

    if output.format == .parquet {
      // A Parquet file's columns: `path`, `step`, `date`, the assets, then `return_<asset>`,
      // `variance_<asset>`, `jumps_<asset>` and `regime` as emitted. DuckDB matches column
      // names ignoring case, so they must differ ignoring case (an asset `return_EQ` next to an
      // asset `EQ`, or an asset `regime`, would collide).
      var columns = Set(["path", "step", "date"] + assets.map { $0.lowercased() })
      var emitted: [String] = []
      for series in output.emit {
        switch series {
        case .prices: break
        case .returns: emitted += assets.map { "return_\($0)" }
        case .variance: emitted += assets.map { "variance_\($0)" }
        case .jumps: emitted += assets.map { "jumps_\($0)" }
        case .regimes: emitted.append("regime")
        }
      }
      for name in emitted where !columns.insert(name.lowercased()).inserted {
        throw ScenarioError(
          file: file, field: "assets",
          message:
            "the Parquet column \(excerpt(name, limit: 140)) would appear twice (an asset "
            + "has that name, ignoring case); rename the asset or emit fewer series")
      }
    }

    // The largest array, prices, must be addressable: paths × (steps + 1) × assets × 8 bytes.
    var bytes = 8
    var overflow = false
    for factor in [paths, steps + 1, assets.count] where !overflow {
      (bytes, overflow) = bytes.multipliedReportingOverflow(by: factor)
    }
    if overflow {
      let message =
        "\(paths) paths × \(steps + 1) time points × \(assets.count) assets is more than one file can hold (2^63 bytes); use fewer paths"
      if let pathsField, overrides.paths == nil { throw pathsField.error(message) }
      throw ScenarioError(file: file, field: "paths", message: message + " (--paths)")
    }
    // One path's buffers (and each stress array) hold (steps + 1) × assets values.
    let values = (steps + 1).multipliedChecked(by: assets.count) ?? .max
    guard values <= ScenarioLimits.maximumValuesPerPath else {
      throw assetsField.error(
        "\(steps + 1) time points × \(assets.count) assets = \(values) values per path, "
          + "expected at most \(ScenarioLimits.maximumValuesPerPath); use fewer steps or assets")
    }
    try checkHorizon(
      model, initial: initial, grid: grid,
      field: top.optional("model") ?? root)

    var variants = try parseVariants(
      top.optional("variants"), model: model, measure: measure, correlation: correlation, grid: grid
    )
    try checkCorrelationWork(model: model, variants: variants, field: assetsField)
    if let chosen = overrides.variants {
      var picked: [VariantSpec] = []
      for name in chosen {
        guard let v = variants.first(where: { $0.name == name }) else {
          throw ScenarioError(
            file: file, field: "variants",
            message:
              "no variant named \(excerpt(name)) (--variant); the file has: \(variants.map(\.name).joined(separator: ", "))"
          )
        }
        if !picked.contains(where: { $0.name == name }) { picked.append(v) }
      }
      variants = picked
    }
    try top.finish(allowed: [
      "name", "description", "seed", "paths", "time", "assets", "initial", "correlation", "model",
      "measure", "portfolio", "output", "variants", "version", "sampling",
    ])
    return ScenarioSpec(
      name: name, description: description, seed: seed, paths: paths, grid: grid, dates: dates,
      assets: assets, initialPrices: initial, correlation: correlation, model: model,
      measure: measure, portfolio: portfolio, output: output, sampling: sampling,
      variants: variants, file: file, notes: notes)
  }

  /// `sampling: {antithetic: true}` or `sampling: {sobol: {scramble: owen | shift | none}}`
  /// (scramble defaults to owen); absent, `{}` or `{antithetic: false}` is plain Monte Carlo.
  /// Unscrambled, path i is point i + 1, so at most 2³² − 1 paths have a point of their own.
  func parseSampling(
    _ field: YAMLField?, model: ModelSpec, steps: Int, paths: Int, pathsFromCommandLine: Bool
  ) throws(ScenarioError) -> Sampling {
    guard let field else { return .monteCarlo }
    var top = try field.mapping()
    let antithetic = try top.optional("antithetic")?.bool() ?? false
    let sobolField = top.optional("sobol")
    try top.finish(allowed: ["antithetic", "sobol"])
    guard let sobolField else { return antithetic ? .antithetic : .monteCarlo }
    if antithetic {
      throw field.error(
        "antithetic and sobol cannot be combined (Sobol' points are already balanced); "
          + "choose one")
    }
    var sobol = try sobolField.mapping()
    var scrambling = SobolScrambling.owen
    if let f = sobol.optional("scramble") {
      let name = try f.string()
      guard let s = SobolScrambling(rawValue: name) else {
        throw f.error(
          "\(excerpt(name)) is not a scrambling; expected owen (nested uniform, keyed by the "
            + "seed), shift (random digital shift, keyed by the seed) or none")
      }
      scrambling = s
    }
    try sobol.finish(allowed: ["scramble"])
    if scrambling == .none && paths >= SobolSequence.maximumPoints {
      throw sobolField.error(
        "\(paths) paths\(pathsFromCommandLine ? " (--paths)" : ""): unscrambled, path i is "
          + "point i + 1 (the origin skipped), and the sequence has \(SobolSequence.maximumPoints) "
          + "points, so at most \(SobolSequence.maximumPoints - 1) paths; scramble with owen or "
          + "shift (path i is point i) for more")
    }
    if let problem = Sampling.sobolProblem(steps: steps, shocks: model.process.shocksPerStep) {
      throw sobolField.error(problem)
    }
    return .sobol(scrambling)
  }

  // MARK: - Per-asset values

  /// One number for every asset, a list in asset order, or a map by asset name. A map must
  /// name every asset unless `defaultValue` is given.
  func perAsset(_ f: YAMLField, what: String, defaultValue: Double? = nil) throws(ScenarioError)
    -> [Double]
  {
    switch f.node {
    case .scalar:
      return Array(repeating: try f.double(), count: assets.count)
    case .sequence:
      let items = try f.sequence()
      guard items.count == assets.count else {
        throw f.error(
          "\(items.count) values for \(assets.count) assets (\(assets.joined(separator: ", "))); give one per asset, one number for all, or a map by asset name"
        )
      }
      return try items.map { item throws(ScenarioError) in try item.double() }
    case .mapping:
      let map = try assetMap(f)
      return try assets.indices.map { i throws(ScenarioError) in
        if let v = map[i] { return v }
        if let d = defaultValue { return d }
        throw f.error("no \(what) for asset '\(assets[i])'; give every asset or one number for all")
      }
    case .alias:
      throw f.error("aliases are not supported here")
    }
  }

  /// The part of a per-asset value `f` that gives asset `index`: its map entry or list element,
  /// or `f` itself when one number applies to every asset (or the map leaves the asset out).
  func assetField(_ f: YAMLField, _ index: Int) -> YAMLField {
    switch f.node {
    case .mapping(let m):
      for (key, value) in m where key.string == assets[index] {
        return f.child(value, assets[index])
      }
      return f
    case .sequence(let items) where index < items.count:
      return f.element(items[index], index)
    default:
      return f
    }
  }

  /// A map from asset names to numbers; unknown assets are errors.
  func assetMap(_ f: YAMLField) throws(ScenarioError) -> [Int: Double] {
    var reader = try f.mapping()
    var out: [Int: Double] = [:]
    for (key, value) in reader.entries() {
      guard let i = assets.firstIndex(of: key) else {
        var message = "unknown asset \(excerpt(key))"
        if let near = nearest(key, in: assets) { message += " (did you mean '\(near)'?)" }
        throw value.error(message + "; assets are \(assets.joined(separator: ", "))")
      }
      out[i] = try value.double()
    }
    try reader.finish()
    return out
  }

  /// A stress value: one number for every asset or a map by asset name (others unchanged);
  /// an empty map, a stress that would change nothing, is refused.
  func stressValues(_ f: YAMLField) throws(ScenarioError) -> [Int: Double] {
    if f.isScalar {
      let v = try f.double()
      return Dictionary(uniqueKeysWithValues: assets.indices.map { ($0, v) })
    }
    let values = try assetMap(f)
    guard !values.isEmpty else {
      throw f.error(
        "an empty map changes nothing; give one number for every asset or a map naming at least "
          + "one of \(excerpt(assets.joined(separator: ", "), limit: 80))")
    }
    return values
  }

  // MARK: - Correlation

  func parseCorrelation(_ f: YAMLField?) throws(ScenarioError) -> CorrelationMatrix {
    guard let f else { return .identity(assets.count) }
    var m = try f.mapping()
    var policy = CorrelationMatrix.RepairPolicy.error
    if let r = m.optional("repair") {
      let text = try r.string()
      guard let p = CorrelationMatrix.RepairPolicy(rawValue: text) else {
        throw r.error("'\(text)' is not a repair policy; expected error or nearest")
      }
      policy = p
    }
    let matrix = try parseMatrixSpec(&m, field: f, dimension: assets.count)
    try m.finish(allowed: ["matrix", "constant", "one_factor", "repair"])
    return try validatedCorrelation(matrix.0, field: matrix.1, policy: policy)
  }

  /// `matrix: [[…]]`, `constant: ρ` or `one_factor: {loadings}` (C_ij = b_i b_j off the diagonal).
  func parseMatrixSpec(_ m: inout MappingReader, field f: YAMLField, dimension n: Int)
    throws(ScenarioError)
    -> (Matrix, YAMLField)
  {
    let given = ["matrix", "constant", "one_factor"].filter { m.keys.contains($0) }
    guard given.count == 1 else {
      throw f.error(
        given.isEmpty
          ? "expected one of matrix, constant or one_factor"
          : "give only one of \(given.joined(separator: ", "))")
    }
    if let mf = m.optional("matrix") {
      let rows = try mf.sequence()
      guard rows.count == n else {
        throw mf.error(
          "\(rows.count) rows for \(n) assets; the matrix must be \(n) × \(n) in the order \(assets.joined(separator: ", "))"
        )
      }
      var out = Matrix(rows: n, columns: n)
      for (i, row) in rows.enumerated() {
        let entries = try row.sequence()
        guard entries.count == n else {
          throw row.error("\(entries.count) entries, expected \(n) (one per asset)")
        }
        for (j, e) in entries.enumerated() { out[i, j] = try e.double() }
      }
      return (out, mf)
    }
    if let cf = m.optional("constant") {
      let rho = try cf.double()
      // Checked here too, so that a one-asset scenario (where ρ is never used) refuses it.
      guard abs(rho) <= 1 else {
        throw cf.error("\(rho) is not a correlation, expected a value in [-1, 1]")
      }
      var out = Matrix(rows: n, columns: n, repeating: rho)
      for i in 0..<n { out[i, i] = 1 }
      return (out, cf)
    }
    guard let ff = m.optional("one_factor") else {
      throw f.error("expected one of matrix, constant or one_factor")
    }
    var fm = try ff.mapping()
    let lf = try fm.required("loadings", "factor loading per asset, |b| ≤ 1")
    let b = try perAsset(lf, what: "loading")
    for (i, v) in b.enumerated() where abs(v) > 1 {
      throw assetField(lf, i).error("loading of \(assets[i]) is \(v), expected a value in [-1, 1]")
    }
    try fm.finish(allowed: ["loadings"])
    var out = Matrix(rows: n, columns: n)
    for i in 0..<n {
      for j in 0..<n { out[i, j] = i == j ? 1 : b[i] * b[j] }
    }
    return (out, ff)
  }

  /// `m` checked as a correlation matrix of the assets, not yet factored (a stress's target).
  /// A target an earlier parse of the same text checked (`memo`) keeps that check's
  /// eigenvalue or repair.
  ///
  /// - Parameter factors: also factor it (and drop the factor), so that a target is accepted
  ///   exactly when the same matrix would be as a scenario's correlation: at the edge of the
  ///   eigenvalue tolerance, a Cholesky pivot can fall below its own tolerance.
  func checkedCorrelation(
    _ m: Matrix, field: YAMLField, policy: CorrelationMatrix.RepairPolicy, factors: Bool = false
  ) throws(ScenarioError) -> CorrelationMatrix.Checked {
    if let message = correlationWorkExcess, !m.isIdentity { throw field.error(message) }
    return try checkedCorrelation(
      m, key: memoKey(m, policy: policy), field: field, policy: policy, factors: factors)
  }

  /// The memo's key of `m`, or `nil` for the identity (no correlation given), which is checked
  /// at once without hashing its n² zeros.
  private func memoKey(_ m: Matrix, policy: CorrelationMatrix.RepairPolicy) -> String? {
    m.isIdentity ? nil : CorrelationMemo.key(m, assets: assets.count, policy: policy)
  }

  /// `checkedCorrelation` with the memo's key of `m` already found.
  private func checkedCorrelation(
    _ m: Matrix, key: String?, field: YAMLField, policy: CorrelationMatrix.RepairPolicy,
    factors: Bool
  ) throws(ScenarioError) -> CorrelationMatrix.Checked {
    let known = key.map(memo.target) ?? (checked: nil, smallestEigenvalue: nil)
    if let repaired = known.checked { return repaired }
    do {
      var checked = try CorrelationMatrix.checked(
        m, expectedDimension: assets.count, repair: policy,
        knownSmallestEigenvalue: known.smallestEigenvalue)
      if factors && known.smallestEigenvalue == nil {
        checked = try CorrelationMatrix(checked).unfactored
      }
      if let key { memo.record(target: key, checked) }
      return checked
    } catch {
      throw field.error(describe(error))
    }
  }

  /// `m` checked as a correlation matrix of the assets, and factored (once per text: `memo`).
  func validatedCorrelation(_ m: Matrix, field: YAMLField, policy: CorrelationMatrix.RepairPolicy)
    throws(ScenarioError) -> CorrelationMatrix
  {
    if let message = correlationWorkExcess, !m.isIdentity { throw field.error(message) }
    let key = memoKey(m, policy: policy)
    func validate() throws(ScenarioError) -> CorrelationMatrix {
      let checked = try checkedCorrelation(
        m, key: key, field: field, policy: policy, factors: false)
      do throws(CorrelationError) {
        return try CorrelationMatrix(checked)
      } catch {
        throw field.error(describe(error))
      }
    }
    guard let key else { return try validate() }
    return try memo.matrix(key, validate: validate)
  }

  /// A correlation error with asset names instead of indices.
  func describe(_ error: CorrelationError) -> String {
    func name(_ i: Int) -> String { i < assets.count ? assets[i] : "\(i)" }
    switch error {
    case .asymmetric(let r, let c, let v, let mirror):
      return
        "not symmetric: entry [\(r)][\(c)] (\(name(r)), \(name(c))) is \(v) but [\(c)][\(r)] is \(mirror)"
    case .diagonalNotOne(let i, let v):
      return "diagonal entry [\(i)][\(i)] (\(name(i))) is \(v), expected 1"
    case .outOfRange(let r, let c, let v):
      return "entry [\(r)][\(c)] (\(name(r)), \(name(c))) is \(v), expected a value in [-1, 1]"
    case .nonFinite(let r, let c, let v):
      return "entry [\(r)][\(c)] is \(v), expected a finite number"
    case .notPositiveSemiDefinite(let smallest)
    where smallest >= -CorrelationMatrix.eigenvalueTolerance(assets.count):
      return "correlation matrix is not positive semi-definite: its smallest eigenvalue "
        + "\(smallest) is within the tolerance (-1e-10 × assets), but its Cholesky factor meets "
        + "a negative pivot beyond the factor's; fix the entries or set `repair: nearest`"
    default:
      return error.description
    }
  }

  // MARK: - Measure

  func parseMeasure(_ f: YAMLField?) throws(ScenarioError) -> Measure {
    guard let f else { return .realWorld }
    if f.isScalar {
      let text = try f.string()
      if text == "real_world" { return .realWorld }
      throw f.error(
        "'\(text)' is not a measure; expected real_world or {risk_neutral: {rate: r, dividend: q}}")
    }
    var m = try f.mapping()
    let rn = try m.required("risk_neutral", "{rate: r, dividend: q}")
    try m.finish(allowed: ["risk_neutral"])
    var r = try rn.mapping()
    var fields = ParameterFields()
    let rate = try fields.record(
      .riskNeutralRate, r.required("rate", "annualized continuously compounded rate")
    ).double()
    var dividend = Array(repeating: 0.0, count: assets.count)
    if let d = r.optional("dividend") {
      if d.isMapping, try d.mapping().pairs.isEmpty {
        throw d.error(
          "an empty map sets no asset's dividend yield; give one number for all, or a map by "
            + "asset name (others 0), or leave dividend out for 0")
      }
      dividend = try perAsset(fields.record(.dividendYield, d), what: "dividend", defaultValue: 0)
    }
    try r.finish(allowed: ["rate", "dividend"])
    let measure = Measure.riskNeutral(rate: rate, dividendYield: dividend)
    // Checked here, so that a value out of range is reported at its own field.
    do { try measure.validate(assets: assets.count, model: "measure") } catch {
      throw locate(error, in: fields, otherwise: rn)
    }
    return measure
  }

  // MARK: - Output

  func parseOutput(_ f: YAMLField?, model: ModelSpec) throws(ScenarioError) -> OutputSpec {
    var out = OutputSpec()
    guard let f else { return out }
    var m = try f.mapping()
    if let ff = m.optional("format") {
      let t = try ff.string()
      guard let v = OutputSpec.Format(rawValue: t) else {
        throw ff.error("'\(t)' is not a format; expected npy, csv or parquet")
      }
      out.format = v
    }
    if let pf = m.optional("precision") {
      let t = try pf.string()
      guard let v = OutputSpec.Precision(rawValue: t) else {
        throw pf.error("'\(t)' is not a precision; expected float64 or float32")
      }
      out.precision = v
    }
    if let cf = m.optional("compression") {
      let t = try cf.string()
      guard let v = OutputSpec.Compression(rawValue: t) else {
        throw cf.error("\(excerpt(t)) is not a compression; expected none or zstd")
      }
      out.compression = v
    }
    if let ef = m.optional("emit") {
      var series: [OutputSpec.Series] = []
      let items = try ef.sequence()
      guard !items.isEmpty else {
        throw ef.error(
          "the list is empty; expected one or more of prices, returns, regimes, variance, jumps")
      }
      for item in items {
        let t = try item.string()
        guard let s = OutputSpec.Series(rawValue: t) else {
          throw item.error(
            "\(excerpt(t)) cannot be emitted; expected prices, returns, regimes, variance or jumps")
        }
        guard !series.contains(s) else { throw item.error("'\(t)' is listed twice") }
        series.append(s)
      }
      if !series.contains(.prices) { series.insert(.prices, at: 0) }
      try checkEmit(series, model: model, field: ef)
      out.emit = series.sorted()
    }
    try m.finish(allowed: ["format", "precision", "emit", "compression"])
    return out
  }

  func checkEmit(_ series: [OutputSpec.Series], model: ModelSpec, field: YAMLField)
    throws(ScenarioError)
  {
    let latent = model.latentStates
    for s in series {
      let ok: Bool
      switch s {
      case .prices, .returns: ok = true
      case .regimes: ok = latent.contains(.regimes)
      case .variance: ok = latent.contains(.variance)
      case .jumps: ok = latent.contains(.jumps)
      }
      if !ok {
        throw field.error("'\(s.rawValue)' cannot be emitted by a \(model.key) model")
      }
    }
  }
}
