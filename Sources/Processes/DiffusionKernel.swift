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
  let jumpTable: JumpTable
  var regime: [Int]
  var factorByStep: [UInt16]

  init(regimes: [DiffusionRegime], steps: Int, assets: Int) {
    self.regimes = regimes
    jumpTable = JumpTable(regimes: regimes, assets: assets)
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

extension DiffusionWorkspace {
  /// The workspace of a model with one regime (GBM, Merton, Kou).
  static func singleRegime(
    drift: [Double], volatility: [Double], jumps: JumpSpecification?, context: SimulationContext
  ) -> DiffusionWorkspace {
    let regime = DiffusionRegime(
      drift: drift, volatility: volatility, jumps: jumps, timeStep: context.grid.timeStep)
    return DiffusionWorkspace(regimes: [regime], steps: context.grid.steps, assets: drift.count)
  }

  /// Simulates one path of a model with one regime.
  func simulateSingleRegime(
    path: Int, initialPrices: [Double], context: SimulationContext, output: PathOutput
  ) {
    DiffusionKernel.simulate(
      path: path, initialPrices: initialPrices, hasRegimes: false, context: context,
      workspace: self, output: output)
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
    let schedule = context.schedule
    for a in 0..<n {
      w.jumpSum[a] = 0
      w.jumpCount[a] = 0
    }
    let table = w.jumpTable
    if table.hasJumps[s] {
      var stream = jumpStream(seed: context.seed, path: path, step: t)
      let p = s * n
      let systemic = table.systemic[s]
      if let multiplier = schedule.jumpIntensityMultiplier {
        let dt = context.grid.timeStep
        var strongest = 1.0
        if systemic {
          strongest = multiplier[t * n]
          for a in 1..<max(n, 1) { strongest = max(strongest, multiplier[t * n + a]) }
        }
        for a in 0..<(systemic ? 1 : n) {
          let m = systemic ? strongest : multiplier[t * n + a]
          let law = m == 1
            ? table.stepCounts[p + a] : PoissonDistribution(validatedMean: table.intensity[p + a] * m * dt)
          w.jumpCount[a] = Int32(clamping: law.sample(using: &stream))
        }
      } else {
        for a in 0..<(systemic ? 1 : n) {
          w.jumpCount[a] = Int32(clamping: table.stepCounts[p + a].sample(using: &stream))
        }
      }
      if systemic {
        for a in 1..<max(n, 1) { w.jumpCount[a] = w.jumpCount[0] }
      }
      for a in 0..<n where w.jumpCount[a] > 0 {
        w.jumpSum[a] = table.size(count: Int(w.jumpCount[a]), at: p + a, regime: s, using: &stream)
      }
    }
    if let forced = schedule.forcedJump {
      for a in 0..<n where !forced[t * n + a].isNaN {
        w.jumpSum[a] += forced[t * n + a]
        w.jumpCount[a] += 1
      }
    }
  }
}

/// The jump parameters of every regime in flat buffers, read by `drawJumps` without copying.
final class JumpTable {
  let regimes: Int
  /// Entries per parameter buffer, `max(1, K · n)`.
  let size: Int
  let hasJumps: UnsafeMutablePointer<Bool>
  let systemic: UnsafeMutablePointer<Bool>
  let kou: UnsafeMutablePointer<Bool>
  /// Per regime `s`, asset `a` at `s · n + a`: intensity per year, and the size law's
  /// parameters (Merton: mean, stdev; Kou: up probability, up mean, down mean).
  let intensity: UnsafeMutablePointer<Double>
  let first: UnsafeMutablePointer<Double>
  let second: UnsafeMutablePointer<Double>
  let third: UnsafeMutablePointer<Double>
  let stepCounts: UnsafeMutablePointer<PoissonDistribution>

  init(regimes: [DiffusionRegime], assets n: Int) {
    let k = regimes.count
    self.regimes = k
    let size = max(1, k * n)
    self.size = size
    hasJumps = .allocate(capacity: max(1, k))
    systemic = .allocate(capacity: max(1, k))
    kou = .allocate(capacity: max(1, k))
    intensity = .allocate(capacity: size)
    first = .allocate(capacity: size)
    second = .allocate(capacity: size)
    third = .allocate(capacity: size)
    stepCounts = .allocate(capacity: size)
    for p in [intensity, first, second, third] { p.initialize(repeating: 0, count: size) }
    stepCounts.initialize(repeating: PoissonDistribution(validatedMean: 0), count: size)
    for (s, regime) in regimes.enumerated() {
      hasJumps[s] = regime.jumps != nil
      systemic[s] = regime.jumps?.systemic ?? false
      kou[s] = false
      guard let jumps = regime.jumps else { continue }
      for a in 0..<n {
        intensity[s * n + a] = jumps.intensity[a]
        stepCounts[s * n + a] = regime.stepJumpCounts[a]
      }
      switch jumps.sizes {
      case .normal(let mean, let sd):
        for a in 0..<n {
          first[s * n + a] = mean[a]
          second[s * n + a] = sd[a]
        }
      case .doubleExponential(let p, let up, let down):
        kou[s] = true
        for a in 0..<n {
          first[s * n + a] = p[a]
          second[s * n + a] = up[a]
          third[s * n + a] = down[a]
        }
      }
    }
  }

  deinit {
    for p in [hasJumps, systemic, kou] { p.deallocate() }
    for p in [intensity, first, second, third] { p.deallocate() }
    stepCounts.deinitialize(count: size)
    stepCounts.deallocate()
  }

  /// The sum of `count` log jump sizes at table position `i` of regime `s`: Merton's
  /// `N · mean + √N · stdev · Z`, or Kou's sum of signed exponentials.
  @inline(__always)
  func size(count: Int, at i: Int, regime s: Int, using stream: inout PathStream) -> Double {
    if !kou[s] {
      let c = Double(count)
      return c * first[i] + c.squareRoot() * second[i] * stream.nextStandardNormal()
    }
    var sum = 0.0
    for _ in 0..<count {
      let u = stream.nextOpenUnit()
      let e = -log(stream.nextOpenUnit())
      sum += u < first[i] ? second[i] * e : -third[i] * e
    }
    return sum
  }
}
