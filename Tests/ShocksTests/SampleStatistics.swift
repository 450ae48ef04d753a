import LinearAlgebra
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Means, variances and correlations of the columns of a row-major `rows × columns` sample
/// (one observation a row, one asset a column).
struct ColumnStatistics {
  let count: Int
  let means: [Double]
  /// Unbiased sample covariances (divisor n − 1).
  let covariance: Matrix

  init(_ data: [Double], columns n: Int) {
    precondition(data.count % n == 0 && data.count / n > 1)
    let rows = data.count / n
    var means = [Double](repeating: 0, count: n)
    for r in 0..<rows {
      for a in 0..<n { means[a] += data[r * n + a] }
    }
    for a in 0..<n { means[a] /= Double(rows) }
    var cov = Matrix(rows: n, columns: n)
    var centered = [Double](repeating: 0, count: n)
    for r in 0..<rows {
      for a in 0..<n { centered[a] = data[r * n + a] - means[a] }
      for i in 0..<n {
        for j in 0...i { cov.elements[i * n + j] += centered[i] * centered[j] }
      }
    }
    for i in 0..<n {
      for j in 0...i {
        cov[i, j] /= Double(rows - 1)
        cov[j, i] = cov[i, j]
      }
    }
    self.count = rows
    self.means = means
    self.covariance = cov
  }

  var dimension: Int { means.count }

  func variance(_ a: Int) -> Double { covariance[a, a] }

  func correlation(_ i: Int, _ j: Int) -> Double {
    covariance[i, j] / (covariance[i, i] * covariance[j, j]).squareRoot()
  }

  /// Checks zero means and unit variances within `sigmas` standard errors, for a law with
  /// excess kurtosis `excessKurtosis` (SE of the variance `sqrt((κ + 2) / n)`).
  func expectStandardized(
    excessKurtosis: Double, sigmas: Double = 5, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let n = Double(count)
    let meanTolerance = sigmas / n.squareRoot()
    let varianceTolerance = sigmas * ((excessKurtosis + 2) / n).squareRoot()
    for a in 0..<dimension {
      #expect(
        abs(means[a]) < meanTolerance,
        "mean of asset \(a): expected 0, observed \(means[a]), tolerance \(meanTolerance)",
        sourceLocation: sourceLocation)
      #expect(
        abs(variance(a) - 1) < varianceTolerance,
        "variance of asset \(a): expected 1, observed \(variance(a)), tolerance \(varianceTolerance)",
        sourceLocation: sourceLocation)
    }
  }

  /// Checks every sample correlation against `target` on Fisher's z scale: `atanh(r)` has
  /// standard error `sqrt((1 + κ) / (n − 3))`, where `κ` is the kurtosis parameter of an
  /// elliptical law (0 for the normal, `2 / (ν − 4)` for Student-t; Muirhead 1982, §1.6).
  /// With 5 SE, the chance that any of 1225 pairs fails by luck is below 10⁻³.
  func expectCorrelations(
    _ target: Matrix, kurtosisParameter: Double = 0, sigmas: Double = 5,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let tolerance = sigmas * ((1 + kurtosisParameter) / Double(count - 3)).squareRoot()
    var worst = (i: 0, j: 0, deviation: 0.0)
    for i in 0..<dimension {
      for j in 0..<i {
        let deviation = abs(atanh(correlation(i, j)) - atanh(target[i, j]))
        if deviation > worst.deviation { worst = (i, j, deviation) }
      }
    }
    let (i, j) = (worst.i, worst.j)
    #expect(
      worst.deviation < tolerance,
      """
      correlation [\(i)][\(j)]: expected \(target[i, j]), observed \(correlation(i, j)); \
      Fisher z differs by \(worst.deviation), tolerance \(tolerance)
      """,
      sourceLocation: sourceLocation)
  }
}
