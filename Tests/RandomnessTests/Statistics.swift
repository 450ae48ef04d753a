import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The first four moments of a sample, from central sums (two passes, so that a large mean
/// does not cost precision).
struct SampleMoments {
  let count: Int
  let mean: Double
  /// The unbiased sample variance (divisor n − 1).
  let variance: Double
  /// `m3 / m2^(3/2)` with central sample moments `m_k` (divisor n).
  let skewness: Double
  /// `m4 / m2² − 3`.
  let excessKurtosis: Double

  init(_ sample: some Collection<Double>) {
    let n = Double(sample.count)
    precondition(sample.count > 1, "moments need at least two observations")
    let mean = sample.reduce(0, +) / n
    var s2 = 0.0
    var s3 = 0.0
    var s4 = 0.0
    for x in sample {
      let d = x - mean
      let d2 = d * d
      s2 += d2
      s3 += d2 * d
      s4 += d2 * d2
    }
    let m2 = s2 / n
    self.count = sample.count
    self.mean = mean
    self.variance = s2 / (n - 1)
    self.skewness = (s3 / n) / (m2 * m2.squareRoot())
    self.excessKurtosis = (s4 / n) / (m2 * m2) - 3
  }
}

/// Asymptotic standard errors of sample statistics, from the moments of the law sampled.
enum StandardError {
  /// Of the sample mean: `sqrt(σ² / n)`.
  static func mean(variance: Double, count: Int) -> Double {
    (variance / Double(count)).squareRoot()
  }

  /// Of the sample variance: `σ² sqrt((κ + 2) / n)` for a law with excess kurtosis `κ`
  /// (`sqrt(2 / n)` for the standard normal).
  static func variance(variance: Double, excessKurtosis: Double, count: Int) -> Double {
    variance * ((excessKurtosis + 2) / Double(count)).squareRoot()
  }

  /// Of the sample skewness of a symmetric law with standardized moments `μ4/σ⁴ = k` and
  /// `μ6/σ⁶`: the variance of its influence function `z³ − 3z` is `μ6' − 6k + 9`
  /// (6 for the normal, giving `sqrt(6 / n)`).
  static func skewness(kurtosis k: Double, standardizedMoment6 m6: Double, count: Int) -> Double {
    ((m6 - 6 * k + 9) / Double(count)).squareRoot()
  }

  /// Of the sample excess kurtosis of a symmetric law with standardized moments `k`, `μ6'` and
  /// `μ8'`: the variance of its influence function `z⁴ − k − 2k(z² − 1)` is
  /// `μ8' − 4k μ6' + 4k³ − k²` (24 for the normal, giving `sqrt(24 / n)`).
  static func excessKurtosis(
    kurtosis k: Double, standardizedMoment6 m6: Double, standardizedMoment8 m8: Double,
    count: Int
  ) -> Double {
    ((m8 - 4 * k * m6 + 4 * k * k * k - k * k) / Double(count)).squareRoot()
  }

  /// Of an observed frequency whose probability is `p`: `sqrt(p (1 − p) / n)`.
  static func proportion(_ p: Double, count: Int) -> Double {
    (p * (1 - p) / Double(count)).squareRoot()
  }
}

/// Checks `|observed − expected| < sigmas · standardError`, printing all four numbers on
/// failure.
func expectWithinStandardErrors(
  _ what: String, observed: Double, expected: Double, standardError: Double,
  sigmas: Double = 5, sourceLocation: SourceLocation = #_sourceLocation
) {
  let tolerance = sigmas * standardError
  #expect(
    abs(observed - expected) < tolerance,
    "\(what): expected \(expected), observed \(observed), tolerance \(tolerance) (\(sigmas) SE)",
    sourceLocation: sourceLocation)
}

/// Checks the mean and the variance of `sample` against a law's, within 5 standard errors.
func expectMeanAndVariance(
  _ what: String, of sample: [Double], mean: Double, variance: Double, excessKurtosis: Double,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let moments = SampleMoments(sample)
  expectWithinStandardErrors(
    "\(what) mean", observed: moments.mean, expected: mean,
    standardError: StandardError.mean(variance: variance, count: sample.count),
    sourceLocation: sourceLocation)
  expectWithinStandardErrors(
    "\(what) variance", observed: moments.variance, expected: variance,
    standardError: StandardError.variance(
      variance: variance, excessKurtosis: excessKurtosis, count: sample.count),
    sourceLocation: sourceLocation)
}

/// `n` draws of `draw` from one seeded Philox stream.
func sample<G: RandomNumberGenerator>(
  _ n: Int, using rng: inout G, _ draw: (inout G) -> Double
) -> [Double] {
  var out = [Double]()
  out.reserveCapacity(n)
  for _ in 0..<n { out.append(draw(&rng)) }
  return out
}

/// The standard normal distribution function, `Φ(x) = erfc(−x / √2) / 2`.
func normalCDF(_ x: Double) -> Double {
  0.5 * erfc(-x / 2.0.squareRoot())
}

/// The Kolmogorov–Smirnov statistic `D = sup |F_n(x) − F(x)|` of `sample` against `cdf`.
func kolmogorovSmirnovStatistic(_ sample: [Double], cdf: (Double) -> Double) -> Double {
  let sorted = sample.sorted()
  let n = Double(sorted.count)
  var d = 0.0
  for (i, x) in sorted.enumerated() {
    let f = cdf(x)
    d = max(d, f - Double(i) / n, Double(i + 1) / n - f)
  }
  return d
}

/// The 0.1% critical value of `D · sqrt(n)` for large `n` (Kolmogorov's limiting law).
let kolmogorovSmirnovCritical001 = 1.9495
