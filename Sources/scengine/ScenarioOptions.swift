import ArgumentParser
import PathFiles
import Planner

extension OutputSpec.Format: ExpressibleByArgument {}
extension OutputSpec.Precision: ExpressibleByArgument {}
extension OutputSpec.Compression: ExpressibleByArgument {}

/// Options shared by `run` and `check`: the scenario and the values that override it.
struct ScenarioOptions: ParsableArguments {
  @Argument(help: "The scenario file (YAML).")
  var scenario: String

  // `.unconditional`: `--paths -1` reads -1 as the value (and `validate()` rejects it) instead
  // of taking it for an option and saying the value is missing.
  @Option(parsing: .unconditional, help: "Number of paths (overrides the file).")
  var paths: Int?

  @Option(parsing: .unconditional, help: "64-bit seed (overrides the file).")
  var seed: UInt64?

  @Option(name: .customLong("variant"), help: "Run only this variant (repeatable).")
  var variants: [String] = []

  @Option(help: "Output format: npy, csv or parquet (overrides the file).")
  var format: OutputSpec.Format?

  @Option(help: "Output precision: float64 or float32 (overrides the file).")
  var precision: OutputSpec.Precision?

  @Option(help: "Parquet compression: none or zstd (overrides the file).")
  var compression: OutputSpec.Compression?

  @Option(help: "Series to write, comma-separated: prices,returns,regimes,variance,jumps.")
  var emit: String?

  func overrides() throws -> ScenarioOverrides {
    var emitted: [OutputSpec.Series]? = nil
    if let emit {
      var list: [OutputSpec.Series] = [.prices]
      var given: [OutputSpec.Series] = []
      let items = emit.split(separator: ",", omittingEmptySubsequences: false)
      for (index, item) in items.enumerated() {
        let name = item.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else {
          throw ValidationError(
            emit.trimmingCharacters(in: .whitespaces).isEmpty
              ? "--emit: the list is empty; expected one or more of prices, returns, regimes, variance, jumps."
              : "--emit: item \(index + 1) is empty; separate series with single commas, e.g. prices,returns."
          )
        }
        guard let s = OutputSpec.Series(rawValue: name) else {
          throw ValidationError(
            "--emit: '\(name.escapingControlCharacters)' is not a series; expected prices, returns, regimes, variance or jumps."
          )
        }
        guard !given.contains(s) else {
          throw ValidationError("--emit: '\(name)' is listed twice.")
        }
        given.append(s)
        if !list.contains(s) { list.append(s) }
      }
      emitted = list.sorted()
    }
    return ScenarioOverrides(
      paths: paths, seed: seed, format: format, precision: precision, emit: emitted,
      compression: compression, variants: variants.isEmpty ? nil : variants)
  }

  func validate() throws {
    if let paths, paths < 1 { throw ValidationError("--paths must be at least 1, got \(paths).") }
    // A bad --emit is reported with the subcommand's usage, before anything is loaded.
    _ = try overrides()
  }

  /// Loads the scenario, or prints its error and exits with status 2.
  func load() throws -> ScenarioSpec {
    try loadWithChecksum().spec
  }

  /// Loads the scenario and the SHA-256 of the bytes read (a pipe can be read only once), or
  /// prints its error and exits with status 2. Every variant's simulation is set up as `run`
  /// sets it up before its first path (stressed correlation factors, kernel limits, the median
  /// log price under the stresses), so that `check` and `run` refuse the same files.
  func loadWithChecksum() throws -> (spec: ScenarioSpec, sha256: String) {
    do {
      let file = try ScenarioFile.read(path: scenario)
      let spec = try ScenarioLoader.load(
        file, path: scenario, overrides: try overrides(),
        schedules: .bounded)
      try spec.checkSimulations()
      return (spec, sha256Hex(of: file.bytes))
    } catch let error as ScenarioError {
      printError("error: \(error.description)")
      throw ExitCode(2)
    }
  }
}
