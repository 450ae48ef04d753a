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
/// across assets (Kotz and Nadarajah, "Multivariate t Distributions", 2004). Under
/// `Sampling.antithetic` or `.sobol` the normals `z` come from the pair's even path, negated,
/// or from a scrambled Sobol' point through a Brownian bridge (see `Sampling`).
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

  /// The factors of the correlation matrices a path can switch between, step by step (regimes,
  /// stressed windows), in the form the products read.
  public let factors: CorrelationFactors
  /// The 64-bit seed: the Philox key.
  public let seed: UInt64
  /// The marginal law.
  public let distribution: Distribution
  /// The number of assets (shocks per step).
  public let assetCount: Int
  /// How the normals are drawn (`Sampling`).
  public let sampling: Sampling

  @usableFromInline let studentT: StudentTDistribution?
  /// The Sobol' points and bridge of `Sampling.sobol`.
  @usableFromInline let quasi: QuasiRandomNormals?
  @usableFromInline let antithetic: Bool

  /// Assets up to this many are correlated row by row by a plain loop; wider ones by the
  /// blocked product `multiplyRowsByTransposedLower(_:rowCount:factor:)`. Both add the terms
  /// of `(L z)[i]` in the same order, so they give the same bits, and neither depends on the
  /// CPU or the instruction set.
  public static let smallDimension = 8

  /// - Throws: `RandomnessError` for ν ≤ 2 or non-finite ν.
  public init(
    correlation: CorrelationMatrix, seed: UInt64, distribution: Distribution = .normal
  ) throws(RandomnessError) {
    try self.init(
      factors: CorrelationFactors([correlation]), seed: seed, distribution: distribution)
  }

  /// A generator that can correlate each step by one of several factors of the same size.
  ///
  /// - Parameters:
  ///   - sampling: how the normals are drawn; `.sobol` needs `steps`, the number of steps of
  ///     every path (its points have `steps × assets` coordinates).
  /// - Throws: `RandomnessError` for ν ≤ 2 or non-finite ν, or a Sobol' dimension beyond
  ///   `SobolSequence.maximumDimensions`.
  /// - Precondition: `factors` is not empty.
  public init(
    factors: CorrelationFactors, seed: UInt64, distribution: Distribution = .normal,
    sampling: Sampling = .monteCarlo, steps: Int = 0
  ) throws(RandomnessError) {
    precondition(factors.count > 0, "at least one correlation matrix is needed")
    let n = factors.dimension
    self.factors = factors
    self.assetCount = n
    self.seed = seed
    self.distribution = distribution
    self.sampling = sampling
    antithetic = sampling == .antithetic
    if case .sobol(let scrambling) = sampling {
      precondition(steps >= 1, "Sobol' sampling needs the number of steps")
      quasi = try QuasiRandomNormals(scrambling: scrambling, seed: seed, steps: steps, assets: n)
    } else {
      quasi = nil
    }
    switch distribution {
    case .normal: studentT = nil
    case .studentT(let nu):
      studentT = try StudentTDistribution(degreesOfFreedom: nu, unitVariance: true)
    }
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
  ///
  /// - Parameter factorByStep: for each step, the index in `factors` of the correlation to
  ///   use; `nil` uses the first everywhere. Consecutive steps with the same factor are
  ///   correlated in one product.
  public func fill(
    path: Int, steps: Int, into out: UnsafeMutablePointer<Double>,
    factorByStep: UnsafePointer<UInt16>? = nil
  ) {
    let n = assetCount
    let source = streamPath(path)
    if let quasi {
      precondition(steps == quasi.bridge.steps, "Sobol' points were set up for other steps")
      quasi.fill(path: path, into: out)
    } else {
      var stream = PathStream(seed: seed, path: source, substream: .diffusion)
      stream.fillStandardNormal(UnsafeMutableBufferPointer(start: out, count: steps * n))
      if source != path {
        for i in 0..<(steps * n) { out[i] = -out[i] }
      }
    }
    if let factorByStep {
      let schedule = UnsafeBufferPointer(start: factorByStep, count: steps)
      correlate(out, steps: steps, schedule: schedule)
    } else {
      correlate(out, rowCount: steps, factor: 0)
    }
    if let studentT {
      // The chi-square draws of every step first, then their scales in one pass: the square
      // root and division of a scale (tens of cycles of latency) then run four at a time, off
      // the sampling loop.
      withUnsafeTemporaryAllocation(of: Double.self, capacity: steps) { scales in
        var mixing = PathStream(seed: seed, path: source, substream: .mixing)
        mixing.withBatches { mixing in studentT.chiSquared.fill(scales, using: &mixing) }
        studentT.replaceByMixingScales(scales)
        if n == 1 {
          // One asset: a flat loop that vectorises (the row loop below kept each product
          // behind a one-element inner loop: about 5% of a one-asset GARCH-t run).
          for t in 0..<steps { out[t] *= scales[t] }
        } else {
          for t in 0..<steps {
            let row = out + t * n
            for a in 0..<n { row[a] *= scales[t] }
          }
        }
      }
    }
  }

  /// The path whose Philox streams path `path` draws from: `path` itself, or under
  /// `Sampling.antithetic` the even path of its pair (`path` with its lowest bit cleared).
  /// Models draw every substream of a path (jumps, regimes) through this.
  @inlinable
  public func streamPath(_ path: Int) -> Int {
    antithetic ? path & ~1 : path
  }

  /// Correlates step `t` of a path by factor `schedule[t]`, each run of steps with the same
  /// factor in one product, in place.
  ///
  /// Both products treat each row on its own (the bits of a row do not depend on how many
  /// rows a call is given or where the row sits among them), so a step's shocks depend only
  /// on its normals and its factor, never on how the schedule groups the other steps: a
  /// stress leaves the bits of the steps it does not touch as they are in the baseline
  /// (common random numbers), for any model and regime path.
  func correlate(
    _ out: UnsafeMutablePointer<Double>, steps: Int, schedule: UnsafeBufferPointer<UInt16>
  ) {
    let n = assetCount
    var start = 0
    while start < steps {
      let factor = schedule[start]
      var end = start + 1
      while end < steps && schedule[end] == factor { end += 1 }
      correlate(out + start * n, rowCount: end - start, factor: Int(factor))
      start = end
    }
  }

  /// `z ← L z` for each of `rowCount` rows of independent normals, with `L` factor number
  /// `factor`.
  @inlinable
  func correlate(_ rows: UnsafeMutablePointer<Double>, rowCount: Int, factor: Int) {
    if factors.identities[factor] { return }
    let n = assetCount
    if n <= Self.smallDimension {
      factors.lowers[factor].withUnsafeBufferPointer { l in
        Self.multiplySmall(rows, rowCount: rowCount, lower: l.baseAddress!, n: n)
      }
    } else {
      multiplyRowsByTransposedLower(rows, rowCount: rowCount, factor: factors.panels[factor])
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
  /// component to the first so that the product can be done in place. Component `i` is
  /// `(…(0 + L[i, 0] z[0]) + …) + L[i, i] z[i]`, the order of the blocked product.
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
