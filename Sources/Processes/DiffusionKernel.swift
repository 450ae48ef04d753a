import Randomness
import Shocks

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The parameters of one diffusion regime, resolved for the measure and the grid.
///
/// In each step of length `dt` the log price of asset `a` moves by
///
///     (μ_a − λ_a κ_a − σ_a²/2) dt + σ_a √dt e_a + Σ_{j ≤ N_a} Y_{a,j}
///
/// with `e` the correlated shock of the step, `N_a ~ Poisson(λ_a dt)` and `Y` the log jump
/// sizes: exact for geometric Brownian motion and for jump-diffusions with constant
/// coefficients over the step.
struct DiffusionRegime: Sendable {
  /// Annualized expected rates of return μ (before the jump compensator).
  let drift: [Double]
  /// Annualized volatilities σ.
  let volatility: [Double]
  /// Jumps, if any.
  let jumps: JumpSpecification?
  /// `λκ` per asset (0 without jumps).
  let compensation: [Double]
  /// `(μ − λκ − σ²/2) dt` per asset, the unstressed log drift of a step.
  let stepLogDrift: [Double]
  /// `σ √dt` per asset.
  let stepVolatility: [Double]
  /// Poisson laws of the jump counts of an unstressed step.
  let stepJumpCounts: [PoissonDistribution]

  init(drift: [Double], volatility: [Double], jumps: JumpSpecification?, timeStep dt: Double) {
    self.drift = drift
    self.volatility = volatility
    self.jumps = jumps
    let n = drift.count
    var compensation = Array(repeating: 0.0, count: n)
    if let jumps {
      let kappa = jumps.compensator
      for a in 0..<n { compensation[a] = jumps.intensity[a] * kappa[a] }
      stepJumpCounts = jumps.intensity.map { PoissonDistribution(validatedMean: $0 * dt) }
    } else {
      stepJumpCounts = []
    }
    self.compensation = compensation
    stepLogDrift = (0..<n).map { a in
      (drift[a] - compensation[a] - 0.5 * volatility[a] * volatility[a]) * dt
    }
    stepVolatility = volatility.map { $0 * dt.squareRoot() }
  }
}

/// Per-worker scratch of the diffusion kernel.
///
/// A class holding raw buffers allocated once per worker: the path loop reads and writes
/// them through pointers, with no copy-on-write, bounds or exclusivity checks and no
/// reference counting per step.
public final class DiffusionWorkspace {
  /// The regimes' parameters resolved for the grid (one for models without regimes).
  let regimes: [DiffusionRegime]
  let assets: Int
  let steps: Int
  /// Whether any regime has jumps.
  let hasJumps: Bool
  /// Per regime `s`, asset `a` at `s · n + a`: the unstressed log drift and volatility of a
  /// step, and the annualized drift, volatility and jump compensator.
  let stepLogDrift: UnsafeMutablePointer<Double>
  let stepVolatility: UnsafeMutablePointer<Double>
  let drift: UnsafeMutablePointer<Double>
  let volatility: UnsafeMutablePointer<Double>
  let compensation: UnsafeMutablePointer<Double>
  let shocks: UnsafeMutablePointer<Double>
  let logPrice: UnsafeMutablePointer<Double>
  let jumpSum: UnsafeMutablePointer<Double>
  let jumpCount: UnsafeMutablePointer<Int32>
  var regime: [Int]
  var factorByStep: [UInt16]

  init(regimes: [DiffusionRegime], steps: Int, assets: Int) {
    self.regimes = regimes
    self.assets = assets
    self.steps = steps
    hasJumps = regimes.contains { $0.jumps != nil }
    let k = regimes.count
    func table(_ values: (DiffusionRegime) -> [Double]) -> UnsafeMutablePointer<Double> {
      let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, k * assets))
      for (s, r) in regimes.enumerated() {
        for (a, v) in values(r).enumerated() { p[s * assets + a] = v }
      }
      return p
    }
    stepLogDrift = table(\.stepLogDrift)
    stepVolatility = table(\.stepVolatility)
    drift = table(\.drift)
    volatility = table(\.volatility)
    compensation = table(\.compensation)
    shocks = .allocate(capacity: max(1, steps * assets))
    shocks.initialize(repeating: 0, count: max(1, steps * assets))
    logPrice = .allocate(capacity: max(1, assets))
    logPrice.initialize(repeating: 0, count: max(1, assets))
    jumpSum = .allocate(capacity: max(1, assets))
    jumpSum.initialize(repeating: 0, count: max(1, assets))
    jumpCount = .allocate(capacity: max(1, assets))
    jumpCount.initialize(repeating: 0, count: max(1, assets))
    regime = Array(repeating: 0, count: steps)
    factorByStep = Array(repeating: 0, count: steps)
  }

  deinit {
    for p in [stepLogDrift, stepVolatility, drift, volatility, compensation, shocks, logPrice, jumpSum] {
      p.deallocate()
    }
    jumpCount.deallocate()
  }
}

/// The one path loop shared by GBM, Merton, Kou and regime switching.
///
/// `workspace.regime` holds the regime (0…K−1) of each step when the model has regimes.
struct DiffusionKernel {
  /// The stream offset of step `t`'s jump draws: each step reads its own blocks, so a stress
  /// that changes the draws of one step leaves every other step's draws unchanged.
  @inline(__always)
  static func jumpStream(seed: UInt64, path: Int, step: Int) -> PathStream {
    PathStream(
      seed: seed, path: path, substream: PathStream.Substream.jumps.rawValue,
      startBlock: UInt64(step) << 32)
  }

  static func simulate(
    path: Int, initialPrices: [Double], hasRegimes: Bool,
    context: SimulationContext, workspace w: DiffusionWorkspace, output: PathOutput
  ) {
    let steps = context.grid.steps
    let n = initialPrices.count
    let dt = context.grid.timeStep
    let rootDt = context.rootTimeStep
    let schedule = context.schedule
    let k = context.modelCorrelationCount

    // Correlation factor of each step: blend b of the regime's correlation, b · K + s.
    let needsFactors = hasRegimes || schedule.correlationBlend != nil
    if needsFactors {
      for t in 0..<steps {
        let blend = Int(schedule.correlationBlend?[t] ?? 0)
        w.factorByStep[t] = UInt16(blend * k + (hasRegimes ? w.regime[t] : 0))
      }
    }
    w.factorByStep.withUnsafeBufferPointer { factors in
      context.shocks.fill(
        path: path, steps: steps, into: w.shocks,
        factorByStep: needsFactors ? factors.baseAddress : nil)
    }

    let prices = output.prices
    let logPrice = w.logPrice
    for a in 0..<n {
      logPrice[a] = log(initialPrices[a])
      prices[a] = initialPrices[a]
    }
    let jumps = w.hasJumps || schedule.forcedJump != nil
    let plain = schedule.volatilityMultiplier == nil && schedule.driftOverride == nil
      && schedule.historicalReturn == nil && schedule.shockReturn == nil
    if plain && !jumps && !hasRegimes {
      // The unstressed diffusion: one multiply-add and one exp per value.
      let logDrift = w.stepLogDrift
      let volatility = w.stepVolatility
      let shocks = w.shocks
      let logReturns = output.logReturns
      for t in 0..<steps {
        let row = t * n
        for a in 0..<n {
          let logReturn = logDrift[a] + volatility[a] * shocks[row + a]
          logPrice[a] += logReturn
          prices[row + n + a] = exp(logPrice[a])
          logReturns?[row + a] = logReturn
        }
      }
      return
    }
    for t in 0..<steps {
      let s = hasRegimes ? w.regime[t] : 0
      if let regimesOut = output.regimes { regimesOut[t] = UInt8(truncatingIfNeeded: s) }
      let row = t * n
      let p = s * n
      if jumps { drawJumps(path: path, step: t, regime: s, context: context, workspace: w) }
      for a in 0..<n {
        var logReturn: Double
        if let hist = schedule.historicalReturn?[row + a], !hist.isNaN {
          logReturn = hist
        } else {
          let e = w.shocks[row + a]
          if schedule.volatilityMultiplier == nil && schedule.driftOverride == nil {
            logReturn = w.stepLogDrift[p + a] + w.stepVolatility[p + a] * e
          } else {
            let sigma = w.volatility[p + a] * (schedule.volatilityMultiplier?[row + a] ?? 1)
            var mu = w.drift[p + a]
            if let d = schedule.driftOverride?[row + a], !d.isNaN { mu = d }
            logReturn = (mu - w.compensation[p + a] - 0.5 * sigma * sigma) * dt + sigma * rootDt * e
          }
          if jumps { logReturn += w.jumpSum[a] }
        }
        if let shock = schedule.shockReturn?[row + a], shock != 0 { logReturn += log1p(shock) }
        logPrice[a] += logReturn
        prices[row + n + a] = exp(logPrice[a])
        output.logReturns?[row + a] = logReturn
        output.jumps?[row + a] = jumps ? w.jumpCount[a] : 0
      }
    }
  }

  /// Fills `jumpSum` and `jumpCount` for step `t` (zeros when no jumps act).
  @inline(__always)
  static func drawJumps(
    path: Int, step t: Int, regime s: Int, context: SimulationContext,
    workspace w: DiffusionWorkspace
  ) {
    let n = w.assets
    let regime = w.regimes[s]
    let schedule = context.schedule
    for a in 0..<n {
      w.jumpSum[a] = 0
      w.jumpCount[a] = 0
    }
    if let jumps = regime.jumps {
      var stream = jumpStream(seed: context.seed, path: path, step: t)
      let multiplier = schedule.jumpIntensityMultiplier
      let dt = context.grid.timeStep
      func countLaw(_ a: Int) -> PoissonDistribution {
        guard let multiplier else { return regime.stepJumpCounts[a] }
        let m: Double
        if jumps.systemic {
          m = (0..<n).map { multiplier[t * n + $0] }.max() ?? 1
        } else {
          m = multiplier[t * n + a]
        }
        return m == 1 ? regime.stepJumpCounts[a] : PoissonDistribution(validatedMean: jumps.intensity[a] * m * dt)
      }
      if jumps.systemic {
        let count = countLaw(0).sample(using: &stream)
        for a in 0..<n { w.jumpCount[a] = Int32(clamping: count) }
      } else {
        for a in 0..<n { w.jumpCount[a] = Int32(clamping: countLaw(a).sample(using: &stream)) }
      }
      for a in 0..<n where w.jumpCount[a] > 0 {
        w.jumpSum[a] = jumpSize(count: Int(w.jumpCount[a]), asset: a, sizes: jumps.sizes, using: &stream)
      }
    }
    if let forced = schedule.forcedJump {
      for a in 0..<n where !forced[t * n + a].isNaN {
        w.jumpSum[a] += forced[t * n + a]
        w.jumpCount[a] += 1
      }
    }
  }

  /// The sum of `count` log jump sizes of asset `a`.
  @inline(__always)
  static func jumpSize(
    count: Int, asset a: Int, sizes: JumpSpecification.SizeLaw, using stream: inout PathStream
  ) -> Double {
    switch sizes {
    case .normal(let mean, let sd):
      let c = Double(count)
      return c * mean[a] + c.squareRoot() * sd[a] * stream.nextStandardNormal()
    case .doubleExponential(let p, let up, let down):
      var sum = 0.0
      for _ in 0..<count {
        let u = stream.nextOpenUnit()
        let e = -log(stream.nextOpenUnit())
        sum += u < p[a] ? up[a] * e : -down[a] * e
      }
      return sum
    }
  }
}
