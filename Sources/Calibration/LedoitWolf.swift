import Foundation

/// Ledoit–Wolf shrinkage of a sample covariance matrix toward the constant-correlation target.
///
/// With `T` observations `x_t` of `N` series, demeaned, the sample covariance is
/// `S = (1/T) Σ_t x_t x_tᵀ` (entries `s_ij`) and the sample correlations `r_ij =
/// s_ij / √(s_ii s_jj)`. The target `F` keeps the variances and gives every pair the average
/// correlation `r̄ = 2/(N(N−1)) Σ_{i<j} r_ij`: `f_ii = s_ii`, `f_ij = r̄ √(s_ii s_jj)`. The
/// estimate is `δ F + (1 − δ) S` with the optimal intensity
///
///     δ* = max(0, min(1, κ / T)),   κ = (π − ρ) / γ,
///     π = Σ_ij π_ij,  π_ij = (1/T) Σ_t (x_ti x_tj − s_ij)²,
///     ρ = Σ_i π_ii + r̄ Σ_{i≠j} √(s_jj / s_ii) θ_ij,
///     θ_ij = (1/T) Σ_t (x_ti² − s_ii)(x_ti x_tj − s_ij),
///     γ = Σ_ij (f_ij − s_ij)²  (the squared Frobenius distance of target and sample).
///
/// Since `F` and `S` share their diagonal, the shrunk correlation is `δ r̄ + (1 − δ) r_ij` off
/// the diagonal. When the sample already has constant correlation (`γ = 0`, as for two series)
/// the intensity is 0. Reference: O. Ledoit and M. Wolf, "Honey, I Shrunk the Sample Covariance
/// Matrix", Journal of Portfolio Management 30(4), 2004, pp. 110–119 (and the authors'
/// `covCor.m`).
public struct LedoitWolfShrinkage: Sendable, Equatable {
  /// The shrinkage intensity `δ*`, in [0, 1].
  public let intensity: Double
  /// The average sample correlation `r̄`.
  public let averageCorrelation: Double
  /// The sample correlation matrix.
  public let sampleCorrelation: [[Double]]
  /// The shrunk correlation matrix.
  public let correlation: [[Double]]

  /// Shrinks the sample covariance of `series` (one array per series, all of length `T ≥ 2`,
  /// no constant series; `N ≥ 2` series).
  public init(series: [[Double]]) {
    let n = series.count
    let t = series.first?.count ?? 0
    precondition(n >= 2 && t >= 2, "Ledoit–Wolf needs two series of two observations")
    let tt = Double(t)
    let x = series.map { s -> [Double] in
      let m = s.reduce(0, +) / tt
      return s.map { $0 - m }
    }
    var cov = Array(repeating: Array(repeating: 0.0, count: n), count: n)
    for i in 0..<n {
      for j in i..<n {
        var sum = 0.0
        for k in 0..<t { sum += x[i][k] * x[j][k] }
        cov[i][j] = sum / tt
        cov[j][i] = cov[i][j]
      }
    }
    let sd = (0..<n).map { Foundation.sqrt(cov[$0][$0]) }
    var r = cov
    var total = 0.0
    for i in 0..<n {
      for j in 0..<n {
        r[i][j] = i == j ? 1 : cov[i][j] / (sd[i] * sd[j])
        if i < j { total += r[i][j] }
      }
    }
    let rBar = total / Double(n * (n - 1) / 2)
    var pi = 0.0
    var rho = 0.0
    var gamma = 0.0
    for i in 0..<n {
      for j in 0..<n {
        var piIJ = 0.0
        var theta = 0.0
        for k in 0..<t {
          let cross = x[i][k] * x[j][k] - cov[i][j]
          piIJ += cross * cross
          if i != j { theta += (x[i][k] * x[i][k] - cov[i][i]) * cross }
        }
        piIJ /= tt
        theta /= tt
        pi += piIJ
        if i == j {
          rho += piIJ
        } else {
          rho += rBar * (sd[j] / sd[i]) * theta
          let f = rBar * sd[i] * sd[j]
          gamma += (f - cov[i][j]) * (f - cov[i][j])
        }
      }
    }
    // γ = 0 (to rounding): the sample already has constant correlation, as two series always
    // do; the target is the sample and the intensity is reported as 0.
    var scale = 0.0
    for i in 0..<n { for j in 0..<n { scale += cov[i][j] * cov[i][j] } }
    let kappa = gamma > 1e-24 * scale ? (pi - rho) / gamma : 0
    let delta = Swift.max(0, Swift.min(1, kappa / tt))
    var shrunk = r
    for i in 0..<n {
      for j in 0..<n where i != j { shrunk[i][j] = delta * rBar + (1 - delta) * r[i][j] }
    }
    intensity = delta
    averageCorrelation = rBar
    sampleCorrelation = r
    correlation = shrunk
  }
}
