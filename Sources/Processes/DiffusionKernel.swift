import Randomness
import Shocks

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
  let jumpSum: UnsafeMutablePointer<Double>
  let jumpCount: UnsafeMutablePointer<Int32>
  /// The first block of each step's jump stream (two words per step), computed for the whole
  /// path at once.
  let jumpWords: UnsafeMutablePointer<UInt64>
  let jumpTable: JumpTable
  /// The regime of each step (models with regimes), and the correlation factor of each step.
  let regime: UnsafeMutablePointer<Int>
  let factorByStep: UnsafeMutablePointer<UInt16>
  /// Models with regimes: the words of the path's regime stream, one per step (and one spare,
  /// as Philox blocks give two), then each step's table of next states.
  let regimeWords: UnsafeMutablePointer<UInt64>

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
    shocks = .filled(0, count: steps * assets)
    jumpSum = .filled(0, count: assets)
    jumpCount = .filled(0, count: assets)
    jumpWords = .filled(0, count: 2 * steps)
    regime = .filled(0, count: steps)
    factorByStep = .filled(0, count: steps)
    regimeWords = .filled(0, count: steps + 1)
  }

  deinit {
    for p in [stepLogDrift, stepVolatility, drift, volatility, compensation, shocks, jumpSum] {
      p.deallocate()
    }
    jumpCount.deallocate()
    jumpWords.deallocate()
    regime.deallocate()
    factorByStep.deallocate()
    regimeWords.deallocate()
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

  /// Simulates a group of consecutive paths of a model with one regime
  /// (`PriceProcess.simulate(group:…)`).
  func simulateSingleRegime(
    group paths: Range<Int>, initialPrices: [Double], context: SimulationContext,
    output: BlockOutput
  ) {
    let steps = context.grid.steps
    if !hasJumps && context.schedule.isEmpty && output.logReturns == nil
      && output.jumps == nil && output.regimes == nil
    {
      // Unstressed GBM, only prices out: each path's shocks go straight to its rows, and one
      // pass makes them log returns, log prices and prices (`pricesFromShocks`), where
      // `simulate(path:…)` would make the log returns in a pass of its own.
      let n = assets
      let stride = (steps + 1) * n
      for (offset, path) in paths.enumerated() {
        context.shocks.fill(path: path, steps: steps, into: output.prices + offset * stride + n)
      }
      if n == 1 && paths.count == 4 {
        pricesFromShocks(
          group: output.prices, initialPrice: initialPrices[0], steps: steps,
          drift: stepLogDrift[0], volatility: stepVolatility[0])
      } else {
        for offset in 0..<paths.count {
          pricesFromShocks(
            output.prices + offset * stride, initialPrices: initialPrices, steps: steps,
            drift: stepLogDrift, volatility: stepVolatility)
        }
      }
      return
    }
    simulatePathGroup(paths, output: output, initialPrices: initialPrices, steps: steps) {
      path, pathOutput in
      DiffusionKernel.simulate(
        path: path, initialPrices: initialPrices, hasRegimes: false, context: context,
        workspace: self, output: pathOutput, completingPrices: false)
    }
  }
}

/// The one path loop shared by GBM, Merton, Kou and regime switching.
///
/// `workspace.regime` holds the regime (0…K−1) of each step when the model has regimes.
struct DiffusionKernel {
  /// Step `t`'s jump draws start at block `t · 2³²` of the path's jump stream: each step reads
  /// its own blocks, so a stress that changes the draws of one step leaves every other step's
  /// draws unchanged.
  static let jumpStepStride: UInt64 = 1 << 32

  /// Computes the first block of every step's jump draws into `workspace.jumpWords`, in one
  /// vectorised batch (most steps need no more than that block).
  @inline(__always)
  static func prefetchJumpBlocks(
    seed: UInt64, path: Int, steps: Int, workspace w: DiffusionWorkspace
  ) {
    PathStream(seed: seed, path: path, substream: .jumps).words(
      ofBlocksFrom: 0, stride: jumpStepStride, count: steps, into: w.jumpWords)
  }

  /// Step `t`'s jump draws: the two prefetched words of its first block, then its later blocks.
  @inline(__always)
  static func jumpStream(seed: UInt64, path: Int, step t: Int, workspace w: DiffusionWorkspace)
    -> PrefetchedStream
  {
    PrefetchedStream(
      first: w.jumpWords[2 * t], second: w.jumpWords[2 * t + 1],
      rest: PathStream(
        seed: seed, path: path, substream: PathStream.Substream.jumps.rawValue,
        startBlock: UInt64(t) * jumpStepStride + 1))
  }

  /// Simulates one path. With `completingPrices` false, rows 1…steps of `output.prices` are
  /// left holding the log returns, for `simulatePathGroup` to turn into prices.
  static func simulate(
    path: Int, initialPrices: [Double], hasRegimes: Bool,
    context: SimulationContext, workspace w: DiffusionWorkspace, output: PathOutput,
    completingPrices: Bool = true
  ) {
    let steps = context.grid.steps
    let n = initialPrices.count
    let dt = context.grid.timeStep
    let rootDt = context.rootTimeStep
    let schedule = context.schedule
    let k = context.modelCorrelationCount

    // Correlation factor of each step: blend b of the regime's correlation, b · K + s (one
    // asset has no correlation to choose).
    let needsFactors = n > 1 && (hasRegimes || schedule.correlationBlend != nil)
    if needsFactors {
      for t in 0..<steps {
        let blend = Int(schedule.correlationBlend?[t] ?? 0)
        w.factorByStep[t] = UInt16(blend * k + (hasRegimes ? w.regime[t] : 0))
      }
    }
    context.shocks.fill(
      path: path, steps: steps, into: w.shocks, factorByStep: needsFactors ? w.factorByStep : nil)

    // Rows 1…steps of `prices` first receive each step's log return; a running sum from the
    // log initial prices turns them into log prices, and one vectorised pass into prices.
    let prices = output.prices
    let returns = prices + n
    let jumps = w.hasJumps || schedule.forcedJump != nil
    let plain =
      schedule.volatilityMultiplier == nil && schedule.driftOverride == nil
      && schedule.historicalReturn == nil && schedule.shockReturn == nil
    // Jump draws come from the path's own stream (its pair's under antithetic sampling).
    if w.hasJumps {
      prefetchJumpBlocks(
        seed: context.seed, path: context.shocks.streamPath(path), steps: steps, workspace: w)
    }
    if plain {
      // One multiply-add per value (plus the jumps of the step).
      let shocks = w.shocks
      // Unstressed jump intensities and no forced jumps: a step whose first jump uniform
      // gives no jump needs nothing else from its jump stream.
      let quietJumps = schedule.jumpIntensityMultiplier == nil && schedule.forcedJump == nil
      if n == 1 && !hasRegimes && !jumps {
        let mu = w.stepLogDrift[0]
        let sigma = w.stepVolatility[0]
        for t in 0..<steps { returns[t] = mu + sigma * shocks[t] }
      } else if n == 1 && !hasRegimes && quietJumps {
        // One asset with jumps: the diffusion in one pass, then the few steps with a jump.
        let mu = w.stepLogDrift[0]
        let sigma = w.stepVolatility[0]
        for t in 0..<steps { returns[t] = mu + sigma * shocks[t] }
        output.jumps?.update(repeating: 0, count: steps)
        for t in 0..<steps where !w.jumpTable.isQuiet(firstWord: w.jumpWords[2 * t], regime: 0) {
          drawJumps(path: path, step: t, regime: 0, context: context, workspace: w)
          returns[t] += w.jumpSum[0]
          output.jumps?[t] = w.jumpCount[0]
        }
      } else if n == 1 && !jumps {
        for t in 0..<steps {
          let s = w.regime[t]
          returns[t] = w.stepLogDrift[s] + w.stepVolatility[s] * shocks[t]
        }
      } else {
        for t in 0..<steps {
          let s = hasRegimes ? w.regime[t] : 0
          let row = t * n
          let logDrift = w.stepLogDrift + s * n
          let volatility = w.stepVolatility + s * n
          for a in 0..<n { returns[row + a] = logDrift[a] + volatility[a] * shocks[row + a] }
          if jumps {
            if quietJumps && w.jumpTable.isQuiet(firstWord: w.jumpWords[2 * t], regime: s) {
              output.jumps?.advanced(by: row).update(repeating: 0, count: n)
              continue
            }
            drawJumps(path: path, step: t, regime: s, context: context, workspace: w)
            for a in 0..<n { returns[row + a] += w.jumpSum[a] }
            output.jumps?.advanced(by: row).update(from: w.jumpCount, count: n)
          }
        }
      }
    } else {
      for t in 0..<steps {
        let s = hasRegimes ? w.regime[t] : 0
        let row = t * n
        let p = s * n
        if jumps { drawJumps(path: path, step: t, regime: s, context: context, workspace: w) }
        for a in 0..<n {
          var logReturn: Double
          // A replayed return is the asset's whole move: no jump of the step reaches the price.
          var jumpCount = jumps ? w.jumpCount[a] : 0
          if let hist = schedule.historicalReturn?[row + a], !hist.isNaN {
            logReturn = hist
            jumpCount = 0
          } else {
            let e = w.shocks[row + a]
            if schedule.volatilityMultiplier == nil && schedule.driftOverride == nil {
              logReturn = w.stepLogDrift[p + a] + w.stepVolatility[p + a] * e
            } else {
              let sigma = w.volatility[p + a] * (schedule.volatilityMultiplier?[row + a] ?? 1)
              var mu = w.drift[p + a]
              if let d = schedule.driftOverride?[row + a], !d.isNaN { mu = d }
              logReturn =
                (mu - w.compensation[p + a] - 0.5 * sigma * sigma) * dt + sigma * rootDt * e
            }
            if jumps { logReturn += w.jumpSum[a] }
          }
          if let shock = schedule.shockReturn?[row + a], shock != 0 {
            logReturn += PortableMath.log1p(shock)
          }
          returns[row + a] = logReturn
          output.jumps?[row + a] = jumpCount
        }
      }
    }
    if !jumps, let counts = output.jumps { counts.update(repeating: 0, count: steps * n) }
    if let regimesOut = output.regimes {
      for t in 0..<steps { regimesOut[t] = hasRegimes ? UInt8(truncatingIfNeeded: w.regime[t]) : 0 }
    }
    output.logReturns?.update(from: returns, count: steps * n)
    if completingPrices {
      pricesFromLogReturns(prices, initialPrices: initialPrices, steps: steps, assets: n)
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
      var stream = jumpStream(
        seed: context.seed, path: context.shocks.streamPath(path), step: t, workspace: w)
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
          let law =
            m == 1
            ? table.stepCounts[p + a]
            : PoissonDistribution(validatedMean: table.intensity[p + a] * m * dt)
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
        let (count, overflow) = w.jumpCount[a].addingReportingOverflow(
          schedule.forcedJumpCount?[t * n + a] ?? 1)
        w.jumpCount[a] = overflow ? .max : count
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
  /// Per regime: the largest first uniform of a step that means no jump, when one Poisson
  /// count by inversion decides the whole step (one asset, or a systemic clock); −1 otherwise.
  let quietThreshold: UnsafeMutablePointer<Double>

  init(regimes: [DiffusionRegime], assets n: Int) {
    let k = regimes.count
    self.regimes = k
    let size = max(1, k * n)
    self.size = size
    hasJumps = .filled(false, count: k)
    systemic = .filled(false, count: k)
    kou = .filled(false, count: k)
    intensity = .filled(0, count: size)
    first = .filled(0, count: size)
    second = .filled(0, count: size)
    third = .filled(0, count: size)
    stepCounts = .filled(PoissonDistribution(validatedMean: 0), count: size)
    quietThreshold = .filled(-1, count: k)
    for (s, regime) in regimes.enumerated() {
      hasJumps[s] = regime.jumps != nil
      systemic[s] = regime.jumps?.systemic ?? false
      guard let jumps = regime.jumps else { continue }
      for a in 0..<n {
        intensity[s * n + a] = jumps.intensity[a]
        stepCounts[s * n + a] = regime.stepJumpCounts[a]
      }
      if n == 1 || jumps.systemic {
        quietThreshold[s] = regime.stepJumpCounts.first?.zeroThreshold ?? -1
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
    for p in [intensity, first, second, third, quietThreshold] { p.deallocate() }
    stepCounts.deinitialize(count: size)
    stepCounts.deallocate()
  }

  /// Whether a step of regime `s` whose jump stream starts with `firstWord` has no jump, by
  /// the same uniform (`nextOpenUnit`) and inversion that `drawJumps` would use. `false` when
  /// that cannot be decided from the one word; the step then takes `drawJumps`.
  @inline(__always)
  func isQuiet(firstWord: UInt64, regime s: Int) -> Bool {
    if !hasJumps[s] { return true }
    let k = firstWord &>> 11
    return k != 0 && Double(Int64(bitPattern: k)) * 0x1p-53 <= quietThreshold[s]
  }

  /// The sum of `count` log jump sizes at table position `i` of regime `s`: Merton's
  /// `N · mean + √N · stdev · Z`, or Kou's sum of signed exponentials.
  @inline(__always)
  func size<G: RandomNumberGenerator>(count: Int, at i: Int, regime s: Int, using stream: inout G)
    -> Double
  {
    if !kou[s] {
      let c = Double(count)
      return c * first[i] + c.squareRoot() * second[i] * stream.nextStandardNormal()
    }
    var sum = 0.0
    for _ in 0..<count {
      let u = stream.nextOpenUnit()
      let e = -PortableLogarithm.log(stream.nextOpenUnit())
      sum += u < first[i] ? second[i] * e : -third[i] * e
    }
    return sum
  }
}

/// A path stream whose first two words are already known: `first`, `second`, then the words
/// of `rest`. Yields exactly what the stream started one block earlier would.
struct PrefetchedStream: RandomNumberGenerator {
  let first: UInt64
  let second: UInt64
  var taken = 0
  var rest: PathStream

  init(first: UInt64, second: UInt64, rest: PathStream) {
    self.first = first
    self.second = second
    self.rest = rest
  }

  @inline(__always)
  mutating func next() -> UInt64 {
    switch taken {
    case 0:
      taken = 1
      return first
    case 1:
      taken = 2
      return second
    default:
      return rest.next()
    }
  }
}

extension UnsafeMutablePointer {
  /// A new buffer of `count` elements (at least one, so that no size is a special case), each
  /// `value`; the owner deallocates it.
  fileprivate static func filled(_ value: Pointee, count: Int) -> Self {
    let buffer = allocate(capacity: Swift.max(1, count))
    buffer.initialize(repeating: value, count: Swift.max(1, count))
    return buffer
  }
}
