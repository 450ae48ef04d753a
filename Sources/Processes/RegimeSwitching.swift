import LinearAlgebra
import Randomness
import Shocks

/// Markov regime-switching geometric Brownian motion with optional jumps per regime.
///
/// A hidden Markov chain `s_k ∈ {0, …, K−1}` with per-step transition matrix
/// `P[i][j] = P(s_{k+1} = j | s_k = i)` picks the regime in force during each step; the regime
/// of step 1 is drawn from the initial distribution (by default the stationary distribution
/// `π = π P`). During a step in regime `s` the assets follow GBM (or a jump-diffusion) with
/// that regime's annualized drift, volatility, correlation (its own Cholesky factor, factored
/// once) and jumps. A regime without a correlation of its own uses the model's `correlation`
/// (a scenario file's top-level `correlation`; the identity when that is omitted too);
/// `correlations[s]` is the matrix regime `s` really uses. The chain is drawn from the path's
/// `regimes` substream, one uniform per step (also when a stress forces the regime), so it
/// never shifts the diffusion shocks. The regime of each step is the latent output (also on a
/// step whose return a historical replay set: the chain's state, which still drives the other
/// assets and the next transition).
///
/// Reference: Hamilton, "A new approach to the economic analysis of nonstationary time series
/// and the business cycle", Econometrica 57, 1989; Hardy, "A regime-switching model of
/// long-term stock returns", North American Actuarial Journal 5, 2001. Mean duration of
/// regime `i` is `1 / (1 − P[i][i])` steps.
public struct RegimeSwitchingProcess: PriceProcess {
  /// One regime's dynamics (annualized, decimal).
  public struct Regime: Sendable, Equatable {
    public let name: String
    public let drift: [Double]
    public let volatility: [Double]
    /// The regime's own correlation; `nil` = the model's `correlation` (see
    /// `RegimeSwitchingProcess.correlations` for the matrix in force).
    public let correlation: CorrelationMatrix?
    public let jumps: JumpSpecification?

    public init(
      name: String, drift: [Double], volatility: [Double], correlation: CorrelationMatrix? = nil,
      jumps: JumpSpecification? = nil
    ) {
      self.name = name
      self.drift = drift
      self.volatility = volatility
      self.correlation = correlation
      self.jumps = jumps
    }
  }

  /// The largest number of regimes (regime indices are written as `UInt8`).
  public static let maximumRegimes = 255
  /// Tolerance on the row sums of the transition matrix and on the initial distribution.
  public static let stochasticTolerance = 1e-9

  public let initialPrices: [Double]
  public let regimes: [Regime]
  /// Per-step transition probabilities, `K × K`, rows summing to 1.
  public let transition: [[Double]]
  /// The distribution of the regime of step 1.
  public let initialDistribution: [Double]
  public let measure: Measure
  /// The correlation of regimes that give none of their own.
  public let correlation: CorrelationMatrix
  /// The correlation each regime uses, in regime order: its own, or `correlation`.
  public let correlations: [CorrelationMatrix]
  /// Row `i` of the cumulative transition matrix at `i · K`, then the cumulative initial
  /// distribution at `K · K`.
  let cumulative: [Double]
  /// `⌈c · 2⁵³⌉` for each entry `c` of `cumulative`: a uniform `m · 2⁻⁵³` is at least `c`
  /// exactly when `m` is at least this.
  let cumulativeThresholds: [UInt64]

  public var assetCount: Int { initialPrices.count }
  public var shockDistribution: CorrelatedShockGenerator.Distribution { .normal }
  public var latentStates: LatentStates {
    regimes.contains { $0.jumps != nil } ? [.regimes, .jumps] : .regimes
  }
  public var hasSystemicJumps: Bool { regimes.contains { $0.jumps?.systemic == true } }
  public var largestJumpIntensities: [Double] {
    let rates = regimes.compactMap { $0.jumps?.intensity }
    guard let first = rates.first else { return [] }
    return rates.dropFirst().reduce(first) { zip($0, $1).map { max($0, $1) } }
  }

  /// - Parameters:
  ///   - initialDistribution: `nil` for the stationary distribution of `transition`.
  ///   - correlation: the correlation of the regimes that give none; `nil` = independent assets.
  /// - Throws: `ProcessError` naming the first invalid parameter.
  public init(
    initialPrices: [Double], regimes: [Regime], transition: [[Double]],
    initialDistribution: [Double]? = nil, correlation: CorrelationMatrix? = nil,
    measure: Measure = .realWorld
  ) throws(ProcessError) {
    let k = regimes.count
    guard k >= 1 && k <= Self.maximumRegimes else {
      throw .invalidTransitionMatrix("\(k) regimes given, expected 1 to \(Self.maximumRegimes)")
    }
    for regime in regimes {
      let model = "regime \(regime.name)"
      try validateDiffusion(
        model: model, initialPrices: initialPrices, drift: regime.drift,
        volatility: regime.volatility, correlation: regime.correlation, measure: measure)
      try regime.jumps?.validate(assets: initialPrices.count)
    }
    if let correlation, correlation.dimension != initialPrices.count {
      throw .assetCountMismatch(
        model: "regime", parameter: .correlation, count: correlation.dimension,
        expected: initialPrices.count)
    }
    try Self.validateStochastic(transition, regimes: k)
    let initial: [Double]
    if let initialDistribution {
      initial = initialDistribution
    } else {
      initial = try Self.stationaryDistribution(transition)
    }
    guard initial.count == k else {
      throw .invalidTransitionMatrix(
        "initial distribution has \(initial.count) entries, expected \(k)")
    }
    for (i, p) in initial.enumerated() where !(p >= 0 && p <= 1) {
      throw .invalidTransitionMatrix("initial probability \(i) is \(p), expected a value in [0, 1]")
    }
    let total = initial.reduce(0, +)
    guard abs(total - 1) <= Self.stochasticTolerance else {
      throw .invalidTransitionMatrix("initial distribution sums to \(total), expected 1")
    }
    let n = initialPrices.count
    self.initialPrices = initialPrices
    self.regimes = regimes.map {
      Regime(
        name: $0.name, drift: measure.drift(realWorld: $0.drift), volatility: $0.volatility,
        correlation: $0.correlation, jumps: $0.jumps)
    }
    self.transition = transition
    self.initialDistribution = initial
    self.measure = measure
    let shared = correlation ?? .identity(n)
    self.correlation = shared
    self.correlations = regimes.map { $0.correlation ?? shared }
    self.cumulative = (transition + [initial]).flatMap(Self.cumulative)
    self.cumulativeThresholds = cumulative.map { UInt64(($0 * 0x1p53).rounded(.up)) }
  }

  public func makeWorkspace(context: SimulationContext) -> DiffusionWorkspace {
    let resolved = regimes.map {
      DiffusionRegime(
        drift: $0.drift, volatility: $0.volatility, jumps: $0.jumps, timeStep: context.grid.timeStep
      )
    }
    return DiffusionWorkspace(regimes: resolved, steps: context.grid.steps, assets: assetCount)
  }

  public func simulate(
    path: Int, context: SimulationContext, workspace: inout DiffusionWorkspace, output: PathOutput
  ) {
    drawRegimes(path: path, context: context, workspace: workspace)
    DiffusionKernel.simulate(
      path: path, initialPrices: initialPrices, hasRegimes: true, context: context,
      workspace: workspace, output: output)
  }

  public func simulate(
    group paths: Range<Int>, context: SimulationContext, workspace: inout DiffusionWorkspace,
    output: BlockOutput
  ) {
    let workspace = workspace
    simulatePathGroup(
      paths, output: output, initialPrices: initialPrices, steps: context.grid.steps
    ) { path, pathOutput in
      drawRegimes(path: path, context: context, workspace: workspace)
      DiffusionKernel.simulate(
        path: path, initialPrices: initialPrices, hasRegimes: true, context: context,
        workspace: workspace, output: pathOutput, completingPrices: false)
    }
  }

  /// The most regimes whose chain `drawRegimes` steps through a table of 4-bit next states.
  static let tabulatedRegimes = 8

  /// The regime of each step of `path` into `workspace.regime`: one uniform per step from the
  /// `regimes` substream, the smallest `j` with `u < cdf[j]` in the current state's row of
  /// the cumulative transition matrix.
  ///
  /// Without a forced regime and with at most `tabulatedRegimes` regimes, the uniforms of all
  /// steps are drawn at once, and for each step the next state from every current state is
  /// found first (the count of the row's cumulative probabilities at or below `u`: the same
  /// index, as the row is non-decreasing), packed 4 bits per state; the chain then only looks
  /// its state up step by step, a dependency of a shift and a mask instead of loads, compares
  /// and branches. A step whose word gives a zero uniform (probability 2⁻⁵³, where
  /// `nextOpenUnit` draws again) sends the path to the one-by-one loop, so the numbers are
  /// always those of that loop.
  func drawRegimes(path: Int, context: SimulationContext, workspace w: DiffusionWorkspace) {
    let k = regimes.count
    let steps = context.grid.steps
    let source = context.shocks.streamPath(path)
    let regime = w.regime
    if context.schedule.forcedRegime == nil && k <= Self.tabulatedRegimes && steps > 0 {
      let words = w.regimeWords
      PathStream(seed: context.seed, path: source, substream: .regimes).words(
        ofBlocksFrom: 0, stride: 1, count: (steps + 1) / 2, into: words)
      var smallest = UInt64.max
      for t in 0..<steps { smallest = min(smallest, words[t] &>> 11) }
      if smallest != 0 {
        cumulative.withUnsafeBufferPointer { cdf in
          cumulativeThresholds.withUnsafeBufferPointer { thresholds in
            let first = Double(Int64(bitPattern: words[0] &>> 11)) * 0x1p-53
            var current = Self.inverse(cdf.baseAddress! + k * k, count: k, first)
            regime[0] = current
            // u = m · 2⁻⁵³ with m = word >> 11, and u ≥ c exactly when m ≥ ⌈c · 2⁵³⌉: integer
            // compares, which vectorise.
            let threshold = thresholds.baseAddress!
            if k == 2 {
              // Two regimes: the next state from state 0 and from state 1, straight-line.
              let (stay0, leave1) = (threshold[0], threshold[2])
              for t in 1..<steps {
                let m = words[t] &>> 11
                words[t] = (m >= stay0 ? 1 : 0) | (m >= leave1 ? 0x10 : 0)
              }
            } else {
              for t in 1..<steps {
                let m = words[t] &>> 11
                var next: UInt64 = 0
                for from in 0..<k {
                  var j: UInt64 = 0
                  for c in 0..<(k - 1) { j &+= m >= threshold[from &* k &+ c] ? 1 : 0 }
                  next |= j &<< UInt64(truncatingIfNeeded: from &* 4)
                }
                words[t] = next
              }
            }
            for t in 1..<steps {
              let shift = UInt64(truncatingIfNeeded: current &<< 2)
              current = Int(truncatingIfNeeded: (words[t] &>> shift) & 0xF)
              regime[t] = current
            }
          }
        }
        return
      }
    }
    drawRegimesOneByOne(path: source, context: context, into: regime)
  }

  /// `drawRegimes` one step after the other, from the `regimes` substream of `path` (the
  /// stream's own path).
  func drawRegimesOneByOne(
    path: Int, context: SimulationContext, into regime: UnsafeMutablePointer<Int>
  ) {
    var stream = PathStream(seed: context.seed, path: path, substream: .regimes)
    let forced = context.schedule.forcedRegime
    let k = regimes.count
    cumulative.withUnsafeBufferPointer { cdf in
      stream.withBatches { uniforms in
        var row = k * k  // the initial distribution
        let steps = context.grid.steps
        guard let forced else {
          for t in 0..<steps {
            let current = Self.inverse(cdf.baseAddress! + row, count: k, uniforms.nextOpenUnit())
            regime[t] = current
            row = current * k
          }
          return
        }
        for t in 0..<steps {
          var current = Self.inverse(cdf.baseAddress! + row, count: k, uniforms.nextOpenUnit())
          if forced[t] >= 0 { current = Int(forced[t]) }
          regime[t] = current
          row = current * k
        }
      }
    }
  }

  /// The smallest `j` with `u < cdf[j]` (the last state if rounding leaves `u` above all).
  @inline(__always)
  static func inverse(_ cdf: UnsafePointer<Double>, count: Int, _ u: Double) -> Int {
    var j = 0
    while j < count - 1 && !(u < cdf[j]) { j += 1 }
    return j
  }

  static func cumulative(_ p: [Double]) -> [Double] {
    var sum = 0.0
    return p.map {
      sum += $0
      return sum
    }
  }

  static func validateStochastic(_ p: [[Double]], regimes k: Int) throws(ProcessError) {
    guard p.count == k else {
      throw .invalidTransitionMatrix(
        "transition matrix has \(p.count) rows, expected \(k) (one per regime)")
    }
    for (i, row) in p.enumerated() {
      guard row.count == k else {
        throw .invalidTransitionMatrix(
          "transition row \(i) has \(row.count) entries, expected \(k)")
      }
      for (j, v) in row.enumerated() where !(v >= 0 && v <= 1) {
        throw .invalidTransitionMatrix(
          "transition entry [\(i)][\(j)] is \(v), expected a probability in [0, 1]")
      }
      let sum = row.reduce(0, +)
      if abs(sum - 1) > stochasticTolerance {
        throw .invalidTransitionMatrix(
          "transition row \(i) sums to \(sum), expected 1 (within 1e-9)")
      }
    }
  }

  /// The stationary distribution `π = π P`, `Σ π = 1`, by Gaussian elimination with partial
  /// pivoting on `(Pᵀ − I)` with its last equation replaced by the normalisation.
  ///
  /// - Throws: when the chain has no unique stationary distribution (it is reducible).
  public static func stationaryDistribution(_ p: [[Double]]) throws(ProcessError) -> [Double] {
    let k = p.count
    try validateStochastic(p, regimes: k)
    var a = (0..<k).map { i in (0..<k).map { j in p[j][i] - (i == j ? 1 : 0) } }
    var b = [Double](repeating: 0, count: k)
    a[k - 1] = [Double](repeating: 1, count: k)
    b[k - 1] = 1
    for col in 0..<k {
      var pivot = col
      for r in col..<k where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
      guard abs(a[pivot][col]) > 1e-12 else {
        throw .invalidTransitionMatrix(
          "the chain has no unique stationary distribution (it is reducible); give `initial` explicitly"
        )
      }
      a.swapAt(col, pivot)
      b.swapAt(col, pivot)
      for r in 0..<k where r != col {
        let f = a[r][col] / a[col][col]
        if f == 0 { continue }
        for c in col..<k { a[r][c] -= f * a[col][c] }
        b[r] -= f * b[col]
      }
    }
    var pi = (0..<k).map { max(0, b[$0] / a[$0][$0]) }
    let total = pi.reduce(0, +)
    pi = pi.map { $0 / total }
    return pi
  }
}
