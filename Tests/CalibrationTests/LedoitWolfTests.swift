import Calibration
import Foundation
import LinearAlgebra
import Testing

/// Ledoit–Wolf constant-correlation shrinkage against the matrix form of the authors'
/// `covCor.m` (written out below independently of `LedoitWolfShrinkage`'s loops), and the
/// properties the fitted scenario relies on.
@Suite struct LedoitWolfTests {
  /// `covCor.m`, step by step in matrix terms: φ = Σ (y'y/t − S∘S), θ = x³'x/t − diag(S)∘S,
  /// ρ = Σ diag(φ) + r̄ Σ_{i≠j} (√s_jj/√s_ii) θ_ij, γ = ‖S − F‖², δ = max(0, min(1, (φ−ρ)/γ/t)).
  static func reference(_ series: [[Double]]) -> (delta: Double, rBar: Double) {
    let n = series.count
    let t = Double(series[0].count)
    let x = series.map { s in s.map { $0 - s.reduce(0, +) / t } }
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    let sample = (0..<n).map { i in (0..<n).map { j in dot(x[i], x[j]) / t } }
    let sd = (0..<n).map { sample[$0][$0].squareRoot() }
    var rBar = 0.0
    for i in 0..<n { for j in 0..<n { rBar += sample[i][j] / (sd[i] * sd[j]) } }
    rBar = (rBar - Double(n)) / Double(n * (n - 1))
    let y = x.map { $0.map { $0 * $0 } }
    var phi = 0.0
    var phiDiagonal = 0.0
    var thetaSum = 0.0
    var gamma = 0.0
    for i in 0..<n {
      for j in 0..<n {
        let phiIJ = dot(y[i], y[j]) / t - sample[i][j] * sample[i][j]
        phi += phiIJ
        if i == j { phiDiagonal += phiIJ }
        let term1 = dot(x[i].map { $0 * $0 * $0 }, x[j]) / t
        let theta = i == j ? 0 : term1 - sample[i][i] * sample[i][j]
        thetaSum += sd[j] / sd[i] * theta
        let prior = i == j ? sample[i][i] : rBar * sd[i] * sd[j]
        gamma += (sample[i][j] - prior) * (sample[i][j] - prior)
      }
    }
    let rho = phiDiagonal + rBar * thetaSum
    return (max(0, min(1, (phi - rho) / gamma / t)), rBar)
  }

  static func series(_ n: Int, _ t: Int, seed: UInt64, loading: Double) -> [[Double]] {
    var g = CalibrationFixtureNormals(state: seed)
    let common = (0..<t).map { _ in g.next() }
    return (0..<n).map { a in
      (0..<t).map { k in 0.01 * (loading * Double(a % 3 + 1) * common[k] + g.next()) }
    }
  }

  @Test(
    "the intensity and average correlation of covCor.m",
    arguments: [(3, 60, UInt64(1), 0.5), (5, 30, 2, 0.2), (8, 500, 3, 1.0), (4, 12, 4, 0)])
  func againstReference(_ n: Int, _ t: Int, _ seed: UInt64, _ loading: Double) throws {
    let x = Self.series(n, t, seed: seed, loading: loading)
    let lw = LedoitWolfShrinkage(series: x)
    let ref = Self.reference(x)
    #expect(
      abs(lw.intensity - ref.delta) < 1e-12,
      "intensity: expected \(ref.delta), observed \(lw.intensity), tolerance 1e-12")
    #expect(abs(lw.averageCorrelation - ref.rBar) < 1e-12)
    #expect(lw.intensity >= 0 && lw.intensity <= 1)
    for i in 0..<n {
      #expect(lw.correlation[i][i] == 1)
      for j in 0..<n where j != i {
        let expected =
          lw.intensity * lw.averageCorrelation
          + (1 - lw.intensity) * lw.sampleCorrelation[i][j]
        #expect(abs(lw.correlation[i][j] - expected) < 1e-15)
        #expect(lw.correlation[i][j] == lw.correlation[j][i])
      }
    }
    let smallest = try #require(
      try SymmetricEigen(Matrix(lw.correlation), vectors: false).values.first)
    #expect(smallest > 0, "smallest eigenvalue \(smallest): expected a positive definite matrix")
  }

  @Test("few observations shrink more than many")
  func intensityFallsWithObservations() {
    let short = LedoitWolfShrinkage(series: Self.series(6, 20, seed: 9, loading: 0.7))
    let long = LedoitWolfShrinkage(series: Self.series(6, 5000, seed: 9, loading: 0.7))
    #expect(
      short.intensity > long.intensity,
      "expected the 20-row intensity \(short.intensity) above the 5000-row \(long.intensity)")
  }

  @Test("a sample that already has constant correlation is not shrunk")
  func constantCorrelationSample() {
    // Two series: one correlation, which is its own average; γ = 0.
    let lw = LedoitWolfShrinkage(series: Self.series(2, 50, seed: 5, loading: 0.5))
    #expect(lw.intensity == 0, "intensity \(lw.intensity), expected 0 for two series")
    #expect(abs(lw.correlation[0][1] - lw.sampleCorrelation[0][1]) < 1e-15)
  }
}
