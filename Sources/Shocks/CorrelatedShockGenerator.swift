import LinearAlgebra
import Randomness

/// The one source of randomness of every scengine process: correlated standard normal (or
/// unit-variance multivariate Student-t) shocks, addressed by path index.
///
/// For path `p` and step `t` the shock vector is `e = L z`, where `L` is the lower Cholesky
/// factor of the correlation matrix and `z` holds independent standard normals drawn in order
/// (step-major, asset-minor) from the `diffusion` substream of `PathStream(seed, p)`. With
/// Student-t shocks of ν degrees of freedom, each (path, step) also draws one chi-square `W`
/// from the path's `mixing` substream and the whole vector is scaled by `sqrt((ν − 2) / W)`:
/// the result has unit variance, correlation matrix `L Lᵀ`, and tails that are dependent
/// across assets (Kotz and Nadarajah, "Multivariate t Distributions", 2004).
///
/// The shocks of a path depend only on (seed, path, correlation, distribution), never on the
/// block it is generated in, its position in the block or the thread: every path is generated
/// and correlated on its own.
public struct CorrelatedShockGenerator: Sendable {
  /// The marginal law of the shocks.
  public enum Distribution: Sendable, Equatable {
    /// Standard normal shocks.
    case normal
    /// Multivariate Student-t with ν > 2 degrees of freedom, scaled to unit variance.
    case studentT(degreesOfFreedom: Double)
  }

  /// The validated correlation of the shocks.
  public let correlation: CorrelationMatrix
  /// The 64-bit seed: the Philox key.
  public let seed: UInt64
  /// The marginal law.
  public let distribution: Distribution
  /// The number of assets (shocks per step).
  public var assetCount: Int { correlation.dimension }

  @usableFromInline let lower: [Double]
  @usableFromInline let identity: Bool
  @usableFromInline let studentT: StudentTDistribution?

  /// Assets up to this many are correlated by a hand-written triangular product; wider ones
  /// by BLAS `dtrmm`.
  public static let smallDimension = 8

  /// - Throws: `RandomnessError` for ν ≤ 2 or non-finite ν.
  public init(
    correlation: CorrelationMatrix, seed: UInt64, distribution: Distribution = .normal
  ) throws(RandomnessError) {
    self.correlation = correlation
    self.seed = seed
    self.distribution = distribution
    self.lower = correlation.factor.lower.elements
    self.identity = correlation.isIdentity
    switch distribution {
    case .normal: studentT = nil
    case .studentT(let nu): studentT = try StudentTDistribution(degreesOfFreedom: nu, unitVariance: true)
    }
    if correlation.dimension > Self.smallDimension { setBLASThreadCount(1) }
  }

  /// Fills `buffer` with the shocks of paths `paths`, laid out `[path][step][asset]`.
  ///
  /// - Precondition: `buffer.count >= paths.count * steps * assetCount`.
  public func fill(paths: Range<Int>, steps: Int, into buffer: UnsafeMutableBufferPointer<Double>) {
    let perPath = steps * assetCount
    precondition(buffer.count >= paths.count * perPath, "shock buffer too small")
    guard let base = buffer.baseAddress else { return }
    for (offset, path) in paths.enumerated() {
      fill(path: path, steps: steps, into: base + offset * perPath)
    }
  }

  /// Fills `steps · assetCount` doubles at `out` with the shocks of one path.
  public func fill(path: Int, steps: Int, into out: UnsafeMutablePointer<Double>) {
    let n = assetCount
    let count = steps * n
    var stream = PathStream(seed: seed, path: path, substream: .diffusion)
    stream.fillStandardNormal(UnsafeMutableBufferPointer(start: out, count: count))
    if !identity {
      lower.withUnsafeBufferPointer { l in
        if n <= Self.smallDimension {
          Self.multiplySmall(out, rowCount: steps, lower: l.baseAddress!, n: n)
        } else {
          multiplyRowsByTransposedLower(out, rowCount: steps, lower: l.baseAddress!, n: n)
        }
      }
    }
    if let studentT {
      var mixing = PathStream(seed: seed, path: path, substream: .mixing)
      for t in 0..<steps {
        let scale = studentT.mixingScale(studentT.chiSquared.sample(using: &mixing))
        let row = out + t * n
        for a in 0..<n { row[a] *= scale }
      }
    }
  }

  /// The shocks of paths `paths` as a new array, `[path][step][asset]`.
  public func shocks(paths: Range<Int>, steps: Int) -> [Double] {
    [Double](unsafeUninitializedCapacity: paths.count * steps * assetCount) { buffer, count in
      fill(paths: paths, steps: steps, into: buffer)
      count = buffer.count
    }
  }

  /// Row by row, `z ← L z` for a small lower-triangular `L`; rows are updated from the last
  /// component to the first so that the product can be done in place.
  @usableFromInline
  static func multiplySmall(
    _ rows: UnsafeMutablePointer<Double>, rowCount: Int, lower: UnsafePointer<Double>, n: Int
  ) {
    for r in 0..<rowCount {
      let z = rows + r * n
      var i = n - 1
      while i >= 0 {
        var sum = 0.0
        for k in 0...i { sum += lower[i * n + k] * z[k] }
        z[i] = sum
        i -= 1
      }
    }
  }
}
