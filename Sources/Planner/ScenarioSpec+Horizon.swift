import Foundation
import Processes
import Randomness

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
    // Per chain (one per regime, or one): the median move of a step.
    let chains = model.unit.driftChains(timeStep: dt).map {
      ($0.regime, $0.medianStep(timeStep: dt))
    }
    // A forced regime follows that regime's chain.
    let regimeChains = model.regimeNames.isEmpty ? [] : chains
    let bound = maximumMedianLogPrice
    for (name, chain) in chains {
      var level = initialPrices.map { PortableMath.log($0) }
      for k in 0..<steps {
        var current = chain
        if let forced = schedule.forcedRegime?[k], forced >= 0, Int(forced) < regimeChains.count {
          current = regimeChains[Int(forced)].1
        }
        for a in 0..<n {
          let i = k * n + a
          var move: Double
          if let replay = schedule.historicalReturn?[i], !replay.isNaN {
            move = replay
          } else {
            move = current(
              a, level[a], schedule.driftOverride?[i] ?? .nan,
              schedule.volatilityMultiplier?[i] ?? 1)
            if let jump = schedule.forcedJump?[i], !jump.isNaN { move += jump }
          }
          if let shock = schedule.shockReturn?[i], shock != 0 { move += PortableMath.log1p(shock) }
          level[a] += move
          guard abs(level[a]) <= bound else {
            let whose = name.map { " in regime \($0)" } ?? ""
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
