import Foundation
import Processes

extension ScenarioSpec {
  /// The largest median log price, in magnitude, that the output precision can hold with a
  /// margin: prices are written as float64 (e^±709) or float32 (e^±88).
  var maximumMedianLogPrice: Double {
    output.precision == .float32 ? 85 : ScenarioLimits.maximumHorizonLogPrice
  }

  /// Rejects a variant whose stresses take the median log price of an asset beyond
  /// ±`maximumMedianLogPrice` at some step, where most paths overflow to ∞ or underflow to 0 in
  /// the output's precision: the per-step log drift `μ − λκ − (σ m)²/2` (μ the drift or its
  /// override, m the volatility multiplier; GARCH: the mean per step; a mean-reverting log
  /// price: `(θ − x)(1 − e^{−κ dt})` from the median `x`), plus `log(1 + r)` of a
  /// shock and a forced log jump, a replayed return in place of the step's own. A regime model
  /// is followed in each regime as if it held throughout, a forced regime in its window.
  ///
  /// - Complexity: O(steps × assets × regimes).
  func checkMedianLogPrices(of variant: VariantSpec, schedule: StressSchedule)
    throws(ScenarioError)
  {
    let n = assets.count
    let steps = grid.steps
    let dt = grid.timeStep
    // Per chain (one per regime, or one): per-asset drift per year, volatility per year, and
    // the jump compensation λκ per year; GARCH gives its per-step log drift instead.
    struct Chain {
      var name: String?
      var drift: [Double]
      var volatility: [Double]
      var compensation: [Double]
    }
    var chains: [Chain] = []
    var regimeChains: [Chain] = []
    var garchPerStep: [Double]?
    // A mean-reverting chain: per asset θ and the pull 1 − e^{−κ dt} of a step toward it.
    var reversion: (level: [Double], pull: [Double])?
    for chain in model.unit.driftChains(timeStep: dt) {
      switch chain.law {
      case .diffusion(let drift, let volatility, let compensation):
        chains.append(
          Chain(
            name: chain.regime, drift: drift, volatility: volatility, compensation: compensation))
      case .perStep(let perStep):
        garchPerStep = perStep
        chains.append(
          Chain(
            drift: Array(repeating: 0, count: n), volatility: Array(repeating: 0, count: n),
            compensation: Array(repeating: 0, count: n)))
      case .meanReverting(let level, let rate):
        reversion = (level, rate.map { -expm1(-$0 * dt) })
        chains.append(
          Chain(
            drift: Array(repeating: 0, count: n), volatility: Array(repeating: 0, count: n),
            compensation: Array(repeating: 0, count: n)))
      }
    }
    // A forced regime follows that regime's chain.
    if !model.regimeNames.isEmpty { regimeChains = chains }
    let bound = maximumMedianLogPrice
    for chain in chains {
      var level = initialPrices.map { log($0) }
      for k in 0..<steps {
        var current = chain
        if let forced = schedule.forcedRegime?[k], forced >= 0, Int(forced) < regimeChains.count {
          current = regimeChains[Int(forced)]
        }
        for a in 0..<n {
          let i = k * n + a
          var move: Double
          if let replay = schedule.historicalReturn?[i], !replay.isNaN {
            move = replay
          } else {
            if let perStep = garchPerStep {
              move = perStep[a]
            } else if let reversion {
              move = (reversion.level[a] - level[a]) * reversion.pull[a]
            } else {
              let drift =
                schedule.driftOverride.map { $0[i].isNaN ? current.drift[a] : $0[i] }
                ?? current.drift[a]
              let sigma = current.volatility[a] * (schedule.volatilityMultiplier?[i] ?? 1)
              move = (drift - current.compensation[a] - 0.5 * sigma * sigma) * dt
            }
            if let jump = schedule.forcedJump?[i], !jump.isNaN { move += jump }
          }
          if let shock = schedule.shockReturn?[i], shock != 0 { move += log1p(shock) }
          level[a] += move
          guard abs(level[a]) <= bound else {
            let whose = chain.name.map { " in regime \($0)" } ?? ""
            throw ScenarioError(
              file: file, field: "variants.\(variant.name)",
              message: "\(assets[a])\(whose): the median log price reaches \(level[a]) at step "
                + "\(k + 1) (log S0 plus the steps' log drifts (μ − λκ − (σ m)²/2)·dt, shocks, "
                + "forced jumps and replayed returns), beyond ±\(Int(bound)), where "
                + "\(output.precision.rawValue) prices overflow to infinity or underflow to 0; "
                + "use milder stresses or a shorter horizon")
          }
        }
      }
    }
  }
}
