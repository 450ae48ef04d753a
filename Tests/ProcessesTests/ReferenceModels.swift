import LinearAlgebra
import Processes
import Randomness
import Shocks

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Plain reference implementations of the recursions, written from the doc comments of the
// Processes module: slow, one path at a time, one step at a time, one asset at a time. They
// draw their random numbers from the path's PathStream substreams in the documented order and
// share no code with the engine's kernels.

/// The outputs of one reference path, laid out as in `BlockArrays` for one path.
struct ReferencePath {
  var prices: [Double]
  var logReturns: [Double]
  var variance: [Double] = []
  var jumps: [Int32] = []
  var regimes: [UInt8] = []
}

extension BlockArrays {
  /// Path `p` of these arrays in the layout of `ReferencePath`.
  func path(_ p: Int) -> ReferencePath {
    let one = subset(p..<(p + 1))
    return ReferencePath(
      prices: one.prices, logReturns: one.logReturns, variance: one.variance, jumps: one.jumps,
      regimes: one.regimes)
  }
}

// MARK: - Shocks

/// The correlation in force at step index `t`: the model's `base`, or for a correlation stress
/// the blend `(1 − w) · base + w · target`.
func referenceCorrelation(
  base: CorrelationMatrix, step t: Int, schedule: StressSchedule
) -> CorrelationMatrix {
  guard let blendIndex = schedule.correlationBlend?[t], blendIndex > 0 else { return base }
  let blend = schedule.correlationBlends[Int(blendIndex) - 1]
  let n = base.dimension
  let rows = (0..<n).map { i in
    (0..<n).map { j in (1 - blend.weight) * base.matrix[i, j] + blend.weight * blend.target[i, j] }
  }
  return correlation(rows)
}

/// The shocks of one path, `[step][asset]`: independent standard normals drawn in order
/// (step-major, asset-minor) from the path's `diffusion` substream; each step's vector `z`
/// becomes `L z` for the lower Cholesky factor `L` of that step's correlation; for Student-t
/// shocks, each step's vector is then scaled by `√((ν − 2) / W)` with one chi-square(ν) draw
/// `W` per step from the `mixing` substream.
func referenceShocks(
  seed: UInt64, path: Int, steps: Int, correlationOfStep: (Int) -> CorrelationMatrix,
  degreesOfFreedom: Double? = nil
) -> [[Double]] {
  let n = correlationOfStep(0).dimension
  var normals = PathStream(seed: seed, path: path, substream: .diffusion)
  let z = (0..<steps).map { _ in (0..<n).map { _ in normals.nextStandardNormal() } }
  var shocks = z
  for t in 0..<steps {
    let lower = correlationOfStep(t).factor.lower
    for i in 0..<n {
      var sum = 0.0
      for k in 0...i { sum += lower[i, k] * z[t][k] }
      shocks[t][i] = sum
    }
  }
  if let nu = degreesOfFreedom {
    var mixing = PathStream(seed: seed, path: path, substream: .mixing)
    let chiSquared = try! ChiSquaredDistribution(degreesOfFreedom: nu)
    for t in 0..<steps {
      let w = chiSquared.sample(using: &mixing)
      let scale = ((nu - 2) / w).squareRoot()
      for i in 0..<n { shocks[t][i] *= scale }
    }
  }
  return shocks
}

// MARK: - Diffusions (GBM, Merton, Kou, regime switching)

/// One regime of a diffusion: annualized drift (resolved for the measure), volatility,
/// correlation and optional jumps.
struct ReferenceRegime {
  var drift: [Double]
  var volatility: [Double]
  var correlation: CorrelationMatrix
  var jumps: JumpSpecification?
}

/// The regime of each step: step index 0 from the initial distribution, later ones from the
/// row of the previous regime, each by inverting the cumulative probabilities at one uniform
/// from the `regimes` substream (drawn also when a stress forces the regime).
func referenceRegimeChain(
  seed: UInt64, path: Int, steps: Int, transition: [[Double]], initial: [Double],
  forced: [Int16]?
) -> [Int] {
  var stream = PathStream(seed: seed, path: path, substream: .regimes)
  func pick(_ probabilities: [Double], _ u: Double) -> Int {
    var cumulative = 0.0
    for (j, p) in probabilities.enumerated() {
      cumulative += p
      if u < cumulative { return j }
    }
    return probabilities.count - 1
  }
  var chain: [Int] = []
  for t in 0..<steps {
    let u = stream.nextOpenUnit()
    var s = pick(t == 0 ? initial : transition[chain[t - 1]], u)
    if let f = forced?[t], f >= 0 { s = Int(f) }
    chain.append(s)
  }
  return chain
}

/// The jump counts and summed log jump sizes of one step, per asset, from the step's own
/// stream `PathStream(seed, path, substream: .jumps, startBlock: step << 32)`: first the
/// Poisson(λ m dt) counts (one shared count for systemic jumps, with the largest multiplier
/// `m` of the step), then for each asset with jumps, in asset order, its sizes: Merton
/// `N μJ + √N σJ Z`; Kou, per jump, a uniform choosing up (`u < p`) or down and then an
/// exponential `−log U` scaled by the up or down mean.
func referenceJumps(
  seed: UInt64, path: Int, step t: Int, dt: Double, jumps: JumpSpecification,
  multiplier: [Double]
) -> (counts: [Int], sums: [Double]) {
  let n = jumps.intensity.count
  var stream = PathStream(
    seed: seed, path: path, substream: PathStream.Substream.jumps.rawValue,
    startBlock: UInt64(t) << 32)
  var counts = Array(repeating: 0, count: n)
  if jumps.systemic {
    let law = try! PoissonDistribution(mean: jumps.intensity[0] * multiplier.max()! * dt)
    let count = law.sample(using: &stream)
    counts = Array(repeating: count, count: n)
  } else {
    for a in 0..<n {
      counts[a] = try! PoissonDistribution(mean: jumps.intensity[a] * multiplier[a] * dt)
        .sample(using: &stream)
    }
  }
  var sums = Array(repeating: 0.0, count: n)
  for a in 0..<n where counts[a] > 0 {
    switch jumps.sizes {
    case .normal(let mean, let sd):
      let c = Double(counts[a])
      sums[a] = c * mean[a] + c.squareRoot() * sd[a] * stream.nextStandardNormal()
    case .doubleExponential(let p, let up, let down):
      for _ in 0..<counts[a] {
        let u = stream.nextOpenUnit()
        let e = -log(stream.nextOpenUnit())
        sums[a] += u < p[a] ? up[a] * e : -down[a] * e
      }
    }
  }
  return (counts, sums)
}

/// One path of a (regime-switching) jump-diffusion; every step has a regime and jump counts
/// (zeros without jumps), whether or not the engine emits them. In a step of length `dt` in
/// regime `s`
///
///     log S_a += (μ_a − λ_a κ_a − σ_a²/2) dt + σ_a √dt e_a + Σ_{j ≤ N_a} Y_{a,j}
///
/// with the stresses of `schedule` as documented on `StressSchedule`.
func referenceDiffusion(
  seed: UInt64, path: Int, grid: TimeGrid, initialPrices: [Double], regimes: [ReferenceRegime],
  regimeOfStep: [Int], schedule: StressSchedule
) -> ReferencePath {
  let steps = grid.steps
  let dt = grid.timeStep
  let n = initialPrices.count
  let shocks = referenceShocks(seed: seed, path: path, steps: steps) { t in
    referenceCorrelation(base: regimes[regimeOfStep[t]].correlation, step: t, schedule: schedule)
  }
  var out = ReferencePath(prices: initialPrices, logReturns: [])
  var logPrice = initialPrices.map { log($0) }
  for t in 0..<steps {
    let regime = regimes[regimeOfStep[t]]
    func stress(_ a: [Double]?, _ asset: Int) -> Double? { a?[t * n + asset] }
    var counts = Array(repeating: 0, count: n)
    var sums = Array(repeating: 0.0, count: n)
    if let jumps = regime.jumps {
      let multiplier = (0..<n).map { stress(schedule.jumpIntensityMultiplier, $0) ?? 1 }
      (counts, sums) = referenceJumps(
        seed: seed, path: path, step: t, dt: dt, jumps: jumps, multiplier: multiplier)
    }
    for a in 0..<n {
      if let forced = stress(schedule.forcedJump, a), !forced.isNaN {
        sums[a] += forced
        counts[a] += Int(stress(schedule.forcedJumpCount.map { $0.map(Double.init) }, a) ?? 1)
      }
    }
    let kappa = regime.jumps?.compensator ?? Array(repeating: 0, count: n)
    for a in 0..<n {
      var r: Double
      if let hist = stress(schedule.historicalReturn, a), !hist.isNaN {
        // The replay is the asset's whole move: no jump reaches the price.
        r = hist
        counts[a] = 0
      } else {
        let sigma = regime.volatility[a] * (stress(schedule.volatilityMultiplier, a) ?? 1)
        var mu = regime.drift[a]
        if let d = stress(schedule.driftOverride, a), !d.isNaN { mu = d }
        let lambda = regime.jumps?.intensity[a] ?? 0
        r =
          (mu - lambda * kappa[a] - 0.5 * sigma * sigma) * dt + sigma * dt.squareRoot()
          * shocks[t][a] + sums[a]
      }
      if let shock = stress(schedule.shockReturn, a), shock != 0 { r += log(1 + shock) }
      logPrice[a] += r
      out.logReturns.append(r)
      out.jumps.append(Int32(counts[a]))
    }
    out.prices += logPrice.map { exp($0) }
    out.regimes.append(UInt8(regimeOfStep[t]))
  }
  return out
}

// MARK: - GARCH family

/// One path of a CCC GARCH-family process, per step and asset:
///
///     r = μ + m σ_t z (+ log(1 + shock)),  ε = r − μ,
///     GARCH  σ²_{t+1} = ω + α ε² + β σ_t²
///     GJR    σ²_{t+1} = ω + α ε² + γ 1[ε < 0] ε² + β σ_t²
///     EGARCH log σ²_{t+1} = ω + α (|ε/σ_t| − E|z|) + γ ε/σ_t + β log σ_t²
///
/// starting from σ²₁ = ω / (1 − α − β − γ/2) (EGARCH: Nelson's product for `E[σ²]`, summed
/// here by quadrature, see `referenceEGARCHUnconditionalVariance`) or the given variance;
/// under a risk-neutral measure `μ = (r − q) dt − m² σ_t²/2`. `m` is the volatility stress; a
/// drift override `d` replaces `μ` by `d dt` (risk-neutral: replaces `r − q` by `d`).
func referenceGARCH(
  _ g: GARCHProcess, start: GARCHProcess.InitialVariance, seed: UInt64, path: Int,
  grid: TimeGrid, schedule: StressSchedule, expectedAbsoluteInnovation: Double
) -> ReferencePath {
  let steps = grid.steps
  let dt = grid.timeStep
  let n = g.assetCount
  var nu: Double? = nil
  if case .studentT(let v) = g.innovations { nu = v }
  let z = referenceShocks(
    seed: seed, path: path, steps: steps,
    correlationOfStep: { referenceCorrelation(base: g.correlation, step: $0, schedule: schedule) },
    degreesOfFreedom: nu)
  var variance = (0..<n).map { a -> Double in
    switch g.type {
    case .garch: return g.omega[a] / (1 - g.alpha[a] - g.beta[a])
    case .gjr: return g.omega[a] / (1 - g.alpha[a] - g.beta[a] - 0.5 * g.gamma[a])
    case .egarch:
      return referenceEGARCHUnconditionalVariance(
        omega: g.omega[a], alpha: g.alpha[a], beta: g.beta[a], gamma: g.gamma[a])
    }
  }
  if case .given(let v) = start { variance = v }
  var out = ReferencePath(prices: g.initialPrices, logReturns: [])
  var logPrice = g.initialPrices.map { log($0) }
  for t in 0..<steps {
    for a in 0..<n {
      let row = t * n + a
      if let v = schedule.variance?[row], !v.isNaN { variance[a] = v }
      let m = schedule.volatilityMultiplier?[row] ?? 1
      let sd = m * variance[a].squareRoot()
      let override = schedule.driftOverride?[row] ?? .nan
      var mu = override.isNaN ? g.mean[a] : override * dt
      if case .riskNeutral(let rate, let dividends) = g.measure {
        mu = (override.isNaN ? (rate - dividends[a]) * dt : override * dt) - 0.5 * sd * sd
      }
      var r = mu + sd * z[t][a]
      // The recursion's news: the model's own return without the volatility multiplier, or
      // the replayed return, plus any shock.
      var news = mu + variance[a].squareRoot() * z[t][a]
      if let hist = schedule.historicalReturn?[row], !hist.isNaN {
        r = hist
        news = hist
      }
      if let shock = schedule.shockReturn?[row], shock != 0 {
        r += log(1 + shock)
        news += log(1 + shock)
      }
      let eps = news - mu
      let h = variance[a]
      switch g.type {
      case .garch:
        variance[a] = g.omega[a] + g.alpha[a] * eps * eps + g.beta[a] * h
      case .gjr:
        let gamma = eps < 0 ? g.gamma[a] : 0
        variance[a] = g.omega[a] + g.alpha[a] * eps * eps + gamma * eps * eps + g.beta[a] * h
      case .egarch:
        let zt = eps / h.squareRoot()
        variance[a] = exp(
          g.omega[a] + g.alpha[a] * (abs(zt) - expectedAbsoluteInnovation) + g.gamma[a] * zt
            + g.beta[a] * log(h))
      }
      logPrice[a] += r
      out.logReturns.append(r)
      out.variance.append(sd * sd)
    }
    out.prices += logPrice.map { exp($0) }
  }
  return out
}

/// `E[σ²]` of a stationary EGARCH(1,1) with standard normal innovations, the plain way:
/// `exp(ω/(1 − β)) Π_{i<terms} E[exp(β^i g(z))]`, `g(z) = α(|z| − E|z|) + γ z`, each factor by
/// Simpson's rule on the normal density over [−12, 12] (nodes on the kink at 0), divided by the
/// same rule's mass of the density (no closed form used).
func referenceEGARCHUnconditionalVariance(
  omega: Double, alpha: Double, beta: Double, gamma: Double, terms: Int = 3000
) -> Double {
  let meanAbsolute = (2 / Double.pi).squareRoot()
  let intervals = 4000
  let h = 24.0 / Double(intervals)
  let nodes = (0...intervals).map { -12 + Double($0) * h }
  let weights = (0...intervals).map { k -> Double in
    let w = (k == 0 || k == intervals) ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0)
    return w * exp(-0.5 * nodes[k] * nodes[k])
  }
  let news = nodes.map { alpha * (abs($0) - meanAbsolute) + gamma * $0 }
  let mass = weights.reduce(0, +)
  var logProduct = 0.0
  var power = 1.0
  for _ in 0..<terms {
    var sum = 0.0
    for k in 0...intervals { sum += weights[k] * exp(power * news[k]) }
    logProduct += log(sum / mass)
    power *= beta
    if abs(power) < 1e-200 { break }
  }
  return exp(omega / (1 - beta) + logProduct)
}
