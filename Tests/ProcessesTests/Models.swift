import LinearAlgebra
import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The models the exactness, invariance and stress tests run over: every process type, each
/// with several correlated assets, jumps that often come several to a step, and both measures;
/// and one-asset twins of the diffusions (`gbm1`, `merton1`, `kou1`, `regime1`,
/// `regimeJumps1`), which take the diffusion kernel's one-asset loops.
enum Model: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case gbm3, gbm12, merton, mertonSystemic, kou, garch, garchT, gjr, egarch, egarchT, regime,
    regimeJumps, regime12, gbm1, merton1, kou1, regime1, regimeJumps1

  var testDescription: String { rawValue }

  /// 0.6^|i−j|: a valid correlation of any size with no two entries alike.
  static func decaying(_ n: Int) -> CorrelationMatrix {
    correlation((0..<n).map { i in (0..<n).map { j in pow(0.6, Double(abs(i - j))) } })
  }

  static let threeAssets = correlation([[1, -0.2, 0.1], [-0.2, 1, 0.2], [0.1, 0.2, 1]])

  var grid: TimeGrid {
    switch self {
    case .gbm3, .gbm12, .gbm1: return timeGrid(steps: 30, dt: 1.0 / 52)
    case .merton, .mertonSystemic, .kou, .merton1, .kou1: return timeGrid(steps: 24, dt: 1.0 / 12)
    case .garch, .garchT, .gjr, .egarch, .egarchT: return timeGrid(steps: 40, dt: 1.0 / 252)
    case .regime, .regimeJumps, .regime12, .regime1, .regimeJumps1:
      return timeGrid(steps: 60, dt: 1.0 / 52)
    }
  }

  /// The starting variance the GARCH cases are built with.
  var garchStart: GARCHProcess.InitialVariance {
    switch self {
    case .egarch, .egarchT: return .given([1e-4, 2e-4])
    default: return .unconditional
    }
  }

  var process: any PriceProcess {
    do {
      switch self {
      case .gbm3:
        return try GeometricBrownianMotion(
          initialPrices: [100, 50, 1900], drift: [0.07, 0.03, 0.02],
          volatility: [0.18, 0.06, 0.15], correlation: Self.threeAssets)
      case .gbm12:
        return try GeometricBrownianMotion(
          initialPrices: (0..<12).map { 50 + 10 * Double($0) },
          drift: Array(repeating: 0.01, count: 12),
          volatility: (0..<12).map { 0.1 + 0.02 * Double($0) }, correlation: Self.decaying(12),
          measure: .riskNeutral(rate: 0.04, dividendYield: (0..<12).map { 0.001 * Double($0) }))
      case .merton:
        return try JumpDiffusion(
          initialPrices: [100, 80], drift: [0.06, 0.02], volatility: [0.2, 0.15],
          jumps: JumpSpecification(
            intensity: [3, 20],
            sizes: .normal(mean: [-0.05, 0.02], standardDeviation: [0.1, 0.04])),
          correlation: constantCorrelation(0.5, dimension: 2))
      case .mertonSystemic:
        return try JumpDiffusion(
          initialPrices: [100, 100, 100], drift: [0.05, 0.05, 0.05], volatility: [0.2, 0.25, 0.1],
          jumps: JumpSpecification(
            intensity: [12, 12, 12],
            sizes: .normal(mean: [-0.1, -0.05, 0.02], standardDeviation: [0.1, 0.2, 0.05]),
            systemic: true),
          correlation: Self.threeAssets,
          measure: .riskNeutral(rate: 0.03, dividendYield: [0, 0.01, 0.02]))
      case .kou:
        return try JumpDiffusion(
          initialPrices: [100, 40], drift: [0.05, 0.1], volatility: [0.15, 0.3],
          jumps: JumpSpecification(
            intensity: [5, 15],
            sizes: .doubleExponential(
              upProbability: [0.3, 0.6], upMean: [0.05, 0.1], downMean: [0.08, 0.04])),
          correlation: constantCorrelation(-0.3, dimension: 2))
      case .garch, .garchT:
        return try GARCHProcess(
          type: .garch, initialPrices: [100, 20], mean: [3e-4, 1e-4], omega: [2e-6, 5e-6],
          alpha: [0.05, 0.1], beta: [0.9, 0.85],
          innovations: self == .garchT ? .studentT(degreesOfFreedom: 6) : .normal,
          correlation: constantCorrelation(0.4, dimension: 2))
      case .gjr:
        return try GARCHProcess(
          type: .gjr, initialPrices: [100, 20], mean: [3e-4, 1e-4], omega: [2e-6, 5e-6],
          alpha: [0.03, 0.02], beta: [0.9, 0.85], gamma: [0.08, 0.2],
          correlation: constantCorrelation(0.6, dimension: 2),
          measure: .riskNeutral(rate: 0.05, dividendYield: [0.01, 0]))
      case .egarch, .egarchT:
        return try GARCHProcess(
          type: .egarch, initialPrices: [100, 20], mean: [2e-4, 0], omega: [-0.3, -0.5],
          alpha: [0.1, 0.15], beta: [0.97, 0.95], gamma: [-0.06, -0.1],
          innovations: self == .egarchT ? .studentT(degreesOfFreedom: 8) : .normal,
          initialVariance: garchStart, correlation: constantCorrelation(-0.5, dimension: 2))
      case .regime:
        // "calm" has no correlation of its own: it takes the model's.
        return try RegimeSwitchingProcess(
          initialPrices: [100, 100, 50],
          regimes: [
            .init(name: "calm", drift: [0.08, 0.04, 0.02], volatility: [0.12, 0.05, 0.15]),
            .init(
              name: "nervous", drift: [0.0, 0.03, 0.05], volatility: [0.25, 0.08, 0.2],
              correlation: Self.threeAssets),
            .init(
              name: "crisis", drift: [-0.3, 0.05, 0.1], volatility: [0.45, 0.1, 0.3],
              correlation: correlation([[1, 0.8, 0.7], [0.8, 1, 0.6], [0.7, 0.6, 1]])),
          ],
          transition: [[0.9, 0.08, 0.02], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]],
          correlation: correlation([[1, 0.3, -0.4], [0.3, 1, 0.25], [-0.4, 0.25, 1]]))
      case .regimeJumps:
        return try RegimeSwitchingProcess(
          initialPrices: [100, 60],
          regimes: [
            .init(name: "calm", drift: [0.08, 0.04], volatility: [0.12, 0.2]),
            .init(
              name: "crisis", drift: [-0.2, 0.0], volatility: [0.4, 0.3],
              correlation: constantCorrelation(0.8, dimension: 2),
              jumps: JumpSpecification(
                intensity: [15, 15],
                sizes: .normal(mean: [-0.08, -0.05], standardDeviation: [0.05, 0.1]))),
          ],
          transition: [[0.9, 0.1], [0.2, 0.8]], initialDistribution: [1, 0])
      case .regime12:
        // Wide enough for BLAS dtrmm, with a different correlation in each regime.
        return try RegimeSwitchingProcess(
          initialPrices: Array(repeating: 100, count: 12),
          regimes: [
            .init(
              name: "calm", drift: Array(repeating: 0.05, count: 12),
              volatility: (0..<12).map { 0.1 + 0.01 * Double($0) }, correlation: Self.decaying(12)),
            .init(
              name: "crisis", drift: Array(repeating: -0.2, count: 12),
              volatility: (0..<12).map { 0.3 + 0.02 * Double($0) },
              correlation: constantCorrelation(0.7, dimension: 12)),
          ],
          transition: [[0.8, 0.2], [0.1, 0.9]])
      case .gbm1:
        return try GeometricBrownianMotion(
          initialPrices: [100], drift: [0.07], volatility: [0.18])
      case .merton1:
        return try JumpDiffusion(
          initialPrices: [80], drift: [0.04], volatility: [0.15],
          jumps: JumpSpecification(
            intensity: [20], sizes: .normal(mean: [-0.03], standardDeviation: [0.05])),
          measure: .riskNeutral(rate: 0.03, dividendYield: [0.01]))
      case .kou1:
        return try JumpDiffusion(
          initialPrices: [40], drift: [0.1], volatility: [0.3],
          jumps: JumpSpecification(
            intensity: [15],
            sizes: .doubleExponential(upProbability: [0.4], upMean: [0.06], downMean: [0.09])))
      case .regime1:
        return try RegimeSwitchingProcess(
          initialPrices: [100],
          regimes: [
            .init(name: "calm", drift: [0.08], volatility: [0.12]),
            .init(name: "nervous", drift: [0.01], volatility: [0.22]),
            .init(name: "crisis", drift: [-0.3], volatility: [0.45]),
          ],
          transition: [[0.9, 0.08, 0.02], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]])
      case .regimeJumps1:
        return try RegimeSwitchingProcess(
          initialPrices: [60],
          regimes: [
            .init(name: "calm", drift: [0.04], volatility: [0.2]),
            .init(
              name: "crisis", drift: [0.0], volatility: [0.3],
              jumps: JumpSpecification(
                intensity: [25], sizes: .normal(mean: [-0.05], standardDeviation: [0.1]))),
          ],
          transition: [[0.9, 0.1], [0.2, 0.8]], initialDistribution: [0, 1],
          measure: .riskNeutral(rate: 0.02, dividendYield: [0]))
      }
    } catch {
      preconditionFailure("test model \(self) rejected: \(error)")
    }
  }

  /// The reference outputs of path `path` (see `ReferenceModels.swift`).
  func reference(seed: UInt64, path: Int, schedule: StressSchedule? = nil) -> ReferencePath {
    let process = self.process
    let grid = self.grid
    let schedule = schedule ?? StressSchedule(steps: grid.steps, assets: process.assetCount)
    let steps = grid.steps
    switch process {
    case let p as GeometricBrownianMotion:
      return referenceDiffusion(
        seed: seed, path: path, grid: grid, initialPrices: p.initialPrices,
        regimes: [
          ReferenceRegime(drift: p.drift, volatility: p.volatility, correlation: p.correlation)
        ],
        regimeOfStep: Array(repeating: 0, count: steps), schedule: schedule)
    case let p as JumpDiffusion:
      return referenceDiffusion(
        seed: seed, path: path, grid: grid, initialPrices: p.initialPrices,
        regimes: [
          ReferenceRegime(
            drift: p.drift, volatility: p.volatility, correlation: p.correlation, jumps: p.jumps)
        ],
        regimeOfStep: Array(repeating: 0, count: steps), schedule: schedule)
    case let p as RegimeSwitchingProcess:
      let chain = referenceRegimeChain(
        seed: seed, path: path, steps: steps, transition: p.transition,
        initial: p.initialDistribution, forced: schedule.forcedRegime)
      // A regime without its own correlation takes the model's (documented on the process).
      let regimes = p.regimes.map {
        ReferenceRegime(
          drift: $0.drift, volatility: $0.volatility,
          correlation: $0.correlation ?? p.correlation, jumps: $0.jumps)
      }
      return referenceDiffusion(
        seed: seed, path: path, grid: grid, initialPrices: p.initialPrices, regimes: regimes,
        regimeOfStep: chain, schedule: schedule)
    case let p as GARCHProcess:
      return referenceGARCH(
        p, start: garchStart, seed: seed, path: path, grid: grid, schedule: schedule,
        expectedAbsoluteInnovation: GARCHProcess.expectedAbsolute(p.innovations))
    default:
      preconditionFailure("no reference for \(type(of: process))")
    }
  }

  var isGARCH: Bool { process is GARCHProcess }
  var hasJumps: Bool { process.latentStates.contains(.jumps) }
  var hasRegimes: Bool { process.latentStates.contains(.regimes) }

  /// A schedule that uses every stress this model accepts, each over its own window, on
  /// asset 0 or all assets (steps 1-based, as in a scenario file).
  var stressedSchedule: StressSchedule {
    let n = process.assetCount
    let steps = grid.steps
    var s = StressSchedule(steps: steps, assets: n)
    s.set(\.volatilityMultiplier, steps: 3...8, assets: [0], to: 2.5, neutral: 1)
    s.set(\.driftOverride, steps: 5...10, assets: Array(0..<n), to: -0.4, neutral: .nan)
    s.set(\.shockReturn, steps: 6...6, assets: Array(0..<n), to: -0.2, neutral: 0)
    s.set(\.historicalReturn, steps: 12...13, assets: [n - 1], to: -0.03, neutral: .nan)
    s.blendCorrelation(
      steps: 9...15, toward: constantCorrelation(0.9, dimension: n).matrix, weight: 0.7)
    if hasJumps {
      s.set(\.jumpIntensityMultiplier, steps: 2...7, assets: [0], to: 4, neutral: 1)
      s.set(\.forcedJump, steps: 4...4, assets: [n - 1], to: -0.15, neutral: .nan)
      // Two forced jumps at step 11 (counted as two), and one at replayed step 12 (counted as
      // none: the replay replaces the whole move).
      s.set(\.forcedJump, steps: 11...12, assets: [n - 1], to: -0.1, neutral: .nan)
      s.forcedJumpCount = (0..<(steps * n)).map { i in
        let (k, a) = (i / n + 1, i % n)
        return a == n - 1 && k == 11 ? 2 : a == n - 1 && (k == 4 || k == 12) ? 1 : 0
      }
    }
    if isGARCH {
      s.set(\.variance, steps: 16...16, assets: [0], to: 4e-4, neutral: .nan)
    }
    if hasRegimes {
      s.forcedRegime = (0..<steps).map { (18...24).contains($0 + 1) ? 1 : -1 }
    }
    return s
  }
}

extension StressSchedule {
  /// Sets `value` at steps `steps` (1-based) for `assets`, `neutral` everywhere else.
  mutating func set(
    _ field: WritableKeyPath<StressSchedule, [Double]?>, steps window: ClosedRange<Int>,
    assets chosen: [Int], to value: Double, neutral: Double
  ) {
    var values = self[keyPath: field] ?? Array(repeating: neutral, count: steps * assets)
    for k in window {
      for a in chosen { values[(k - 1) * assets + a] = value }
    }
    self[keyPath: field] = values
  }

  /// Blends the correlation toward `target` with `weight` over `steps` (1-based).
  mutating func blendCorrelation(
    steps window: ClosedRange<Int>, toward target: Matrix, weight: Double
  ) {
    correlationBlends.append(CorrelationBlend(target: target, weight: weight))
    var blend = correlationBlend ?? Array(repeating: 0, count: steps)
    for k in window { blend[k - 1] = UInt16(correlationBlends.count) }
    correlationBlend = blend
  }
}
