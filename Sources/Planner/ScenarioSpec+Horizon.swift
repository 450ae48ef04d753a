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
  /// override, m the volatility multiplier; GARCH: the mean per step), plus `log(1 + r)` of a
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
    func compensation(_ jumps: JumpSpecification?) -> [Double] {
      guard let jumps else { return Array(repeating: 0, count: n) }
      let kappa = jumps.compensator
      return (0..<n).map { jumps.intensity[$0] * kappa[$0] }
    }
    switch model {
    case .gbm(let m):
      chains = [Chain(drift: m.drift, volatility: m.volatility, compensation: compensation(nil))]
    case .jumpDiffusion(let m):
      chains = [
        Chain(drift: m.drift, volatility: m.volatility, compensation: compensation(m.jumps))
      ]
    case .regime(let p):
      regimeChains = p.regimes.map {
        Chain(
          name: $0.name, drift: $0.drift, volatility: $0.volatility,
          compensation: compensation($0.jumps))
      }
      chains = regimeChains
    case .garch(let m):
      var perStep = m.mean
      if case .riskNeutral(let rate, let dividends) = m.measure {
        perStep = (0..<n).map { (rate - dividends[$0]) * dt - 0.5 * m.initialVariance[$0] }
      }
      garchPerStep = perStep
      chains = [
        Chain(
          drift: Array(repeating: 0, count: n), volatility: Array(repeating: 0, count: n),
          compensation: Array(repeating: 0, count: n))
      ]
    }
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
