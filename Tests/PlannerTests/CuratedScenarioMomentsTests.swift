import Foundation
import Planner
import Processes
import Testing

/// The curated scenarios reproduce their sources: parameters converted to the engine's units
/// come back out of simulated paths as the source's own statistics (issue 9, item 8).
@Suite("Curated scenarios reproduce their sources")
struct CuratedScenarioMomentsTests {
  /// Hardy (2001), table 3, S&P 500 1956–1999: monthly log-return mean and deviation per
  /// regime, and the monthly switching probabilities.
  static let hardyMean = [0.0126, -0.0185]
  static let hardyDeviation = [0.0350, 0.0748]
  static let hardyTransition = [[1 - 0.0398, 0.0398], [0.3798, 1 - 0.3798]]
  /// Steps per month at dt = 1/252.
  static let month = 21

  @Test(
    "crisis-2008-regime: monthly log-return mean and deviation per regime, and monthly switching")
  func crisis2008() throws {
    let path = repositoryRoot.appendingPathComponent("Scenarios/crisis-2008-regime.yaml").path
    let spec = try ScenarioLoader.load(path: path, overrides: .init(variants: ["baseline"]))
    guard let process = spec.model.process(as: RegimeSwitchingProcess.self) else {
      Issue.record("expected a regime model, got \(spec.model.key)")
      return
    }
    #expect(process.regimes.map(\.name) == ["calm", "crisis"])
    #expect(spec.grid.timeStep == 1.0 / 252)
    let simulator = try PathSimulator(
      process: process, seed: spec.seed, grid: spec.grid, schedule: spec.variants[0].schedule)
    let steps = spec.grid.steps
    let n = spec.assets.count
    let equity = try #require(spec.assets.firstIndex(of: "EQ"))
    // Per regime: count, sum and sum of squares of the daily equity log returns.
    var count = [0.0, 0.0]
    var sum = [0.0, 0.0]
    var squares = [0.0, 0.0]
    // Regimes seen every 21 steps: transition counts.
    var transitions = [[0.0, 0.0], [0.0, 0.0]]
    let paths = spec.paths
    let block = 1000
    for first in stride(from: 0, to: paths, by: block) {
      let range = first..<min(first + block, paths)
      var arrays = BlockArrays(
        paths: range.count, steps: steps, assets: n, returns: true, latent: .regimes)
      arrays.withOutput { simulator.simulate(paths: range, into: $0) }
      for p in 0..<range.count {
        for t in 0..<steps {
          let s = Int(arrays.regimes[p * steps + t])
          let r = arrays.logReturns[(p * steps + t) * n + equity]
          count[s] += 1
          sum[s] += r
          squares[s] += r * r
        }
        for t in stride(from: Self.month, to: steps, by: Self.month) {
          let before = Int(arrays.regimes[p * steps + t - Self.month])
          let after = Int(arrays.regimes[p * steps + t])
          transitions[before][after] += 1
        }
      }
    }
    let m = Double(Self.month)
    for s in 0..<2 {
      let mean = sum[s] / count[s]
      let variance = (squares[s] - count[s] * mean * mean) / (count[s] - 1)
      // A month of 21 steps in one regime: mean 21 μ_d, deviation √21 σ_d.
      let monthlyMean = m * mean
      let monthlyDeviation = (m * variance).squareRoot()
      let meanSE = m * (variance / count[s]).squareRoot()
      let deviationSE = monthlyDeviation / (2 * count[s]).squareRoot()
      let name = process.regimes[s].name
      #expect(
        abs(monthlyMean - Self.hardyMean[s]) <= 4 * meanSE,
        """
        \(name): monthly log-return mean expected \(Self.hardyMean[s]), observed \(monthlyMean), \
        tolerance \(4 * meanSE) (4 SE over \(Int(count[s])) daily returns)
        """)
      #expect(
        abs(monthlyDeviation - Self.hardyDeviation[s]) <= 4 * deviationSE,
        """
        \(name): monthly log-return deviation expected \(Self.hardyDeviation[s]), observed \
        \(monthlyDeviation), tolerance \(4 * deviationSE) (4 SE)
        """)
      let visits = transitions[s][0] + transitions[s][1]
      let p = Self.hardyTransition[s][1 - s]
      let observed = transitions[s][1 - s] / visits
      let se = (p * (1 - p) / visits).squareRoot()
      #expect(
        abs(observed - p) <= 4 * se,
        """
        \(name): probability of the other regime 21 steps later expected \(p), observed \
        \(observed), tolerance \(4 * se) (4 SE over \(Int(visits)) monthly pairs)
        """)
    }
  }
}
