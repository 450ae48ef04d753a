import Calibration
import Foundation
import LinearAlgebra
import Processes
import Shocks
import Testing

/// Deterministic normal draws (Box–Muller on a 64-bit LCG) for fixtures that need no engine.
struct CalibrationFixtureNormals {
  var state: UInt64
  mutating func uniform() -> Double {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
  }
  mutating func next() -> Double {
    (-2 * Foundation.log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
  }
}

@Suite struct GBMFitTests {
  static let dt = 1.0 / 252

  /// `n` i.i.d. normal returns of per-step mean `mean` and standard deviation `sd`.
  static func returns(_ n: Int, mean: Double, sd: Double, seed: UInt64) -> [Double] {
    var g = CalibrationFixtureNormals(state: seed)
    return (0..<n).map { _ in mean + sd * g.next() }
  }

  /// The normal log-likelihood of `r` under the engine's GBM with `drift` and `volatility`,
  /// summed term by term.
  static func directLogLikelihood(_ r: [Double], drift: Double, volatility: Double) -> Double {
    let mean = (drift - volatility * volatility / 2) * dt
    let variance = volatility * volatility * dt
    return r.reduce(0) {
      $0 - 0.5 * Foundation.log(2 * Double.pi * variance) - ($1 - mean) * ($1 - mean)
        / (2 * variance)
    }
  }

  @Test("the closed form maximizes the likelihood; its errors match the numeric Hessian")
  func closedFormAgainstNumericLikelihood() throws {
    let r = Self.returns(400, mean: 0.0004, sd: 0.012, seed: 7)
    let fit = try GBMFit.fit(ReturnSample(assets: ["A"], returns: [r], timeStep: Self.dt))
    let p = fit.fits[0].parameters
    #expect(p.map(\.key) == ["drift", "volatility"])
    let (mu, sigma) = (p[0].estimate, p[1].estimate)
    let direct = Self.directLogLikelihood(r, drift: mu, volatility: sigma)
    #expect(
      abs(direct - fit.logLikelihood) < 1e-9 * abs(direct),
      "expected \(direct), observed \(fit.logLikelihood), tolerance 1e-9 relative")
    // Gradient ≈ 0 and Hessian by central differences in (drift, volatility).
    let h = [1e-4 * abs(mu) + 1e-5, 1e-4 * sigma]
    func ll(_ a: Double, _ b: Double) -> Double {
      Self.directLogLikelihood(r, drift: a, volatility: b)
    }
    let x = [mu, sigma]
    func at(_ d: [Double]) -> Double { ll(x[0] + d[0], x[1] + d[1]) }
    var hessian = [[0.0, 0.0], [0.0, 0.0]]
    for i in 0..<2 {
      for j in 0..<2 {
        var a = [0.0, 0.0]
        var b = [0.0, 0.0]
        a[i] = h[i]
        b[j] = h[j]
        let pp = at([a[0] + b[0], a[1] + b[1]])
        let pm = at([a[0] - b[0], a[1] - b[1]])
        let mp = at([-a[0] + b[0], -a[1] + b[1]])
        let mm = at([-a[0] - b[0], -a[1] - b[1]])
        hessian[i][j] = (pp - pm - mp + mm) / (4 * h[i] * h[j])
      }
    }
    let det = hessian[0][0] * hessian[1][1] - hessian[0][1] * hessian[1][0]
    let variance = [-hessian[1][1] / det, -hessian[0][0] / det]
    for i in 0..<2 {
      // At the maximum the gradient vanishes: the step it implies is far below an error.
      var e = [0.0, 0.0]
      e[i] = h[i]
      let gradient = (at(e) - at(e.map { -$0 })) / (2 * h[i])
      let shift = abs(gradient / hessian[i][i])
      #expect(
        shift < 1e-3 * variance[i].squareRoot(),
        "\(p[i].key): expected a Newton step of 0, observed \(shift), tolerance \(1e-3 * variance[i].squareRoot())"
      )
      let numeric = variance[i].squareRoot()
      let se = try #require(p[i].standardError)
      #expect(
        abs(numeric - se) < 1e-3 * se,
        "\(p[i].key): expected numeric s.e. \(numeric), observed \(se), tolerance \(1e-3 * se)")
    }
  }

  @Test("two assets: the sample correlation and the joint normal likelihood")
  func jointLikelihood() throws {
    let a = Self.returns(300, mean: 0.0003, sd: 0.01, seed: 11)
    let noise = Self.returns(300, mean: 0, sd: 0.008, seed: 12)
    let b = zip(a, noise).map { 0.6 * $0 + $1 }
    let fit = try GBMFit.fit(ReturnSample(assets: ["A", "B"], returns: [a, b], timeStep: Self.dt))
    let n = Double(a.count)
    func moments(_ x: [Double]) -> (Double, Double) {
      let m = x.reduce(0, +) / n
      return (m, (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot())
    }
    let (ma, sa) = moments(a)
    let (mb, sb) = moments(b)
    let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) } / n
    let rho = cov / (sa * sb)
    let c = try #require(fit.correlation)
    #expect(abs(c[0][1] - rho) < 1e-12 && c[1][0] == c[0][1] && c[0][0] == 1)
    // The bivariate normal density, term by term.
    var direct = 0.0
    let det = sa * sa * sb * sb * (1 - rho * rho)
    for (x, y) in zip(a, b) {
      let (u, v) = (x - ma, y - mb)
      let q = (sb * sb * u * u - 2 * cov * u * v + sa * sa * v * v) / det
      direct += -Foundation.log(2 * Double.pi) - 0.5 * Foundation.log(det) - 0.5 * q
    }
    #expect(
      abs(direct - fit.logLikelihood) < 1e-9 * abs(direct),
      "expected \(direct), observed \(fit.logLikelihood), tolerance 1e-9 relative")
    #expect(fit.parameterCount == 5 && fit.observations == 300)
    #expect(fit.notes.isEmpty, "\(fit.notes)")
  }

  @Test("fewer returns than assets: a singular correlation, said so; the likelihood is the sum")
  func singularCorrelation() throws {
    let r = (0..<3).map { Self.returns(2, mean: 0, sd: 0.01, seed: 20 + UInt64($0)) }
    let fit = try GBMFit.fit(ReturnSample(assets: ["A", "B", "C"], returns: r, timeStep: Self.dt))
    let sum = fit.fits.reduce(0) { $0 + $1.logLikelihood }
    #expect(fit.logLikelihood == sum)
    #expect(fit.notes.contains { $0.contains("singular") }, "\(fit.notes)")
    let smallest = try #require(fit.smallestEigenvalue)
    #expect(smallest > -1e-9 && smallest < 1e-9, "smallest eigenvalue \(smallest)")
  }

  @Test("too few returns and a series without variation are refused")
  func refusals() {
    #expect(throws: CalibrationError.self) {
      try GBMFit.fit(ReturnSample(assets: ["A"], returns: [[0.01]]))
    }
    #expect(throws: CalibrationError.self) {
      try GBMFit.fit(ReturnSample(assets: ["A"], returns: [[0.01, 0.01, 0.01]]))
    }
  }

  /// Simulates one path of the engine's GBM and refits it: each parameter within 3 standard
  /// errors of the truth, and the correlation within 3 of its (1 − ρ²)/√n.
  @Test("refit: the engine's GBM paths give back the truth within 3 standard errors")
  func refit() throws {
    let steps = 5000
    let drift = [0.08, -0.03]
    let volatility = [0.25, 0.1]
    let rho = -0.4
    let correlation = try CorrelationMatrix(rows: [[1, rho], [rho, 1]])
    let process = try GeometricBrownianMotion(
      initialPrices: [100, 50], drift: drift, volatility: volatility, correlation: correlation)
    let grid = try TimeGrid(steps: steps, timeStep: Self.dt)
    let simulator = try PathSimulator(process: process, seed: 20_261_202, grid: grid)
    var prices = [Double](repeating: 0, count: (steps + 1) * 2)
    prices.withUnsafeMutableBufferPointer { buffer in
      simulator.simulate(paths: 0..<1, into: BlockOutput(prices: buffer.baseAddress!))
    }
    let returns = (0..<2).map { a in
      (1...steps).map { Foundation.log(prices[$0 * 2 + a] / prices[($0 - 1) * 2 + a]) }
    }
    let fit = try GBMFit.fit(
      ReturnSample(assets: ["X", "Y"], returns: returns, timeStep: Self.dt))
    for a in 0..<2 {
      for (p, truth) in zip(fit.fits[a].parameters, [drift[a], volatility[a]]) {
        let se = try #require(p.standardError)
        #expect(
          abs(p.estimate - truth) < 3 * se,
          "asset \(a) \(p.key): expected \(truth), observed \(p.estimate), tolerance \(3 * se)")
      }
    }
    let estimate = try #require(fit.correlation)[0][1]
    let se = (1 - rho * rho) / Double(steps).squareRoot()
    #expect(
      abs(estimate - rho) < 3 * se,
      "correlation: expected \(rho), observed \(estimate), tolerance \(3 * se)")
  }
}
