import Calibration
import Foundation
import Planner
import Processes
import ScengineTestSupport
import Shocks
import Testing

/// Returns simulated as the engine's regime model does: the regime of step 1 from the
/// stationary distribution, then per step `(drift − vol²/2) dt + vol √dt (L Z)` in the regime.
private func simulate(
  drift: [[Double]], volatility: [[Double]], correlation: [[[Double]]]?, transition: [[Double]],
  steps: Int, dt: Double, seed: UInt64
) throws -> ReturnSample {
  let k = drift.count
  let n = drift[0].count
  let pi = try MarkovSwitching.stationaryDistribution(transition)
  var g = SeededRandom(state: seed)
  func draw(_ p: [Double]) -> Int {
    let u = g.uniform()
    var c = 0.0
    for (j, x) in p.enumerated() {
      c += x
      if u < c { return j }
    }
    return p.count - 1
  }
  // Cholesky factors of the regime correlations.
  let factors: [[[Double]]] = (0..<k).map { r in
    let c = correlation?[r] ?? (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    var l = Array(repeating: Array(repeating: 0.0, count: n), count: n)
    for i in 0..<n {
      for j in 0...i {
        var s = c[i][j]
        for m in 0..<j { s -= l[i][m] * l[j][m] }
        l[i][j] = i == j ? s.squareRoot() : s / l[j][j]
      }
    }
    return l
  }
  var returns = Array(repeating: [Double](), count: n)
  var s = draw(pi)
  for step in 0..<steps {
    if step > 0 { s = draw(transition[s]) }
    let z = (0..<n).map { _ in g.normal() }
    for a in 0..<n {
      let shock = (0...a).reduce(0.0) { $0 + factors[s][a][$1] * z[$1] }
      let v = volatility[s][a]
      returns[a].append((drift[s][a] - 0.5 * v * v) * dt + v * dt.squareRoot() * shock)
    }
  }
  return ReturnSample(
    assets: (0..<n).map { "A\($0)" }, returns: returns, timeStep: dt)
}

/// The engine's process parsed from a scenario file whose model is the fit's `scenarioModel`.
private func parsedScenario(_ model: MarkovSwitchingModel) throws -> RegimeSwitchingProcess? {
  let yaml = """
    name: fitted
    paths: 10
    time: {steps: 20, dt: 1/252}
    assets: [\(model.assets.joined(separator: ", "))]
    initial: 100
    model:
    \(model.scenarioModel)
    """
  let spec = try ScenarioLoader.parse(yaml: yaml, file: "fitted.yaml")
  return spec.model.process(as: RegimeSwitchingProcess.self)
}

@Suite struct MarkovSwitchingFitTests {
  static let transition = [[0.99, 0.01], [0.03, 0.97]]

  /// Every estimate with a standard error lies within 3 of them from the truth.
  private func expectWithinThreeSE(
    _ fit: AssetFit, _ truth: [String: Double], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for (key, value) in truth {
      guard let e = fit.parameters.first(where: { $0.key == key }) else {
        Issue.record("no estimate \(key)", sourceLocation: sourceLocation)
        continue
      }
      guard let se = e.standardError, se > 0 else {
        Issue.record("no standard error for \(key)", sourceLocation: sourceLocation)
        continue
      }
      #expect(
        abs(e.estimate - value) <= 3 * se,
        "\(key): expected \(value), observed \(e.estimate), tolerance 3 × \(se)",
        sourceLocation: sourceLocation)
    }
  }

  @Test func refitsOneAssetWithinThreeStandardErrors() throws {
    let drift = [[0.12], [-0.25]]
    let vol = [[0.10], [0.32]]
    let sample = try simulate(
      drift: drift, volatility: vol, correlation: nil, transition: Self.transition, steps: 4000,
      dt: 1.0 / 252, seed: 11)
    let model = try MarkovSwitchingFitter.fit(sample, regimes: 2)
    #expect(model.converged)
    var truth: [String: Double] = [:]
    for r in 0..<2 {
      truth["regime\(r).drift"] = drift[r][0]
      truth["regime\(r).volatility"] = vol[r][0]
      for j in 0..<2 { truth["transition[\(r)][\(j)]"] = Self.transition[r][j] }
    }
    expectWithinThreeSE(model.fits[0], truth)
  }

  @Test func refitsTwoCorrelatedAssetsWithinThreeStandardErrors() throws {
    let drift = [[0.10, 0.04], [-0.20, 0.08]]
    let vol = [[0.12, 0.06], [0.35, 0.10]]
    let corr = [[[1, 0.3], [0.3, 1]], [[1, -0.5], [-0.5, 1.0]]]
    let sample = try simulate(
      drift: drift, volatility: vol, correlation: corr, transition: Self.transition, steps: 3000,
      dt: 1.0 / 252, seed: 29)
    let model = try MarkovSwitchingFitter.fit(sample, regimes: 2)
    #expect(model.converged)
    for a in 0..<2 {
      var truth: [String: Double] = [:]
      for r in 0..<2 {
        truth["regime\(r).drift"] = drift[r][a]
        truth["regime\(r).volatility"] = vol[r][a]
      }
      if a == 0 {
        for r in 0..<2 {
          truth["regime\(r).correlation[0][1]"] = corr[r][0][1]
          for j in 0..<2 { truth["transition[\(r)][\(j)]"] = Self.transition[r][j] }
        }
      }
      expectWithinThreeSE(model.fits[a], truth)
    }
    // The joint log-likelihood is the model's; no asset has one of its own.
    #expect(model.fits.allSatisfy { $0.logLikelihood.isNaN })
  }

  @Test func filterLikelihoodAndProbabilitiesMatchTheFit() throws {
    let sample = try simulate(
      drift: [[0.1], [-0.1], [0.0]], volatility: [[0.08], [0.2], [0.5]], correlation: nil,
      transition: [[0.98, 0.015, 0.005], [0.02, 0.97, 0.01], [0.02, 0.08, 0.9]], steps: 2500,
      dt: 1.0 / 252, seed: 5)
    let model = try MarkovSwitchingFitter.fit(sample, regimes: 3)
    let direct = try MarkovSwitching.logLikelihood(sample, parameters: model.parameters)
    #expect(
      abs(direct - model.logLikelihood) <= 1e-9 * abs(direct),
      "expected \(model.logLikelihood), observed \(direct), tolerance 1e-9 relative")
    let vols = model.volatility.map { $0[0] }
    #expect(vols == vols.sorted(), "regimes not sorted by volatility: \(vols)")
    let probabilities = try #require(model.regimeProbabilities)
    #expect(probabilities.smoothed.count == sample.count)
    #expect(probabilities.filtered.count == sample.count)
    for rows in [probabilities.smoothed, probabilities.filtered] {
      let worst = rows.map { abs($0.reduce(0, +) - 1) }.max() ?? 1
      #expect(worst <= 1e-12, "probabilities sum to 1 within \(worst), tolerance 1e-12")
      #expect(rows.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 <= 1 + 1e-12 } })
    }
    // The one-step-ahead distribution is the last filtered row times the transition matrix.
    let last = probabilities.filtered[sample.count - 1]
    for j in 0..<3 {
      let expected = (0..<3).reduce(0.0) { $0 + last[$1] * model.transition[$1][j] }
      #expect(abs(model.oneStepAhead[j] - expected) <= 1e-12)
    }
    let parsed = try #require(
      try parsedScenario(model), "the fitted scenario is not a regime model")
    #expect(parsed.transition == model.transition)
    #expect(parsed.initialDistribution == model.oneStepAhead)
    for (d, p) in zip(model.expectedDurations, model.transition.indices) {
      #expect(abs(d - 1 / (1 - model.transition[p][p])) <= 1e-9 * d)
    }
  }

  @Test func fittedValuesBuildTheEnginesProcessAndScenario() throws {
    let sample = try simulate(
      drift: [[0.10, 0.04], [-0.20, 0.08]], volatility: [[0.12, 0.06], [0.35, 0.10]],
      correlation: [[[1, 0.3], [0.3, 1]], [[1, -0.5], [-0.5, 1.0]]],
      transition: Self.transition, steps: 1500, dt: 1.0 / 252, seed: 7)
    let model = try MarkovSwitchingFitter.fit(sample, regimes: 2)
    let regimes = try (0..<2).map { r in
      RegimeSwitchingProcess.Regime(
        name: model.regimeNames[r], drift: model.drift[r], volatility: model.volatility[r],
        correlation: try CorrelationMatrix(rows: model.parameters.correlations[r]))
    }
    let process = try RegimeSwitchingProcess(
      initialPrices: [100, 100], regimes: regimes, transition: model.transition,
      initialDistribution: model.oneStepAhead)
    // The engine's parameters give back the per-step ones (stationary start: the fit's ll).
    let stationary = try RegimeSwitchingProcess(
      initialPrices: [100, 100], regimes: regimes, transition: model.transition)
    let ll = try MarkovSwitching.logLikelihood(sample, process: stationary)
    #expect(
      abs(ll - model.logLikelihood) <= 1e-8 * abs(ll),
      "expected \(model.logLikelihood), observed \(ll), tolerance 1e-8 relative")
    #expect(process.initialDistribution == model.oneStepAhead)
    // The scenario text is accepted as written.
    let parsed = try #require(
      try parsedScenario(model), "the fitted scenario is not a regime model")
    #expect(parsed.transition == model.transition)
    #expect(parsed.initialDistribution == model.oneStepAhead)
    #expect(parsed.regimes.map(\.volatility) == model.volatility)
    #expect(parsed.regimes.map(\.drift) == model.drift)
    #expect(parsed.correlations[1].matrix[0, 1] == model.parameters.correlations[1][0][1])
  }

  @Test func rejectsTooFewReturnsAndConstantSeries() throws {
    let short = ReturnSample(
      assets: ["X"], returns: [(0..<59).map { sin(Double($0)) * 0.01 }])
    #expect(MarkovSwitchingFitter.requiredObservations(regimes: 2, assets: 1) == 60)
    #expect(
      throws: MarkovSwitchingError.tooFewObservations(
        observations: 59, required: 60, parameters: 6)
    ) {
      try MarkovSwitchingFitter.fit(short, regimes: 2)
    }
    let flat = ReturnSample(assets: ["X"], returns: [Array(repeating: 0.001, count: 500)])
    #expect(throws: MarkovSwitchingError.constantSeries(asset: "X")) {
      try MarkovSwitchingFitter.fit(flat, regimes: 2)
    }
    let fine = ReturnSample(assets: ["X"], returns: [(0..<500).map { sin(Double($0)) * 0.01 }])
    #expect(throws: MarkovSwitchingError.regimeCount(1)) {
      try MarkovSwitchingFitter.fit(fine, regimes: 1)
    }
    var broken = fine
    broken.returns[0][3] = .nan
    #expect(throws: MarkovSwitchingError.nonFinite(asset: "X", index: 3)) {
      try MarkovSwitchingFitter.fit(broken, regimes: 2)
    }
    let message = MarkovSwitchingError.tooFewObservations(
      observations: 59, required: 60, parameters: 6
    ).description
    #expect(message.contains("at least 60"), "message: \(message)")
  }
}
