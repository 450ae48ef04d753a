import Randomness

/// How the standard normals behind a run's shocks are drawn (the scenario's `sampling` key).
///
/// Every mode keeps a path a pure function of (resolved scenario, seed, path index): the
/// bits of path `i` do not depend on the thread, block or shard that computes it.
public enum Sampling: Sendable, Equatable {
  /// Plain Monte Carlo: path `p` draws its normals from its own Philox stream.
  case monteCarlo
  /// Antithetic variates (Hammersley and Morton 1956; Glasserman, "Monte Carlo Methods in
  /// Financial Engineering", 2004, §4.2): path `2i + 1` uses the random streams of path
  /// `2i`, with every diffusion normal negated, so that its correlated shocks are the exact
  /// negatives of path `2i`'s. Its other draws (Student-t mixing, jump counts and sizes,
  /// regime transitions) are those of path `2i`. Each path keeps its model's law; the pair's
  /// average has lower variance for payoffs monotone in the shocks (for an at-the-money call
  /// the variance falls by about `1 + ρ` with ρ the correlation of the pair's payoffs). With
  /// an odd number of paths the last one is unpaired.
  case antithetic
  /// Randomized quasi-Monte Carlo: path `p` is point `p` (natural order) of a Sobol' sequence
  /// in `steps × assets` dimensions (Joe–Kuo direction numbers, `SobolSequence`), scrambled
  /// by `scrambling` keyed by the seed, mapped to normals by Φ⁻¹ and turned into each
  /// asset's Brownian increments by a Brownian bridge (`BrownianBridge`): coordinate
  /// `k · assets + a` is normal `k` of asset `a`'s bridge, so the first `assets`
  /// coordinates fix the terminal values, the next ones the midpoints (Glasserman 2004,
  /// §5.2 and §3.1). The increments are then correlated like plain shocks. Other draws
  /// (Student-t mixing, jumps, regimes) come from the path's Philox streams.
  ///
  /// With `.none` (the plain sequence, the same for every seed) path `p` is point
  /// `(p + 1) mod 2³²`: the origin, point 0, would put every coordinate in the lowest cell, a
  /// path at Φ⁻¹(2⁻³³) ≈ −6.34 standard deviations in every normal (a terminal value whose
  /// probability is about 10⁻¹⁰, given weight 1/n, and a variance recursion driven to
  /// overflow), so it is skipped, as QuantLib's `SobolRsg` skips it; only a run of all 2³²
  /// points reaches it, as its last path. The scrambled modes use point `p`: scrambling moves
  /// the origin to a uniform random point.
  case sobol(SobolScrambling)

  /// Why Sobol' points cannot drive `steps` steps of `shocks` shocks each, or `nil`: a path
  /// needs one coordinate per step and shock, at most `SobolSequence.maximumDimensions`.
  public static func sobolProblem(steps: Int, shocks: Int) -> String? {
    let (dimensions, overflow) = steps.multipliedReportingOverflow(by: shocks)
    guard overflow || dimensions > SobolSequence.maximumDimensions else { return nil }
    return "\(steps) steps × \(shocks) shocks per step = "
      + "\(overflow ? "more than \(Int.max)" : "\(dimensions)") dimensions; the Joe–Kuo "
      + "direction numbers cover at most \(SobolSequence.maximumDimensions); use fewer steps "
      + "or assets, or antithetic sampling"
  }

  /// The YAML/manifest spelling: `monte_carlo`, `antithetic`, `sobol_owen`, `sobol_shift`,
  /// `sobol_none`.
  public var name: String {
    switch self {
    case .monteCarlo: "monte_carlo"
    case .antithetic: "antithetic"
    case .sobol(let s): "sobol_\(s.rawValue)"
    }
  }
}

/// The quasi-random source of `Sampling.sobol`: the sequence and the bridge over the steps.
@usableFromInline
struct QuasiRandomNormals: Sendable {
  let sequence: SobolSequence
  let bridge: BrownianBridge
  let assets: Int
  /// Path `p` is point `(p + pointOffset) mod 2³²`: 1 for the plain sequence, whose point 0
  /// is the origin (see `Sampling.sobol`), 0 when scrambled.
  let pointOffset: Int

  init(scrambling: SobolScrambling, seed: UInt64, steps: Int, assets: Int)
    throws(RandomnessError)
  {
    let (dimensions, overflow) = steps.multipliedReportingOverflow(by: assets)
    sequence = try SobolSequence(
      dimensions: overflow ? .max : dimensions, scrambling: scrambling, seed: seed)
    bridge = BrownianBridge(steps: steps)
    self.assets = assets
    pointOffset = scrambling == .none ? 1 : 0
  }

  /// The Sobol' point of `path`: `path`, or for the plain sequence `path + 1` (mod 2³²).
  func point(path: Int) -> Int {
    (path + pointOffset) & (SobolSequence.maximumPoints - 1)
  }

  /// The `steps × assets` independent standard normal increments of path `path` (from
  /// `point(path:)`), laid out `[step][asset]` at `out`.
  func fill(path: Int, into out: UnsafeMutablePointer<Double>) {
    let n = assets
    let steps = bridge.steps
    withUnsafeTemporaryAllocation(of: Double.self, capacity: steps * n) { normals in
      let z = normals.baseAddress!
      sequence.fillStandardNormals(point: point(path: path), into: z)
      for a in 0..<n {
        bridge.increments(from: z + a, stride: n, into: out + a, stride: n)
      }
    }
  }
}

extension SobolSequence {
  /// The direction numbers' published name, for manifests and `check`.
  public static let directionNumbersName = "new-joe-kuo-6.21201"
}
