import Processes

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The limits a scenario file must respect beyond the models' own parameter ranges
/// (`ParameterLimits`): names that become file and column names, sizes that fix allocations,
/// and stresses whose scale would make prices overflow. The README's scenario section lists
/// them for users.
public enum ScenarioLimits {
  /// The longest name (scenario, variant, asset), in UTF-8 bytes: a path component may hold
  /// 255, and the run adds suffixes to some.
  public static let maximumNameBytes = 128
  /// Names a variant may not have (compared ignoring case, as on case-insensitive file
  /// systems): the run's own files in its output folder, and the folder that holds a run's
  /// shards by default (`out/<name>/shards`).
  public static let reservedVariantNames: Set<String> = ["manifest.json", "shards"]
  /// Names an asset may not have (ignoring case): the columns a long-format or Parquet path
  /// file holds beside one column per asset.
  public static let reservedAssetNames: Set<String> = [
    "path", "step", "date", "variant", "asset", "price",
  ]
  /// The most assets: the correlation is held, checked and factored as a full matrix, and
  /// 4,000 assets take about 13 s and 400 MB to `check` (10,000 took four minutes and 2.4 GB).
  public static let maximumAssets = 4_000
  /// The most values one path holds, `(steps + 1) × assets` (1 GiB of float64 prices).
  public static let maximumValuesPerPath = 1 << 27
  /// The most multiply-adds one path may take to correlate its shocks, `steps × assets²`
  /// (checked when any correlation is not the identity): about a second of work.
  public static let maximumCorrelationWork = 2_000_000_000
  /// The most correlation stresses in one variant.
  public static let maximumCorrelationStresses = 1000
  /// The most correlation matrices one variant may have in force, `(correlation stresses + 1)
  /// × regimes`, and the most bytes they may take with their factors.
  public static let maximumCorrelationMatrices = Int(UInt16.max)
  public static let maximumCorrelationBytes = 4 << 30
  /// A price may move at most by this factor, up or down, in one step through a stress: a
  /// shock's `1 + r` (compounded over the shocks of a step), `e^size` of a forced jump (summed
  /// over the jumps of a step) and `e^r` of a replayed historical return.
  public static let maximumStressFactor = 1e6
  /// The largest volatility multiplier, also compounded over overlapping windows.
  public static let maximumVolatilityMultiplier = 1000.0
  /// The largest jump-intensity multiplier of one stress (the product over overlapping
  /// windows is bounded by `ParameterLimits.maximumJumpsPerStep`).
  public static let maximumIntensityMultiplier = 1e6
  /// The most jumps a Kou path may expect over the horizon, `Σ λ · dt · steps` over the assets
  /// (a Kou path draws each jump; 10⁷ take about a fifth of a second).
  public static let maximumKouJumpsPerPath = 1e7
  /// The largest portfolio weight in magnitude (leverage of 100).
  public static let maximumPortfolioWeight = 100.0
  /// The largest median log price a model may reach at the horizon, `|log S₀ + g·T|` with `g`
  /// the log drift `μ − λκ − σ²/2` (GARCH: the mean per step times the steps): beyond, most
  /// paths overflow to ∞ or underflow to 0 (a double reaches e^±709).
  public static let maximumHorizonLogPrice = 700.0

  /// Why `name` cannot name a scenario, variant or asset, or `nil`: it must be 1 to
  /// `maximumNameBytes` bytes of letters, digits, `-`, `_` and `.`, not start with `.` (so
  /// neither `.` nor `..`, nor a hidden or temporary file).
  static func problem(withName name: String) -> String? {
    if name.isEmpty { return "is empty" }
    if name.utf8.count > maximumNameBytes {
      return "is \(name.utf8.count) bytes long, more than \(maximumNameBytes)"
    }
    if !name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
      return "holds characters other than letters, digits, '-', '_' and '.'"
    }
    if name.hasPrefix(".") { return "starts with '.' (names become file names)" }
    return nil
  }
}

extension Int {
  /// `self × other`, or `nil` on overflow.
  func multipliedChecked(by other: Int) -> Int? {
    let (product, overflow) = multipliedReportingOverflow(by: other)
    return overflow ? nil : product
  }
}
