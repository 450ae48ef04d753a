import LinearAlgebra
import Processes
import Shocks

/// A validated scenario file (version 1): everything a run needs, resolved to per-asset
/// values and validated models. See `Scenarios/` for examples and DESIGN.md for the keys.
public struct ScenarioSpec: Sendable {
  /// The scenario's name, used in file names.
  public var name: String
  public var description: String
  public var seed: UInt64
  public var paths: Int
  public var grid: TimeGrid
  /// Business-day dates of time indices 0…steps, when `time.start` is given (ISO 8601).
  public var dates: [String]?
  public var assets: [String]
  public var initialPrices: [Double]
  /// The validated base correlation (with its repair report, if repaired).
  public var correlation: CorrelationMatrix
  public var model: ModelSpec
  public var measure: Measure
  /// Portfolio weights per asset (fractions of initial value), if given.
  public var portfolio: [Double]?
  public var output: OutputSpec
  /// How the shocks' normals are drawn (`sampling`): plain Monte Carlo when absent.
  public var sampling: Sampling = .monteCarlo
  /// Variants in file order.
  public var variants: [VariantSpec]
  /// The file the scenario was read from.
  public var file: String
  /// What the file asks for that the run does not do, and why (a drift that a risk-neutral
  /// measure replaces, a series that `--format csv` cannot hold): `check` prints them, `run`
  /// writes them to standard error as `note:` lines.
  public var notes: [String] = []
  /// The text and settings the spec was parsed from, to compile a variant's stress schedule
  /// again when the parse kept only its validation (`ScheduleRetention.none`).
  public var source: ScenarioSource?

  /// The stress schedule of `variant`: the one kept by the parse, or compiled anew from
  /// `source`, so that a run holds one variant's schedule (steps × assets per stress kind) in
  /// memory at a time, however many variants the file has.
  public func schedule(of variant: VariantSpec) throws(ScenarioError) -> StressSchedule {
    if variant.isScheduleCompiled { return variant.schedule }
    guard let source else {
      throw ScenarioError(
        file: file, field: "variants.\(variant.name)",
        message: "the stress schedule of this variant was not kept and cannot be compiled again")
    }
    var overrides = source.overrides
    overrides.variants = [variant.name]
    let again = try ScenarioLoader.parse(
      yaml: source.yaml, file: file, baseDirectory: source.baseDirectory, overrides: overrides,
      schedules: .only(variant.name), memo: source.memo)
    guard let compiled = again.variants.first, compiled.isScheduleCompiled else {
      throw ScenarioError(
        file: file, field: "variants.\(variant.name)",
        message: "the variant's stress schedule could not be compiled again")
    }
    return compiled.schedule
  }
}

/// The text of a scenario file and what its parse was given.
public struct ScenarioSource: Sendable {
  /// The scenario's YAML text.
  public var yaml: String
  /// The folder relative file names (price files of historical stresses) resolve against.
  public var baseDirectory: String
  /// The command-line values that replaced the file's.
  public var overrides: ScenarioOverrides
  /// The correlations the parse validated, for the parses that compile a variant again.
  var memo = CorrelationMemo()
}

/// Which variants' stress schedules a parse keeps. A schedule holds arrays of steps × assets
/// values per stress kind (16 MB for 10 assets × 100,000 steps × two kinds), so a file with many
/// large stressed variants keeps only as many as fit a budget and compiles each of the others
/// again when it runs.
public enum ScheduleRetention: Sendable, Equatable {
  /// Every variant's schedule.
  case all
  /// Each variant's schedule is compiled to validate it, and kept while the kept ones take at
  /// most `bytes`; the others are dropped at once and compiled again when their variant runs.
  case withinBudget(bytes: Int)
  /// Only the named variant's schedule is compiled (the others were validated before).
  case only(String)

  /// The retention of `check` and `run`: at most 32 MB of schedules kept.
  public static let bounded = ScheduleRetention.withinBudget(bytes: 32 << 20)
}

/// What a run writes.
public struct OutputSpec: Sendable, Equatable {
  public enum Format: String, Sendable, CaseIterable { case npy, csv, parquet }
  public enum Precision: String, Sendable, CaseIterable { case float64, float32 }
  /// The compression of Parquet pages (`output.compression`); the other formats are never
  /// compressed.
  public enum Compression: String, Sendable, CaseIterable { case none, zstd }
  public enum Series: String, Sendable, CaseIterable, Comparable {
    case prices, returns, regimes, variance, jumps
    public static func < (a: Series, b: Series) -> Bool {
      allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
  }

  public var format: Format = .npy
  public var precision: Precision = .float64
  public var emit: [Series] = [.prices]
  public var compression: Compression = .none

  public init(
    format: Format = .npy, precision: Precision = .float64, emit: [Series] = [.prices],
    compression: Compression = .none
  ) {
    self.format = format
    self.precision = precision
    self.emit = emit
    self.compression = compression
  }
}

/// One named variant and its stresses, compiled into a schedule.
public struct VariantSpec: Sendable {
  public var name: String
  public var stresses: [StressSpec]
  /// The compiled schedule when `isScheduleCompiled`; otherwise an empty one, and
  /// `ScenarioSpec.schedule(of:)` compiles it again.
  public var schedule: StressSchedule
  /// The first step (1-based) at which a stress acts, or `nil` for none.
  public var firstStressedStep: Int?
  /// Whether `schedule` holds the compiled stresses (see `ScheduleRetention`).
  public var isScheduleCompiled: Bool

  /// A variant whose compiled `schedule` is dropped unless `keep`.
  init(name: String, stresses: [StressSpec], schedule: StressSchedule, keep: Bool = true) {
    self.name = name
    self.stresses = stresses
    self.firstStressedStep = schedule.firstStressedStep
    self.isScheduleCompiled = keep
    self.schedule = keep ? schedule : StressSchedule(steps: schedule.steps, assets: schedule.assets)
  }
}

/// One stress as written in the file (steps 1-based, windows inclusive), kept for reports.
public struct StressSpec: Sendable, Equatable, CustomStringConvertible {
  public var kind: String
  public var from: Int
  public var to: Int
  public var detail: String
  /// A correlation stress's target as `repair: nearest` made it, with what the repair changed,
  /// when the repair changed it (the manifest records it); `nil` otherwise. The target itself
  /// lives in the variant's schedule.
  public var repairedCorrelationTarget: CorrelationMatrix? = nil
  /// The file a `historical` stress reads (resolved against the scenario's folder).
  public var inputFile: String? = nil

  public var description: String {
    let when = from == to ? "step \(from)" : "steps \(from)–\(to)"
    return "\(kind) at \(when): \(detail)"
  }
}
