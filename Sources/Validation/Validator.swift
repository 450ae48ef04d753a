import Dispatch
import Foundation
import Planner
import Risk

/// The real price series a run is compared with: one column per validated asset, aligned rows.
public struct RealSeries: Sendable {
  /// The history as read (`PriceTable.history`), columns in the validated assets' order.
  public let history: PriceHistory

  public init(history: PriceHistory) { self.history = history }
}

/// `scengine validate`: reads a run's price arrays and computes the report.
///
/// Work is split into blocks of paths; every path's figures land at its own index, so the
/// report is identical for any number of threads. Memory: the ensemble (the first
/// `ensemblePaths` paths; see `ensemblePaths(paths:points:assets:)`) is kept, about 2²³
/// doubles of prices plus 129 doubles per path and asset of statistics; the rest of a run's
/// paths is not read beyond its SHA-256 check.
public enum Validator {
  /// Prices kept per variant for the ensemble, in doubles (64 MiB).
  public static let ensembleBudget = 1 << 23
  /// The fewest paths an ensemble keeps whatever the budget.
  public static let minimumEnsemble = 200
  /// Paths per block read by one worker.
  static let blockPaths = 32
  /// The fan chart's quantile levels.
  public static let fanLevels = [0.05, 0.25, 0.5, 0.75, 0.95]
  /// The share of pooled synthetic returns in each tail that the return histogram may leave
  /// out of its range (the range always holds every real return).
  public static let histogramTail = 0.0005
  /// Horizons of the pooled distribution distances.
  public static let distanceHorizons = [1, 5, 21]

  /// N = min(P, max(200, ⌊2²³ / ((steps + 1) · A)⌋)).
  public static func ensemblePaths(paths: Int, points: Int, assets: Int) -> Int {
    min(paths, max(minimumEnsemble, ensembleBudget / max(1, points * assets)))
  }

  /// Validates `variants` of `run` over `assets` (names of the run's assets), against `real`
  /// (whose columns are those assets, in that order) when given.
  public static func validate(
    run: RunDirectory, assets: [String], variants: [String], real: RealSeries?, threads: Int
  ) throws(ValidationInputError) -> ValidationReport {
    let started = DispatchTime.now().uptimeNanoseconds
    let m = run.manifest
    let columns = assets.map { a in m.assets.firstIndex(of: a)! }
    let realReturns = real.map { $0.history.returnCount }
    let n = min(m.steps, realReturns ?? m.steps)
    guard m.steps >= SeriesStatistics.minimumReturns else {
      throw ValidationInputError(
        "\(run.path): the run has \(m.steps) steps; validate needs paths of at least "
          + "\(SeriesStatistics.minimumReturns) steps (lags up to 50 and 21-step returns)")
    }
    let shorter =
      realReturns.map { $0 < m.steps ? "real" : $0 > m.steps ? "synthetic" : "equal" }
      ?? "synthetic"
    let ensemble = ensemblePaths(paths: m.paths, points: m.steps + 1, assets: assets.count)
    let realFacts = real.map { RealFacts(history: $0.history, n: n, dt: m.dt) }

    var variantReports: [VariantReport] = []
    var risks: [VariantRisk] = []
    for variant in variants {
      let summary = try run.summary(variant: variant)
      let prices = try PriceArray(run: run, variant: variant)
      let sample = try EnsembleSample(
        prices: prices, columns: columns, paths: ensemble, n: n, dt: m.dt, threads: threads)
      variantReports.append(
        sample.report(
          variant: variant, assets: assets, real: realFacts,
          initial: columns.map {
            m.initial[$0]
          }))
      risks.append(VariantRisk(variant: variant, summary: summary, assets: assets))
    }
    risks = VariantRisk.withDifferences(risks)
    let real = real.map { r -> RealInfo in
      let h = r.history
      let labels = h.keys.map(h.label)
      return RealInfo(
        file: h.file, columns: h.columns, first: labels[0], last: labels[labels.count - 1],
        returns: h.returnCount, windowFirst: labels[labels.count - 1 - n],
        windowLast: labels[labels.count - 1], rowsDropped: h.rowsDropped)
    }
    return ValidationReport(
      version: EngineInfo.version,
      run: RunInfo(
        directory: run.path, scenario: m.scenario.name, seed: m.seed, paths: m.paths,
        steps: m.steps, dt: m.dt, assets: m.assets, validatedAssets: assets,
        initial: columns.map { m.initial[$0] }, dates: m.dates,
        manifestSHA256: run.manifestSHA256),
      real: real, returnsCompared: n, shorter: shorter, ensemblePaths: ensemble,
      score: variantReports.first?.score, variants: variantReports, risk: risks,
      seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
  }
}

/// The real series' side of every comparison.
struct RealFacts {
  /// Per asset: the statistics of the window of the last n returns (`SeriesStatistics` layout).
  let statistics: [[Double]]
  /// Per asset: every real log return, in time order.
  let returns: [[Double]]
  /// Per asset: the prices.
  let prices: [[Double]]
  /// The correlation matrix of the window's returns (row-major), when two or more assets.
  let correlation: [Double]?

  init(history: PriceHistory, n: Int, dt: Double) {
    prices = history.prices
    returns = history.logReturns
    let scratch = SeriesStatistics.Scratch(capacity: n)
    var statistics: [[Double]] = []
    for p in history.prices {
      var out = [Double](repeating: .nan, count: SeriesStatistics.count)
      let window = Array(p[(p.count - 1 - n)...])
      window.withUnsafeBufferPointer { w in
        out.withUnsafeMutableBufferPointer {
          SeriesStatistics.compute(prices: w, dt: dt, scratch: scratch, into: $0)
        }
      }
      statistics.append(out)
    }
    self.statistics = statistics
    let windows = returns.map { Array($0[($0.count - n)...]) }
    correlation = windows.count >= 2 ? correlationMatrix(windows) : nil
  }
}

/// The Pearson correlation matrix (row-major, diagonal 1) of equally long series; an entry is
/// NaN where a series is constant, or varies by rounding only
/// (`SeriesStatistics.spreadIsRounding`). Off-diagonal entries are clipped to [−1, 1] (as
/// numpy's `corrcoef`).
func correlationMatrix(_ series: [[Double]]) -> [Double] {
  let a = series.count
  let centred = series.map { s -> [Double] in
    let mean = s.withUnsafeBufferPointer { SeriesStatistics.sum($0) } / Double(s.count)
    return s.map { $0 - mean }
  }
  var c = [Double](repeating: 0, count: a * a)
  let norms = zip(series, centred).map { s, x in
    let norm = x.withUnsafeBufferPointer { SeriesStatistics.dot($0, $0, offset: 0) }
    let rounding = s.withUnsafeBufferPointer {
      SeriesStatistics.spreadIsRounding($0, sumOfSquares: norm)
    }
    return rounding ? 0 : norm
  }
  for i in 0..<a {
    c[i * a + i] = norms[i] > 0 ? 1 : .nan
    for j in (i + 1)..<max(a, i + 1) {
      let s = centred[i].withUnsafeBufferPointer { x in
        centred[j].withUnsafeBufferPointer { y in SeriesStatistics.dot(x, y, offset: 0) }
      }
      let v =
        norms[i] > 0 && norms[j] > 0
        ? min(1, max(-1, s / (norms[i] * norms[j]).squareRoot())) : .nan
      c[i * a + j] = v
      c[j * a + i] = v
    }
  }
  return c
}
