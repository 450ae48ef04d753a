import Foundation
import Risk

extension Band {
  /// The band of the finite `values` with `real` (NaN or nil: no real value).
  init(values: some Sequence<Double>, real: Double?) {
    var v = values.filter(\.isFinite)
    let real = real.flatMap { $0.isFinite ? $0 : nil }
    guard !v.isEmpty else {
      self.init(median: nil, p05: nil, p95: nil, defined: 0, real: real, rank: nil, inside: nil)
      return
    }
    let q = v.withUnsafeMutableBufferPointer { linearQuantiles($0, [0.5, 0.05, 0.95]) }
    var rank: Double?
    var inside: Bool?
    if let real {
      var below = 0
      var equal = 0
      for x in v {
        if x < real { below += 1 } else if x == real { equal += 1 }
      }
      rank = 100 * (Double(below) + 0.5 * Double(equal)) / Double(v.count)
      // Within rounding of the band counts as inside: a drift-only asset's mean return is
      // 4e-16 on the model's side where the real one is 0.
      let rounding = 64 * Double.ulpOfOne * max(1, abs(q[1]), abs(q[2]))
      inside = q[1] - rounding <= real && real <= q[2] + rounding
    }
    self.init(
      median: q[0], p05: q[1], p95: q[2], defined: v.count, real: real, rank: rank,
      inside: inside)
  }
}

extension Array where Element == Double {
  /// The first index whose element satisfies `predicate`, for a predicate false then true.
  func partitioningIndex(where predicate: (Double) -> Bool) -> Int {
    var lo = 0
    var hi = count
    while lo < hi {
      let mid = (lo + hi) / 2
      if predicate(self[mid]) { hi = mid } else { lo = mid + 1 }
    }
    return lo
  }
}

extension EnsembleSample {
  /// The variant's report: statistics and curves per asset with their bands, correlation,
  /// distribution distances and chart data.
  func report(variant: String, assets names: [String], real: RealFacts?, initial: [Double])
    -> VariantReport
  {
    var assetReports: [AssetReport] = []
    var inside = 0
    var scored = 0
    func tally(_ band: Band) {
      guard let i = band.inside else { return }
      scored += 1
      if i { inside += 1 }
    }
    // Every band, pooled sample and fan column is independent: computed in parallel, each
    // into its own place, then assembled in order.
    let count = SeriesStatistics.count
    let bands = parallelMap(assets * count, threads: threads) { i in
      Band(
        values: statistic(asset: i / count, i % count), real: real?.statistics[i / count][i % count]
      )
    }
    let horizons = Validator.distanceHorizons
    let pooled = parallelMap(assets * horizons.count, threads: threads) { i in
      sortedPooled(asset: i / horizons.count, horizon: i % horizons.count)
    }
    let fans = parallelMap(assets * points, threads: threads) { i in
      fanColumn(asset: i / points, point: i % points)
    }
    for (a, name) in names.enumerated() {
      let ownBands = Array(bands[(a * count)..<((a + 1) * count)])
      var statistics: [Statistic] = []
      for (s, scalar) in SeriesStatistics.scalars.enumerated() {
        tally(ownBands[s])
        statistics.append(
          Statistic(name: scalar.name, label: scalar.label, group: scalar.group, band: ownBands[s]))
      }
      let curves = [
        (
          "acf_abs", "Autocorrelation of |r|", SeriesStatistics.absOffset,
          SeriesStatistics.clusteringLags
        ),
        (
          "acf_sq", "Autocorrelation of r²", SeriesStatistics.squareOffset,
          SeriesStatistics.clusteringLags
        ),
        (
          "leverage", "corr(rₜ, r²ₜ₊ₖ)", SeriesStatistics.leverageOffset,
          SeriesStatistics.leverageLags
        ),
      ].map { key, label, offset, lags in
        Curve(
          name: key, label: label, lags: Array(1...lags),
          bands: Array(ownBands[offset..<(offset + lags)]))
      }
      let distances = real.map { r in
        horizons.enumerated().map { j, h in
          let x = radixSorted(aggregated(r.returns[a], horizon: h).filter(\.isFinite))
          let y = pooled[a * horizons.count + j]
          return DistributionDistance(
            horizon: h, realCount: x.count, syntheticCount: y.count,
            ks: kolmogorovSmirnov(x, y), wasserstein: wasserstein(x, y))
        }
      }
      let fan = (0..<Validator.fanLevels.count).map { q in
        (0..<points).map { fans[a * points + $0][q] }
      }
      assetReports.append(
        AssetReport(
          name: name, statistics: statistics, curves: curves, distributions: distances,
          charts: charts(asset: a, fan: fan, pooled: pooled[a * horizons.count], real: real)))
    }
    var correlation: CorrelationReport?
    if assets >= 2 {
      correlation = correlationReport(real: real?.correlation)
      tally(correlation!.statistic.band)
    }
    return VariantReport(
      name: variant, score: scored > 0 ? Double(inside) / Double(scored) : nil, inside: inside,
      scored: scored, assets: assetReports, correlation: correlation)
  }

  /// The fan chart's quantiles of the prices at one point, over the ensemble.
  func fanColumn(asset a: Int, point t: Int) -> [Double] {
    var values = column(asset: a, point: t).filter(\.isFinite)
    guard !values.isEmpty else { return Validator.fanLevels.map { _ in .nan } }
    return values.withUnsafeMutableBufferPointer { linearQuantiles($0, Validator.fanLevels) }
  }

  /// The pooled sums of asset `a` at horizon number `j`, finite ones, sorted (in place).
  func sortedPooled(asset a: Int, horizon j: Int) -> UnsafeBufferPointer<Double> {
    let buffer = pooled[a][j]
    let count = paths * (steps / Validator.distanceHorizons[j])
    var finite = 0
    for i in 0..<count where buffer[i].isFinite {
      buffer[finite] = buffer[i]
      finite += 1
    }
    let spare = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(1, finite))
    defer { spare.deallocate() }
    let values = UnsafeMutableBufferPointer(rebasing: buffer[0..<finite])
    radixSortInPlace(values, spare: UnsafeMutableBufferPointer(rebasing: spare[0..<finite]))
    return UnsafeBufferPointer(values)
  }

  /// The correlation report: the ensemble's mean matrix, the real one, and the band of each
  /// path's Frobenius distance to the mean.
  func correlationReport(real: [Double]?) -> CorrelationReport {
    let k = pairCount
    var mean = [Double](repeating: .nan, count: k)
    for q in 0..<k {
      let values = UnsafeBufferPointer(rebasing: pairs[(q * paths)..<((q + 1) * paths)])
        .filter(\.isFinite)
      if !values.isEmpty {
        mean[q] = values.withUnsafeBufferPointer { SeriesStatistics.sum($0) } / Double(values.count)
      }
    }
    func distance(_ value: (Int) -> Double) -> Double {
      var s = 0.0
      for q in 0..<k {
        let d = value(q) - mean[q]
        s += d * d
      }
      return (2 * s).squareRoot()
    }
    let perPath = (0..<paths).map { path in distance { pairs[$0 * paths + path] } }
    let realPairs = real.map { m in upperTriangle(m, assets) }
    let realDistance = realPairs.map { r in distance { r[$0] } }
    let band = Band(values: perPath, real: realDistance)
    return CorrelationReport(
      real: real.map { m in (0..<assets).map { Array(m[($0 * assets)..<(($0 + 1) * assets)]) } },
      synthetic: square(mean, assets),
      distance: realDistance.flatMap { $0.isFinite ? $0 : nil },
      statistic: Statistic(
        name: "correlation_distance",
        label: "Frobenius distance of the correlation matrix to the ensemble mean",
        group: "correlation", band: band))
  }

  /// Chart data for one asset.
  func charts(
    asset a: Int, fan: [[Double]], pooled finitePooled: UnsafeBufferPointer<Double>,
    real: RealFacts?
  ) -> AssetCharts {
    let realReturns = real.map { $0.returns[a].filter(\.isFinite) }
    // The histogram spans every real return and the central 99.9% of the pooled synthetic
    // ones: a few extreme synthetic draws would otherwise squeeze the body into a few bins.
    let clip = Validator.histogramTail
    let lo = min(
      finitePooled.isEmpty ? .infinity : SeriesStatistics.linearQuantile(finitePooled, clip),
      realReturns?.min() ?? .infinity)
    let hi = max(
      finitePooled.isEmpty ? -.infinity : SeriesStatistics.linearQuantile(finitePooled, 1 - clip),
      realReturns?.max() ?? -.infinity)
    let edges = lo <= hi ? histogramEdges(lo, hi, bins: 60) : histogramEdges(0, 0, bins: 60)
    let mean =
      SeriesStatistics.sum(finitePooled) / Double(max(1, finitePooled.count))
    let sd =
      (finitePooled.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
      / Double(max(1, finitePooled.count - 1))).squareRoot()
    let centres = (0..<60).map { (edges[$0] + edges[$0 + 1]) / 2 }
    let normal = centres.map { x in
      sd > 0
        ? exp(-0.5 * ((x - mean) / sd) * ((x - mean) / sd)) / (sd * (2 * Double.pi).squareRoot())
        : 0
    }
    let probabilities = Self.qqProbabilities
    let drawdowns = Array(statistic(asset: a, SeriesStatistics.scalars.count - 1)).filter(
      \.isFinite)
    let ddEdges = histogramEdges(0, drawdowns.max() ?? 0, bins: 40)
    return AssetCharts(
      fanLevels: Validator.fanLevels, fan: fan,
      realHistory: real.map { Array($0.prices[a].suffix(points)) },
      histogramEdges: edges,
      histogramSynthetic: density(finitePooled, count: finitePooled.count, edges),
      histogramReal: realReturns.map { density($0, count: $0.count, edges) },
      histogramNormal: normal,
      qqProbabilities: probabilities, qqNormal: probabilities.map(normalQuantile),
      qqSynthetic: standardizedQuantiles(finitePooled, probabilities),
      qqReal: realReturns.map { r in
        radixSorted(r).withUnsafeBufferPointer { standardizedQuantiles($0, probabilities) }
      },
      drawdownEdges: ddEdges, drawdownDensity: density(drawdowns, count: drawdowns.count, ddEdges))
  }

  /// Probabilities of the QQ plot: dense in the tails.
  static let qqProbabilities: [Double] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025]
    + stride(from: 0.05, through: 0.9501, by: 0.025).map { ($0 * 1000).rounded() / 1000 }
    + [0.975, 0.99, 0.995, 0.9975, 0.999, 0.9995]
}

/// Non-overlapping sums of `h` consecutive values from the first.
func aggregated(_ r: [Double], horizon h: Int) -> [Double] {
  guard h > 1 else { return r }
  return (0..<(r.count / h)).map { j in
    var s = 0.0
    for t in (j * h)..<(j * h + h) { s += r[t] }
    return s
  }
}

/// sup |F_x − F_y| of two sorted samples of finite numbers (two-sample Kolmogorov–Smirnov
/// statistic). Each step passes at least one value, so the walk ends on any input.
func kolmogorovSmirnov<X: RandomAccessCollection<Double>, Y: RandomAccessCollection<Double>>(
  _ x: X, _ y: Y
) -> Double where X.Index == Int, Y.Index == Int {
  guard !x.isEmpty, !y.isEmpty else { return .nan }
  var i = 0
  var j = 0
  var d = 0.0
  while i < x.count && j < y.count {
    let v = min(x[i], y[j])
    let (i0, j0) = (i, j)
    while i < x.count && x[i] <= v { i += 1 }
    while j < y.count && y[j] <= v { j += 1 }
    if i == i0 && j == j0 { return .nan }  // a NaN: no order to walk
    d = max(d, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
  }
  return d
}

/// ∫ |F_x − F_y| dx of two sorted samples of finite numbers (Wasserstein-1 distance). Each
/// step passes at least one value, so the walk ends on any input.
func wasserstein<X: RandomAccessCollection<Double>, Y: RandomAccessCollection<Double>>(
  _ x: X, _ y: Y
) -> Double where X.Index == Int, Y.Index == Int {
  guard !x.isEmpty, !y.isEmpty else { return .nan }
  var i = 0
  var j = 0
  var total = 0.0
  var previous = min(x[0], y[0])
  while i < x.count || j < y.count {
    let v = min(i < x.count ? x[i] : .infinity, j < y.count ? y[j] : .infinity)
    total += abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)) * (v - previous)
    previous = v
    let (i0, j0) = (i, j)
    while i < x.count && x[i] <= v { i += 1 }
    while j < y.count && y[j] <= v { j += 1 }
    if i == i0 && j == j0 { return .nan }  // a NaN: no order to walk
  }
  return total
}

/// `bins + 1` equally spaced edges over [lo, hi] (a unit-wide range around lo when equal).
func histogramEdges(_ lo: Double, _ hi: Double, bins: Int) -> [Double] {
  let (a, b) = hi > lo ? (lo, hi) : (lo - 0.5, lo + 0.5)
  return (0...bins).map { $0 == bins ? b : a + (b - a) * Double($0) / Double(bins) }
}

/// Densities (count / (N · width)) of `values` over `edges`; the last bin is closed.
func density(_ values: some Sequence<Double>, count: Int, _ edges: [Double]) -> [Double] {
  let bins = edges.count - 1
  var counts = [Int](repeating: 0, count: bins)
  let lo = edges[0]
  let width = (edges[bins] - lo) / Double(bins)
  for v in values where v >= lo && v <= edges[bins] {
    counts[min(bins - 1, max(0, Int((v - lo) / width)))] += 1
  }
  let total = Double(max(1, count))
  return counts.map { Double($0) / (total * width) }
}

/// The standardized linear quantiles ((Q(p) − mean) / sd, sd with n − 1) of sorted values.
func standardizedQuantiles(_ sorted: UnsafeBufferPointer<Double>, _ probabilities: [Double])
  -> [Double]
{
  guard sorted.count >= 2 else { return probabilities.map { _ in .nan } }
  let mean = SeriesStatistics.sum(sorted) / Double(sorted.count)
  var ss = 0.0
  for v in sorted { ss += (v - mean) * (v - mean) }
  let sd = (ss / Double(sorted.count - 1)).squareRoot()
  return probabilities.map { (SeriesStatistics.linearQuantile(sorted, $0) - mean) / sd }
}

/// The entries above the diagonal of a row-major a × a matrix, row by row.
func upperTriangle(_ m: [Double], _ a: Int) -> [Double] {
  var out: [Double] = []
  for i in 0..<a { for j in (i + 1)..<max(a, i + 1) { out.append(m[i * a + j]) } }
  return out
}

/// The symmetric matrix with unit diagonal whose upper triangle is `pairs`.
func square(_ pairs: [Double], _ a: Int) -> [[Double]] {
  var m = Array(repeating: [Double](repeating: 1, count: a), count: a)
  var k = 0
  for i in 0..<a {
    for j in (i + 1)..<max(a, i + 1) {
      m[i][j] = pairs[k]
      m[j][i] = pairs[k]
      k += 1
    }
  }
  return m
}

extension VariantRisk {
  /// The risk figures of one variant from its summary: the portfolio first, then `assets`.
  init(variant: String, summary: RiskSummary, assets: [String]) {
    var series: [SeriesRisk] = []
    let named =
      (summary.portfolio.map { [("portfolio", $0)] } ?? [])
      + assets.compactMap { a in summary.assets[a].map { (a, $0) } }
    for (name, risk) in named {
      let r = risk.terminalReturn
      series.append(
        SeriesRisk(
          series: name, var95: r.valueAtRisk95, var99: r.valueAtRisk99,
          es95: r.expectedShortfall95, es99: r.expectedShortfall99,
          drawdown: risk.maxDrawdown.quantiles, difference: [:]))
    }
    self.init(variant: variant, paths: summary.paths, series: series)
  }

  /// Fills each series' difference to the first variant's same series.
  static func withDifferences(_ risks: [VariantRisk]) -> [VariantRisk] {
    guard let first = risks.first else { return risks }
    return risks.map { v in
      var v = v
      for i in v.series.indices {
        guard let base = first.series.first(where: { $0.series == v.series[i].series }) else {
          continue
        }
        let s = v.series[i]
        var d: [String: Double] = [
          "var_95": s.var95 - base.var95, "var_99": s.var99 - base.var99,
          "es_95": s.es95 - base.es95, "es_99": s.es99 - base.es99,
        ]
        for (q, value) in s.drawdown {
          if let b = base.drawdown[q] { d["max_drawdown_" + q] = value - b }
        }
        v.series[i].difference = d
      }
      return v
    }
  }
}
