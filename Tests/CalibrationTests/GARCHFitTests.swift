import Foundation
import Planner
import Processes
import ScengineTestSupport
import Testing

@testable import Calibration

/// SeededRandom with polar normal draws: a fixed-seed source for simulated GARCH series.
private struct TestGenerator {
  var source: SeededRandom
  var spare: Double? = nil

  init(state: UInt64) { source = SeededRandom(state: state) }

  mutating func uniform() -> Double { source.uniform() }

  mutating func normal() -> Double {
    if let s = spare {
      spare = nil
      return s
    }
    while true {
      let u = 2 * uniform() - 1
      let v = 2 * uniform() - 1
      let s = u * u + v * v
      if s > 0 && s < 1 {
        let f = (-2 * log(s) / s).squareRoot()
        spare = v * f
        return u * f
      }
    }
  }

  /// Unit-variance Student-t with integer degrees of freedom.
  mutating func studentT(_ nu: Int) -> Double {
    var chi2 = 0.0
    for _ in 0..<nu {
      let x = normal()
      chi2 += x * x
    }
    return normal() / (chi2 / Double(nu)).squareRoot() * (Double(nu - 2) / Double(nu)).squareRoot()
  }
}

/// Simulates `count` returns of a GJR-GARCH(1,1) (γ = 0: GARCH) from its unconditional
/// variance, after a burn-in of 500 steps; `shocks` draws the standardized innovation.
private func simulateGJR(
  _ p: GARCHParameters, count: Int, seed: UInt64, shocks: (inout TestGenerator) -> Double
) -> [Double] {
  var g = TestGenerator(state: seed)
  var h = p.omega / (1 - p.alpha - p.beta - 0.5 * p.gamma)
  var out: [Double] = []
  for t in 0..<(count + 500) {
    let e = h.squareRoot() * shocks(&g)
    if t >= 500 { out.append(p.mean + e) }
    h = p.omega + (p.alpha + (e < 0 ? p.gamma : 0)) * e * e + p.beta * h
  }
  return out
}

@Suite struct GARCHFitTests {
  static let truth = GARCHParameters(
    mean: 4e-4, omega: 2e-6, alpha: 0.03, gamma: 0.1, beta: 0.88, degreesOfFreedom: 7)
  static let gjrT = simulateGJR(truth, count: 3000, seed: 20_240_611) { $0.studentT(7) }

  @Test func refitRecoversGJRStudentTWithinThreeStandardErrors() throws {
    let fit = try GARCHFit.fit(
      ReturnSample(assets: ["A"], returns: [Self.gjrT]), type: .gjr, innovations: .studentT)
    let asset = fit.fits[0]
    #expect(asset.converged)
    let truth: [String: Double] = [
      "mean": 4e-4, "omega": 2e-6, "alpha": 0.03, "gamma": 0.1, "beta": 0.88,
      "innovations.student_t": 7,
    ]
    #expect(
      asset.parameters.map(\.key) == [
        "mean", "omega", "alpha", "gamma", "beta", "innovations.student_t",
      ])
    for p in asset.parameters {
      let se = try #require(p.standardError, "\(p.key) has no standard error")
      let expected = try #require(truth[p.key])
      #expect(
        abs(p.estimate - expected) <= 3 * se,
        "\(p.key): expected \(expected), observed \(p.estimate), tolerance 3 SE = \(3 * se)")
      let robust = try #require(p.robustStandardError)
      #expect(robust > 0.3 * se && robust < 3 * se, "\(p.key): SE \(se), robust SE \(robust)")
    }
    // The scenario starts from the one-step forecast; the engine accepts the fitted model.
    let process = try fit.process()
    #expect(process.initialVariance == fit.varianceForecast)
    #expect(fit.scenarioModel.contains("    type: gjr\n"))
    #expect(fit.scenarioModel.contains("    innovations: {student_t: "))
    #expect(fit.summary.contains("student_t"))
  }

  @Test func likelihoodFunctionReproducesTheFittedLogLikelihood() throws {
    for (type, family) in [
      (GARCHProcess.VolatilityModel.gjr, GARCHInnovationFamily.studentT), (.garch, .normal),
      (.egarch, .studentT), (.egarch, .normal),
    ] {
      let fit = try GARCHFit.fit(
        ReturnSample(assets: ["A"], returns: [Self.gjrT]), type: type, innovations: family)
      let direct = GARCHFit.logLikelihood(
        returns: Self.gjrT, type: type, parameters: fit.parameters[0])
      #expect(
        abs(direct - fit.logLikelihood) < 1e-6,
        "\(type) \(family): expected \(fit.logLikelihood), observed \(direct), tolerance 1e-6")
      // A nearby parameter set is less likely (the fit is a maximum).
      var moved = fit.parameters[0]
      moved.beta -= 0.01
      let lower = GARCHFit.logLikelihood(returns: Self.gjrT, type: type, parameters: moved)
      #expect(lower < fit.logLikelihood, "\(type): moved \(lower), fitted \(fit.logLikelihood)")
      _ = try fit.process()
    }
  }

  /// Given initial variance: the first term is the normal log density of r_1 with that variance.
  @Test func likelihoodWithAGivenInitialVariance() {
    let p = GARCHParameters(mean: 0.001, omega: 1e-6, alpha: 0.1, beta: 0.85)
    let r = [0.02]
    let ll = GARCHFit.logLikelihood(returns: r, type: .garch, parameters: p, initialVariance: 4e-4)
    let expected = -0.5 * log(2 * Double.pi * 4e-4) - 0.5 * 0.019 * 0.019 / 4e-4
    #expect(abs(ll - expected) < 1e-12, "expected \(expected), observed \(ll), tolerance 1e-12")
  }

  /// A GJR series with α = 0 (all the news effect in γ, as for equity indices): α ends on its
  /// bound 0, reported as such with a warning, not as an error.
  @Test func estimateOnTheBoundIsReportedNotAnError() throws {
    let p = GARCHParameters(mean: 3e-4, omega: 2e-6, alpha: 0, gamma: 0.16, beta: 0.9)
    let r = simulateGJR(p, count: 2500, seed: 77) { $0.normal() }
    let fit = try GARCHFit.fit(
      ReturnSample(assets: ["SPX"], returns: [r]), type: .gjr, innovations: .normal)
    let alpha = try #require(fit.fits[0].parameters.first { $0.key == "alpha" })
    #expect(alpha.atBound && alpha.estimate == 0, "alpha \(alpha)")
    #expect(fit.fits[0].warnings.contains { $0.contains("alpha is on its bound") })
    #expect(fit.fits[0].parameters.filter(\.atBound).map(\.key) == ["alpha"])
    #expect(fit.summary.contains("*"))
    _ = try fit.process()
  }

  @Test func tooFewObservationsAndConstantSeriesAreErrors() {
    let short = Array(Self.gjrT.prefix(60))
    #expect(throws: GARCHFitError.tooFewObservations(asset: "A", count: 60, needed: 100)) {
      try GARCHFit.fit(
        ReturnSample(assets: ["A"], returns: [short]), type: .garch, innovations: .normal)
    }
    #expect(
      GARCHFitError.tooFewObservations(asset: "A", count: 60, needed: 100).description.contains(
        "at least 100"))
    let flat = Array(repeating: 0.001, count: Self.gjrT.count)
    #expect(throws: GARCHFitError.constantSeries(asset: "B")) {
      try GARCHFit.fit(
        ReturnSample(assets: ["A", "B"], returns: [Self.gjrT, flat]), type: .gjr,
        innovations: .studentT)
    }
  }

  /// Two assets with correlated multivariate-t innovations (ρ = 0.6, ν = 6): one ν for both,
  /// the maximum of the joint log-likelihood, near the truth; the CCC correlation from the
  /// standardized residuals; a valid engine model.
  @Test func twoAssetsShareOneDegreesOfFreedomAndACorrelation() throws {
    // A multivariate t with one mixing draw per step, ν = 6, as the engine simulates.
    let rho = 0.6
    let truthNu = 6
    let count = 3000
    var g = TestGenerator(state: 99)
    var h = [1e-4, 4e-5]
    let p = [
      GARCHParameters(mean: 0, omega: 3e-6, alpha: 0.08, beta: 0.9),
      GARCHParameters(mean: 1e-4, omega: 1e-6, alpha: 0.05, beta: 0.92),
    ]
    var returns: [[Double]] = [[], []]
    for _ in 0..<count {
      var chi2 = 0.0
      for _ in 0..<truthNu {
        let x = g.normal()
        chi2 += x * x
      }
      let mixing = (Double(truthNu - 2) / chi2).squareRoot()
      let z1 = g.normal()
      let z2 = rho * z1 + (1 - rho * rho).squareRoot() * g.normal()
      for (a, z) in [z1, z2].enumerated() {
        let e = h[a].squareRoot() * z * mixing
        returns[a].append(p[a].mean + e)
        h[a] = p[a].omega + p[a].alpha * e * e + p[a].beta * h[a]
      }
    }
    let sample = ReturnSample(assets: ["X", "Y"], returns: returns)
    let fit = try GARCHFit.fit(sample, type: .garch, innovations: .studentT)
    let c = try #require(fit.correlation)
    #expect(c[0][0] == 1 && c[1][1] == 1 && c[0][1] == c[1][0])
    // The correlation of the standardized residuals is ρ for the mixture too (the mixing
    // scales both): a loose normal-theory tolerance.
    let tolerance = 4 * (1 - rho * rho) / Double(count).squareRoot()
    #expect(
      abs(c[0][1] - rho) < tolerance, "expected \(rho), observed \(c[0][1]), tolerance \(tolerance)"
    )
    #expect(fit.separateDegreesOfFreedom?.count == 2)
    let nu = try #require(fit.parameters[0].degreesOfFreedom)
    #expect(fit.parameters[1].degreesOfFreedom == nu)
    let key = "innovations.student_t"
    let se = try #require(fit.fits[0].parameters.first { $0.key == key }?.standardError)
    #expect(
      abs(nu - Double(truthNu)) < 3 * se,
      "shared ν: expected \(truthNu), observed \(nu), tolerance 3 SE = \(3 * se)")
    #expect(fit.fits.allSatisfy { $0.parameters.last?.key == key })
    // The total is the joint log-likelihood, and ν maximizes it: nearby values give less.
    func joint(_ v: Double) throws -> Double {
      let fits = try (0..<2).map { a in
        try SingleAssetFit.fit(
          returns[a], asset: sample.assets[a], type: .garch, family: .studentT, fixedNu: v)
      }
      let z = fits.map(\.standardizedResiduals)
      let part = try #require(
        GARCHFit.correlationLogLikelihood(
          residuals: z, correlation: sampleCorrelation(z), degreesOfFreedom: v))
      return fits.reduce(0) { $0 + $1.fit.logLikelihood } + part
    }
    let atNu = try joint(nu)
    #expect(abs(atNu - fit.logLikelihood) < 1e-6, "\(atNu) against \(fit.logLikelihood)")
    for v in [nu - 0.05 * (nu - 2), nu + 0.05 * (nu - 2)] {
      let other = try joint(v)
      #expect(other <= atNu + 1e-6, "ν = \(v): \(other) above the maximum's \(atNu)")
    }
    let process = try fit.process()
    #expect(process.assetCount == 2)
    #expect(fit.report["forecast"] != nil)
    #expect(fit.scenarioModel.contains("initial_variance: ["))
  }

  /// Two assets with normal innovations: the joint log-likelihood still rises at ν = 500, so
  /// the shared ν is on its bound, flagged, with no standard error.
  @Test func sharedDegreesOfFreedomOnItsBound() throws {
    var g = TestGenerator(state: 7)
    let p = GARCHParameters(mean: 0, omega: 2e-6, alpha: 0.06, beta: 0.92)
    var h = [5e-5, 5e-5]
    var returns: [[Double]] = [[], []]
    for _ in 0..<1500 {
      let z1 = g.normal()
      let z2 = 0.5 * z1 + 0.75.squareRoot() * g.normal()
      for (a, z) in [z1, z2].enumerated() {
        let e = h[a].squareRoot() * z
        returns[a].append(p.mean + e)
        h[a] = p.omega + p.alpha * e * e + p.beta * h[a]
      }
    }
    let fit = try GARCHFit.fit(
      ReturnSample(assets: ["X", "Y"], returns: returns), type: .garch, innovations: .studentT)
    let nu = try #require(fit.parameters[0].degreesOfFreedom)
    #expect(abs(nu - 500) < 1e-9, "ν \(nu)")
    for assetFit in fit.fits {
      let entry = try #require(assetFit.parameters.first { $0.key == "innovations.student_t" })
      #expect(entry.atBound && entry.standardError == nil, "\(entry)")
      #expect(assetFit.warnings.contains { $0.contains("the shared student_t is on its bound") })
    }
  }

  /// The analytic gradient of the kernel against central differences of the log-likelihood.
  @Test func analyticGradientMatchesNumericalDifferences() {
    let y = Self.gjrT.map { $0 * 100 }
    let backcast = archBackcast(y)
    let cases: [(GARCHProcess.VolatilityModel, Bool, [Double])] = [
      (.garch, false, [0.04, 0.03, 0.08, 0, 0.9, 0]),
      (.gjr, true, [0.04, 0.03, 0.02, 0.12, 0.88, 6.5]),
      (.egarch, true, [0.04, 0.01, 0.1, -0.08, 0.97, 7]),
      (.egarch, false, [0.04, 0.01, 0.1, -0.08, 0.97, 0]),
    ]
    for (type, studentT, theta) in cases {
      let kernel = GARCHKernel(type: type, studentT: studentT)
      func ll(_ t: [Double]) -> Double {
        y.withUnsafeBufferPointer {
          kernel.evaluate($0, t, start: kernel.start(t, backcast: backcast)).0
        }
      }
      let (value, analytic) = y.withUnsafeBufferPointer {
        kernel.gradient($0, theta, backcast: backcast)
      }
      #expect(abs(value - ll(theta)) < 1e-8 * abs(value), "\(type): \(value) vs \(ll(theta))")
      let numeric = numericalGradient(ll, at: theta)
      for i in 0..<6 where (type != .garch || i != 3) && (studentT || i != 5) {
        let tolerance = 1e-5 * max(abs(numeric[i]), 1)
        #expect(
          abs(analytic[i] - numeric[i]) < tolerance,
          "\(type) θ[\(i)]: expected \(numeric[i]), observed \(analytic[i]), tolerance \(tolerance)"
        )
      }
    }
  }

  /// The fitted `model:` block, in a scenario file, passes the engine's scenario parser.
  @Test func fittedModelIsAValidScenario() throws {
    let fit = try GARCHFit.fit(
      ReturnSample(assets: ["A", "B"], returns: [Self.gjrT, Array(Self.gjrT.reversed())]),
      type: .egarch, innovations: .studentT)
    let c = try #require(fit.correlation)
    let yaml = """
      name: fitted
      seed: 1
      paths: 10
      time: {steps: 5, dt: 1/252}
      assets: [A, B]
      initial: 100
      correlation: {matrix: [[1, \(c[0][1])], [\(c[1][0]), 1]]}
      model:
      \(fit.scenarioModel)
      """
    do {
      _ = try ScenarioLoader.parse(yaml: yaml, file: "fitted.yaml")
    } catch {
      Issue.record("the fitted scenario was rejected: \(error)\n\(yaml)")
    }
  }

  /// Near-integrated GARCH data (α + β = 0.9999): the persistence ends on its bound 1,
  /// reported on beta with a warning, and the other parameters are still optimized (moving ν
  /// or α along the bound does not raise the likelihood).
  @Test func persistenceOnItsBoundIsReported() throws {
    let p = GARCHParameters(mean: 0, omega: 1e-7, alpha: 0.12, beta: 0.8799)
    let r = simulateGJR(p, count: 1500, seed: 3) { $0.normal() }
    let fit = try GARCHFit.fit(
      ReturnSample(assets: ["X"], returns: [r]), type: .garch, innovations: .studentT)
    let asset = fit.fits[0]
    let beta = try #require(asset.parameters.first { $0.key == "beta" })
    #expect(beta.atBound, "beta \(beta)")
    #expect(asset.warnings.contains { $0.contains("persistence") }, "\(asset.warnings)")
    let fitted = fit.parameters[0]
    #expect(abs(fitted.alpha + fitted.beta - 1) < 1e-12)
    let nu = try #require(fitted.degreesOfFreedom)
    for other in [nu * 0.8, min(nu * 1.25, 500)] where other != nu {
      var moved = fitted
      moved.degreesOfFreedom = other
      let ll = GARCHFit.logLikelihood(returns: r, type: .garch, parameters: moved)
      #expect(ll <= fit.logLikelihood + 1e-9, "nu \(other): \(ll) > \(fit.logLikelihood)")
    }
    for shift in [-0.01, 0.01] {
      var moved = fitted
      moved.alpha += shift
      moved.beta -= shift
      let ll = GARCHFit.logLikelihood(returns: r, type: .garch, parameters: moved)
      #expect(ll <= fit.logLikelihood + 1e-9, "alpha \(moved.alpha): \(ll)")
    }
  }
}
