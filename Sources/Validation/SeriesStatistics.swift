import Foundation

/// The stylized facts of one price series over n returns, the same computation for a real
/// window and for every synthetic path, so that a real value and its ensemble are comparable.
///
/// For prices P₀…Pₙ (positive) and log returns rₜ = ln(Pₜ / Pₜ₋₁), t = 1…n, with `dt` years per
/// step, the values are, in `layout` order:
///
/// - `ann_mean` = r̄ / dt and `ann_vol` = s / √dt, s the sample deviation (n − 1 denominator):
///   annualized, decimal.
/// - `skewness` m₃ / m₂^{3/2} and `excess_kurtosis` m₄ / m₂² − 3 with the biased central moments
///   mₖ = (1/n) Σ (rₜ − r̄)ᵏ (`scipy.stats.skew`, `scipy.stats.kurtosis`); NaN when m₂ = 0.
/// - `hill_left`, `hill_right`: Hill's estimator of the tail index of losses x = −r and of gains
///   x = r, over the k = max(2, ⌊0.05 n⌋) largest: α̂ = k / Σᵢ₌₁ᵏ ln(x₍ᵢ₎ / x₍ₖ₊₁₎), x₍₁₎ ≥ x₍₂₎ ≥ …
///   (Hill 1975); NaN when x₍ₖ₊₁₎ ≤ 0. A normal tail gives large values, a power tail with
///   P(X > x) ~ x^{−α} gives α.
/// - `quantile_01`, `quantile_99`: linear (type 7) quantiles of r.
/// - `acf_1`, `acf_2`, `acf_5`, `acf_10`, `acf_20`: the sample autocorrelation
///   ρ(k) = Σₜ₌₁ⁿ⁻ᵏ (rₜ − r̄)(rₜ₊ₖ − r̄) / Σₜ₌₁ⁿ (rₜ − r̄)² (Box–Jenkins; statsmodels `acf`).
/// - `acf_abs_sum`, `acf_sq_sum`: Σₖ₌₁⁵⁰ of the same autocorrelation of |rₜ| and of rₜ², each
///   centred on its own mean: volatility clustering (Cont 2001, facts 7 and 8).
/// - `leverage_sum`: Σₖ₌₁¹⁰ L(k), L(k) the Pearson correlation of (rₜ, r²ₜ₊ₖ) over the n − k
///   pairs, each centred on its pairs' mean: negative when falls raise later volatility (fact 9).
/// - `kurtosis_5`, `kurtosis_21`: the excess kurtosis of the non-overlapping sums of h = 5 and
///   h = 21 consecutive returns from the first (aggregational Gaussianity, fact 5).
/// - `max_drawdown`: maxₜ (1 − Pₜ / max_{s≤t} Pₛ) over P₀…Pₙ, a fraction of the peak.
///
/// followed by the curves ρ_{|r|}(1…50), ρ_{r²}(1…50) and L(1…10).
///
/// Reference: R. Cont, "Empirical properties of asset returns: stylized facts and statistical
/// issues", Quantitative Finance 1(2), 2001, pp. 223–236. B. M. Hill, "A simple general approach
/// to inference about the tail of a distribution", Annals of Statistics 3(5), 1975.
public enum SeriesStatistics {
  /// A scalar statistic: key, label with units, group.
  public struct Scalar: Sendable {
    public let name: String
    public let label: String
    public let group: String
  }

  /// The scalar statistics, in layout order.
  public static let scalars: [Scalar] = [
    .init(name: "ann_mean", label: "Annualized mean log return", group: "moments"),
    .init(name: "ann_vol", label: "Annualized volatility", group: "moments"),
    .init(name: "skewness", label: "Skewness", group: "moments"),
    .init(name: "excess_kurtosis", label: "Excess kurtosis (1 step)", group: "moments"),
    .init(name: "hill_left", label: "Hill tail index, losses (top 5%)", group: "tails"),
    .init(name: "hill_right", label: "Hill tail index, gains (top 5%)", group: "tails"),
    .init(name: "quantile_01", label: "1% return quantile (log return)", group: "tails"),
    .init(name: "quantile_99", label: "99% return quantile (log return)", group: "tails"),
    .init(name: "acf_1", label: "Autocorrelation of returns, lag 1", group: "autocorrelation"),
    .init(name: "acf_2", label: "Autocorrelation of returns, lag 2", group: "autocorrelation"),
    .init(name: "acf_5", label: "Autocorrelation of returns, lag 5", group: "autocorrelation"),
    .init(name: "acf_10", label: "Autocorrelation of returns, lag 10", group: "autocorrelation"),
    .init(name: "acf_20", label: "Autocorrelation of returns, lag 20", group: "autocorrelation"),
    .init(
      name: "acf_abs_sum", label: "Σ autocorrelation of |r|, lags 1–50",
      group: "volatility_clustering"),
    .init(
      name: "acf_sq_sum", label: "Σ autocorrelation of r², lags 1–50",
      group: "volatility_clustering"),
    .init(name: "leverage_sum", label: "Σ corr(rₜ, r²ₜ₊ₖ), k = 1–10", group: "leverage"),
    .init(name: "kurtosis_5", label: "Excess kurtosis of 5-step returns", group: "aggregational"),
    .init(
      name: "kurtosis_21", label: "Excess kurtosis of 21-step returns", group: "aggregational"),
    .init(name: "max_drawdown", label: "Maximum drawdown (fraction of peak)", group: "drawdown"),
  ]

  /// The lags of `acf_1` … `acf_20`.
  public static let returnLags = [1, 2, 5, 10, 20]
  /// Lags 1…`clusteringLags` of the |r| and r² autocorrelations.
  public static let clusteringLags = 50
  /// Lags 1…`leverageLags` of the leverage correlation.
  public static let leverageLags = 10
  /// Horizons of the aggregational kurtosis.
  public static let aggregationHorizons = [5, 21]
  /// The fewest returns a series needs (the largest lag plus ten).
  public static let minimumReturns = 60

  /// Offsets of the three curves in the layout.
  public static let absOffset = scalars.count
  public static let squareOffset = absOffset + clusteringLags
  public static let leverageOffset = squareOffset + clusteringLags
  /// Values per series.
  public static let count = leverageOffset + leverageLags

  /// Scratch space for one series of up to `capacity` returns.
  public struct Scratch: ~Copyable {
    let capacity: Int
    let r: UnsafeMutableBufferPointer<Double>
    let a: UnsafeMutableBufferPointer<Double>
    let b: UnsafeMutableBufferPointer<Double>
    let keys: UnsafeMutableBufferPointer<UInt64>
    public init(capacity: Int) {
      keys = .allocate(capacity: 2 * max(capacity, 1))
      self.capacity = capacity
      r = .allocate(capacity: max(capacity, 1))
      a = .allocate(capacity: max(capacity, 1))
      b = .allocate(capacity: max(capacity, 1))
    }
    deinit {
      r.deallocate()
      a.deallocate()
      b.deallocate()
      keys.deallocate()
    }
  }

  /// Computes every value of the series `prices` (n + 1 prices, n ≥ `minimumReturns`) into
  /// `out` (`count` values).
  public static func compute(
    prices: UnsafeBufferPointer<Double>, dt: Double, scratch: borrowing Scratch,
    into out: UnsafeMutableBufferPointer<Double>
  ) {
    let n = prices.count - 1
    precondition(n >= 1 && n <= scratch.capacity)
    let r = UnsafeMutableBufferPointer(rebasing: scratch.r[0..<n])
    for t in 0..<n { r[t] = log(prices[t + 1] / prices[t]) }
    compute(prices: prices, returns: UnsafeBufferPointer(r), dt: dt, scratch: scratch, into: out)
  }

  /// Computes every value of the series `prices` (n + 1 prices) whose log returns
  /// ln(Pₜ / Pₜ₋₁) are `returns` (n of them, computed by the caller) into `out`.
  static func compute(
    prices: UnsafeBufferPointer<Double>, returns r: UnsafeBufferPointer<Double>, dt: Double,
    scratch: borrowing Scratch, into out: UnsafeMutableBufferPointer<Double>
  ) {
    let n = r.count
    precondition(
      n >= 1 && prices.count == n + 1 && n <= scratch.capacity && out.count >= count)
    // A series with a price that is not positive and finite has no statistics (every value
    // NaN, so the bands leave it out).
    for t in 0..<n where !r[t].isFinite {
      for j in 0..<count { out[j] = .nan }
      return
    }
    var i = 0
    func put(_ v: Double) {
      out[i] = v
      i += 1
    }
    // Moments.
    let mean = sum(r) / Double(n)
    var m2 = 0.0
    var m3 = 0.0
    var m4 = 0.0
    for t in 0..<n {
      let d = r[t] - mean
      let d2 = d * d
      m2 += d2
      m3 += d2 * d
      m4 += d2 * d2
    }
    let ss = m2
    m2 /= Double(n)
    m3 /= Double(n)
    m4 /= Double(n)
    put(mean / dt)
    put((ss / Double(n - 1)).squareRoot() / dt.squareRoot())
    put(m2 > 0 ? m3 / (m2 * m2.squareRoot()) : .nan)
    put(m2 > 0 ? m4 / (m2 * m2) - 3 : .nan)
    // Tails, from a sorted copy.
    // Only the tails need their order: the k + 1 extremes (Hill) and the neighbours of the 1%
    // and 99% quantiles are selected to their sorted places.
    let sorted = UnsafeMutableBufferPointer(rebasing: scratch.a[0..<n])
    _ = sorted.initialize(from: r)
    let k = max(2, Int(0.05 * Double(n)))
    let lowCount = max(k + 1, Int((Double(n - 1) * 0.01).rounded(.down)) + 2)
    let highCount = max(k + 1, n - Int((Double(n - 1) * 0.99).rounded(.down)))
    if lowCount + highCount >= n {
      radixSort(
        sorted, keys: UnsafeMutableBufferPointer(rebasing: scratch.keys[0..<n]),
        spare: UnsafeMutableBufferPointer(rebasing: scratch.keys[n..<(2 * n)]))
    } else {
      select(sorted, ranks: [lowCount - 1, n - highCount])
      var low = UnsafeMutableBufferPointer(rebasing: sorted[0..<lowCount])
      low.sort()
      var high = UnsafeMutableBufferPointer(rebasing: sorted[(n - highCount)...])
      high.sort()
    }
    put(hill(count: k) { -sorted[$0] })
    put(hill(count: k) { sorted[n - 1 - $0] })
    put(linearQuantile(UnsafeBufferPointer(sorted), 0.01))
    put(linearQuantile(UnsafeBufferPointer(sorted), 0.99))
    // Autocorrelation of returns.
    let centred = UnsafeMutableBufferPointer(rebasing: scratch.a[0..<n])
    for t in 0..<n { centred[t] = r[t] - mean }
    let acf = autocorrelations(UnsafeBufferPointer(centred), maximumLag: returnLags.last!)
    for lag in returnLags { put(acf[lag - 1]) }
    // Volatility clustering: |r| and r², each centred on its own mean.
    let absolute = autocorrelations(centring: r, transform: { abs($0) }, scratch: scratch)
    let squared = autocorrelations(centring: r, transform: { $0 * $0 }, scratch: scratch)
    put(absolute.reduce(0, +))
    put(squared.reduce(0, +))
    let leverage = (1...leverageLags).map { leverageCorrelation(r, lag: $0, scratch: scratch) }
    put(leverage.reduce(0, +))
    for h in aggregationHorizons { put(aggregatedKurtosis(r, horizon: h, scratch: scratch)) }
    put(maximumDrawdown(prices))
    precondition(i == absOffset)
    for v in absolute { put(v) }
    for v in squared { put(v) }
    for v in leverage { put(v) }
    // Returns that spread no more than rounding does have no shape: a zero-volatility asset's
    // ln(Pₜ/Pₜ₋₁) differ from its drift by the prices' rounding, a few ε (about 1e-16, while
    // a market's daily spread is 1e-3 or more). Their volatility is 0 and every statistic of
    // their spread is undefined (NaN), not a statistic of rounding noise. The mean, the
    // quantiles and the drawdown stay.
    if spreadIsRounding(r, sumOfSquares: ss) {
      let kept: Set<String> = ["ann_mean", "quantile_01", "quantile_99", "max_drawdown"]
      for (j, scalar) in scalars.enumerated() where !kept.contains(scalar.name) {
        out[j] = scalar.name == "ann_vol" ? 0 : .nan
      }
      for j in absOffset..<count { out[j] = .nan }
    }
  }

  /// Whether log returns `r`, whose squared deviations from their mean sum to `sumOfSquares`,
  /// spread no more than rounding does: a standard deviation within 64 ε of max(1, max |r|).
  /// A volatility-0 asset's returns differ from its drift by the prices' rounding (about
  /// 1e-16); a market's daily spread is 1e-3 or more. Such a series has volatility 0 and no
  /// correlation with anything.
  static func spreadIsRounding(_ r: UnsafeBufferPointer<Double>, sumOfSquares: Double) -> Bool {
    let largest = r.reduce(0.0) { max($0, abs($1)) }
    return (sumOfSquares / Double(max(r.count, 1))).squareRoot()
      <= 64 * Double.ulpOfOne * max(1, largest)
  }

  /// Σ of the values, in four interleaved partial sums (as vector lanes) added at the end.
  @inline(__always)
  static func sum(_ x: UnsafeBufferPointer<Double>) -> Double {
    let n = x.count
    var s = SIMD4<Double>()
    var t = 0
    while t + 4 <= n {
      s += SIMD4(x[t], x[t + 1], x[t + 2], x[t + 3])
      t += 4
    }
    var total = (s[0] + s[1]) + (s[2] + s[3])
    while t < n {
      total += x[t]
      t += 1
    }
    return total
  }

  /// Hill's estimator over the `k` largest of x₍₀₎ ≥ x₍₁₎ ≥ … (`x(i)` the i-th largest).
  static func hill(count k: Int, _ x: (Int) -> Double) -> Double {
    let threshold = x(k)
    guard threshold > 0 else { return .nan }
    var s = 0.0
    for i in 0..<k { s += log(x(i) / threshold) }
    return s > 0 ? Double(k) / s : .nan
  }

  /// The linear (Hyndman–Fan type 7, numpy default) quantile of sorted values.
  public static func linearQuantile(_ sorted: UnsafeBufferPointer<Double>, _ p: Double) -> Double {
    let h = Double(sorted.count - 1) * p
    let lo = Int(h.rounded(.down))
    let hi = min(lo + 1, sorted.count - 1)
    let g = h - Double(lo)
    let a = sorted[lo]
    let b = sorted[hi]
    // numpy's lerp: from the nearer end, so that the quantile is monotone in p.
    return g >= 0.5 ? b - (b - a) * (1 - g) : a + (b - a) * g
  }

  /// ρ(1…maximumLag) of centred values x: Σ xₜxₜ₊ₖ / Σ xₜ²; NaN when Σ xₜ² = 0.
  static func autocorrelations(_ x: UnsafeBufferPointer<Double>, maximumLag: Int) -> [Double] {
    let n = x.count
    var denominator = 0.0
    for t in 0..<n { denominator += x[t] * x[t] }
    return (1...maximumLag).map { k in
      guard k < n, denominator > 0 else { return .nan }
      return dot(x, x, offset: k) / denominator
    }
  }

  /// ρ(1…`clusteringLags`) of f(rₜ) centred on its mean.
  static func autocorrelations(
    centring r: UnsafeBufferPointer<Double>, transform f: (Double) -> Double,
    scratch: borrowing Scratch
  ) -> [Double] {
    let n = r.count
    let x = UnsafeMutableBufferPointer(rebasing: scratch.b[0..<n])
    for t in 0..<n { x[t] = f(r[t]) }
    let mean = sum(UnsafeBufferPointer(x)) / Double(n)
    for t in 0..<n { x[t] -= mean }
    return autocorrelations(UnsafeBufferPointer(x), maximumLag: clusteringLags)
  }

  /// Σₜ x[t] · y[t + offset] over t = 0 ..< n − offset, in four interleaved partial sums.
  @inline(__always)
  static func dot(_ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>, offset: Int)
    -> Double
  {
    let m = x.count - offset
    guard m > 0 else { return 0 }
    // Four vector accumulators: independent chains of additions keep the adder busy.
    var s0 = SIMD4<Double>()
    var s1 = SIMD4<Double>()
    var s2 = SIMD4<Double>()
    var s3 = SIMD4<Double>()
    var t = 0
    let px = UnsafeRawPointer(x.baseAddress!)
    let py = UnsafeRawPointer(y.baseAddress! + offset)
    while t + 16 <= m {
      let o = 8 * t
      s0 +=
        px.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
        * py.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
      s1 +=
        px.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Double>.self)
        * py.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Double>.self)
      s2 +=
        px.loadUnaligned(fromByteOffset: o + 64, as: SIMD4<Double>.self)
        * py.loadUnaligned(fromByteOffset: o + 64, as: SIMD4<Double>.self)
      s3 +=
        px.loadUnaligned(fromByteOffset: o + 96, as: SIMD4<Double>.self)
        * py.loadUnaligned(fromByteOffset: o + 96, as: SIMD4<Double>.self)
      t += 16
    }
    while t + 4 <= m {
      s0 +=
        px.loadUnaligned(fromByteOffset: 8 * t, as: SIMD4<Double>.self)
        * py.loadUnaligned(fromByteOffset: 8 * t, as: SIMD4<Double>.self)
      t += 4
    }
    let s = (s0 + s1) + (s2 + s3)
    var total = (s[0] + s[1]) + (s[2] + s[3])
    let ex = x.baseAddress!
    let ey = y.baseAddress! + offset
    while t < m {
      total += ex[t] * ey[t]
      t += 1
    }
    return total
  }

  /// The Pearson correlation of (rₜ, r²ₜ₊ₖ), t = 0 ..< n − k, centred on the pairs' means.
  static func leverageCorrelation(
    _ r: UnsafeBufferPointer<Double>, lag k: Int, scratch: borrowing Scratch
  ) -> Double {
    let m = r.count - k
    guard m >= 2 else { return .nan }
    let y = UnsafeMutableBufferPointer(rebasing: scratch.b[0..<m])
    for t in 0..<m { y[t] = r[t + k] * r[t + k] }
    let mx = sum(UnsafeBufferPointer(rebasing: r[0..<m])) / Double(m)
    let my = sum(UnsafeBufferPointer(y)) / Double(m)
    var sxy = SIMD4<Double>()
    var sxx = SIMD4<Double>()
    var syy = SIMD4<Double>()
    var t = 0
    let pr = UnsafeRawPointer(r.baseAddress!)
    let py = UnsafeRawPointer(y.baseAddress!)
    while t + 4 <= m {
      let dx = pr.loadUnaligned(fromByteOffset: 8 * t, as: SIMD4<Double>.self) - mx
      let dy = py.loadUnaligned(fromByteOffset: 8 * t, as: SIMD4<Double>.self) - my
      sxy += dx * dy
      sxx += dx * dx
      syy += dy * dy
      t += 4
    }
    var (xy, xx, yy) = (sxy.sum(), sxx.sum(), syy.sum())
    while t < m {
      let dx = r[t] - mx
      let dy = y[t] - my
      xy += dx * dy
      xx += dx * dx
      yy += dy * dy
      t += 1
    }
    guard xx > 0, yy > 0 else { return .nan }
    return xy / (xx * yy).squareRoot()
  }

  /// The excess kurtosis (biased) of the non-overlapping sums of `horizon` returns.
  static func aggregatedKurtosis(
    _ r: UnsafeBufferPointer<Double>, horizon h: Int, scratch: borrowing Scratch
  ) -> Double {
    let m = r.count / h
    guard m >= 2 else { return .nan }
    let a = UnsafeMutableBufferPointer(rebasing: scratch.b[0..<m])
    for j in 0..<m {
      var s = 0.0
      for t in (j * h)..<(j * h + h) { s += r[t] }
      a[j] = s
    }
    return excessKurtosis(UnsafeBufferPointer(a))
  }

  /// m₄ / m₂² − 3 with biased central moments; NaN when m₂ = 0.
  static func excessKurtosis(_ x: UnsafeBufferPointer<Double>) -> Double {
    let n = Double(x.count)
    let mean = sum(x) / n
    var m2 = 0.0
    var m4 = 0.0
    for v in x {
      let d = (v - mean) * (v - mean)
      m2 += d
      m4 += d * d
    }
    m2 /= n
    m4 /= n
    return m2 > 0 ? m4 / (m2 * m2) - 3 : .nan
  }

  /// maxₜ (1 − Pₜ / max_{s≤t} Pₛ).
  static func maximumDrawdown(_ p: UnsafeBufferPointer<Double>) -> Double {
    var peak = p[0]
    var worst = 0.0
    for v in p {
      if v > peak { peak = v }
      let d = 1 - v / peak
      if d > worst { worst = d }
    }
    return worst
  }
}
