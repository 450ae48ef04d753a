/// A per-asset model parameter of a benchmark: one value for every asset, or values spaced
/// linearly from `first` (asset 0) to `last` (asset n − 1). `peers/peerlib.py`
/// (`asset_values`) reads its `tag` and computes the same doubles with the same operations.
public struct AssetSpread: Sendable, Equatable {
  public let first: Double
  public let last: Double

  /// The same value for every asset.
  public init(_ value: Double) {
    first = value
    last = value
  }

  /// Values spaced linearly across the assets, `first` to `last` inclusive.
  public init(from first: Double, to last: Double) {
    self.first = first
    self.last = last
  }

  /// `first + (last − first) · a / (n − 1)` for asset `a` (`first` for one asset).
  public func values(assets n: Int) -> [Double] {
    guard n > 1, first != last else { return Array(repeating: first, count: n) }
    return (0..<n).map { first + (last - first) * Double($0) / Double(n - 1) }
  }

  /// `"0.05"` for one value, `"0.02..0.1"` for a spread (Swift's shortest round-trip digits).
  public var tag: String { first == last ? "\(first)" : "\(first)..\(last)" }
}

/// The geometric Brownian motion that both the process suite and the end-to-end run simulate:
/// per-asset drift and volatility, one initial price, `stepsPerYear` steps a year.
public struct BenchmarkGBM: Sendable {
  public let drift: AssetSpread
  public let volatility: AssetSpread
  public let initialPrice: Double
  public let stepsPerYear: Int

  public init(
    drift: AssetSpread, volatility: AssetSpread, initialPrice: Double = 100,
    stepsPerYear: Int = 252
  ) {
    self.drift = drift
    self.volatility = volatility
    self.initialPrice = initialPrice
    self.stepsPerYear = stepsPerYear
  }

  /// One asset: drift 5%, volatility 20% a year.
  public static let single = BenchmarkGBM(drift: AssetSpread(0.05), volatility: AssetSpread(0.2))

  /// Many assets: drifts 2% to 10% and volatilities 10% to 40% a year, spaced linearly.
  public static let spread = BenchmarkGBM(
    drift: AssetSpread(from: 0.02, to: 0.10), volatility: AssetSpread(from: 0.10, to: 0.40))

  /// The step length in years, `1 / stepsPerYear` (the peers compute the same division).
  public var timeStep: Double { 1 / Double(stepsPerYear) }

  /// The model's tags: `mu`, `sigma`, `s0`, `year`.
  public var tags: [String: String] {
    ["mu": drift.tag, "sigma": volatility.tag, "s0": "\(initialPrice)", "year": "\(stepsPerYear)"]
  }
}

/// Block sizes of the suites.
public enum BenchmarkBlocks {
  /// The prices of a cache-sized block: 2¹⁷ doubles, 1 MiB.
  public static let cacheBlockValues = 1 << 17

  /// The largest power of two of paths whose prices (`steps + 1` per path and asset) fit in
  /// `cacheBlockValues`, at least 1: 512 paths for 252 steps × 1 asset, 8 for × 50 assets.
  public static func cacheSizedPaths(steps: Int, assets: Int) -> Int {
    let fit = cacheBlockValues / max(1, (steps + 1) * assets)
    var paths = 1
    while paths * 2 <= fit { paths *= 2 }
    return paths
  }
}

/// The worker threads of a benchmark run: `SCENGINE_BENCH_THREADS` (default 1). `compare.py`
/// starts a fresh suite process for every thread count; the suites put the count in the
/// `threads` tag, so that the peers use as many.
public enum BenchmarkThreads {
  public static var count: Int { max(1, environmentInteger("SCENGINE_BENCH_THREADS") ?? 1) }
}
