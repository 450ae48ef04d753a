import Foundation
import Planner
import Processes
import Shocks
import Testing

@testable import Calibration

/// The Merton and Kou densities against numerical integration, and the fits against simulated
/// series with known parameters.
@Suite struct JumpDiffusionFitTests {
  static let dt = 1.0 / 252

  static let merton = MertonParameters(
    drift: 0.08, volatility: 0.15, intensity: 25, jumpMean: -0.02, jumpStandardDeviation: 0.03)
  static let kou = KouParameters(
    drift: 0.06, volatility: 0.15, intensity: 25, upProbability: 0.3, upMean: 0.02,
    downMean: 0.03)
  /// Kou cases over the regimes of the Hermite functions: typical, many jumps a step, a small
  /// diffusion with large jumps.
  static let kouCases: [KouParameters] = [
    kou,
    KouParameters(
      drift: 0, volatility: 0.1, intensity: 504, upProbability: 0.6, upMean: 0.01,
      downMean: 0.005),
    KouParameters(
      drift: 0.1, volatility: 0.02, intensity: 12, upProbability: 0.45, upMean: 0.1,
      downMean: 0.2),
  ]

  // MARK: - Densities

  /// The density at `x` by Fourier inversion of the characteristic function of a step,
  /// `f(x) = (1/π) ∫₀^∞ Re[e^{−iux} φ(u)] du`, `φ(u) = exp(iuc − s²u²/2 + λdt(ψ(u) − 1))`,
  /// by the trapezoidal rule (spectrally accurate for this smooth, Gaussian-damped integrand;
  /// it aliases `f(x + k·period)` into `f(x)`). It does not truncate the jump count.
  static func inversion(
    _ x: Double, c: Double, s: Double, lambdaDt: Double, period: Double = 4,
    psi: (Double) -> (re: Double, im: Double)
  ) -> Double {
    let du = 2 * Double.pi / period
    let top = (80.0).squareRoot() / s
    var sum = 0.0
    var u = 0.0
    var first = true
    while u <= top {
      let j = psi(u)
      let realExponent = -0.5 * s * s * u * u + lambdaDt * (j.re - 1)
      let phase = u * (c - x) + lambdaDt * j.im
      let value = exp(realExponent) * cos(phase)
      sum += first ? 0.5 * value : value
      first = false
      u += du
    }
    return sum * du / Double.pi
  }

  static func mertonInversion(_ x: Double, _ q: MertonParameters) -> Double {
    let c = (q.drift - q.intensity * q.compensator - 0.5 * q.volatility * q.volatility) * dt
    return inversion(x, c: c, s: q.volatility * dt.squareRoot(), lambdaDt: q.intensity * dt) {
      u in
      let modulus = exp(-0.5 * q.jumpStandardDeviation * q.jumpStandardDeviation * u * u)
      return (modulus * cos(u * q.jumpMean), modulus * sin(u * q.jumpMean))
    }
  }

  static func kouInversion(_ x: Double, _ q: KouParameters, period: Double) -> Double {
    let c = (q.drift - q.intensity * q.compensator - 0.5 * q.volatility * q.volatility) * dt
    return inversion(
      x, c: c, s: q.volatility * dt.squareRoot(), lambdaDt: q.intensity * dt, period: period
    ) {
      u in
      // p/(1 − iua) + (1 − p)/(1 + iub)
      let a = q.upMean * u
      let b = q.downMean * u
      let p = q.upProbability
      let re = p / (1 + a * a) + (1 - p) / (1 + b * b)
      let im = p * a / (1 + a * a) - (1 - p) * b / (1 + b * b)
      return (re, im)
    }
  }

  /// Simpson's rule of `f` on `[a, b]` with `n` (even) intervals.
  static func simpson(_ a: Double, _ b: Double, _ n: Int, _ f: (Double) -> Double) -> Double {
    let h = (b - a) / Double(n)
    var sum = f(a) + f(b)
    for i in 1..<n { sum += (i % 2 == 1 ? 4 : 2) * f(a + Double(i) * h) }
    return sum * h / 3
  }

  static func grid(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
    (0...n).map { a + (b - a) * Double($0) / Double(n) }
  }

  @Test func mertonDensityIntegratesToOneAndEqualsFourierInversion() {
    let q = Self.merton
    let xs = Self.grid(-0.4, 0.3, 20_000)
    let f = mertonLogDensities(xs, parameters: q, timeStep: Self.dt).map { exp($0) }
    // The trapezoidal rule: spectrally accurate for a smooth density with negligible ends.
    let total = (f.reduce(0, +) - 0.5 * (f[0] + f[f.count - 1])) * 0.7 / 20_000
    #expect(abs(total - 1) < 1e-9, "expected ∫f = 1, observed \(total), tolerance 1e-9")
    let peak = f.max() ?? 0
    var worst = 0.0
    for i in stride(from: 0, to: xs.count, by: 97) {
      worst = max(worst, abs(f[i] - Self.mertonInversion(xs[i], q)))
    }
    #expect(
      worst < 1e-10 * peak,
      "expected the Fourier inversion, largest difference \(worst), tolerance \(1e-10 * peak)")
  }

  @Test(arguments: kouCases)
  func kouDensityIntegratesToOneAndEqualsFourierInversion(_ q: KouParameters) {
    let s = q.volatility * Self.dt.squareRoot()
    // Wide enough for the tails: 40 times the larger jump mean beyond the diffusion.
    let reach = 40 * max(q.upMean, q.downMean) + 20 * s
    let n = 40_000
    let xs = Self.grid(-reach, reach, n)
    let f = kouLogDensities(xs, parameters: q, timeStep: Self.dt).map { exp($0) }
    // The trapezoidal rule: spectrally accurate for a smooth density with negligible ends.
    let total = (f.reduce(0, +) - 0.5 * (f[0] + f[n])) * 2 * reach / Double(n)
    #expect(abs(total - 1) < 1e-8, "expected ∫f = 1, observed \(total), tolerance 1e-8 (\(q))")
    let peak = f.max() ?? 0
    var worst = 0.0
    var worstAt = 0.0
    for i in stride(from: 0, to: xs.count, by: 37) {
      let d = abs(f[i] - Self.kouInversion(xs[i], q, period: 4 * reach))
      if d > worst {
        worst = d
        worstAt = xs[i]
      }
    }
    #expect(
      worst < 1e-9 * peak,
      "expected the inversion, largest difference \(worst) at \(worstAt), tol \(1e-9 * peak)")
  }

  /// The closed form of a normal plus a Gamma sum (Kou's Prop. B.3 with the scaled Hermite
  /// functions, every branch of `logScaledHermite`) against the convolution integral
  /// `∫₀^∞ Γ(t; k, η) φ(y − t; 0, s²) dt` by Simpson's rule.
  @Test func normalPlusGammaEqualsNumericalConvolution() {
    let s = 0.01
    var worst = 0.0
    var worstCase = ""
    for etaS in [0.05, 0.5, 2.0, 8.0, 40.0] {
      let eta = etaS / s
      let count = 12
      for yOverS in [-30.0, -6, -2, -0.5, 0, 0.5, 1.5, 3, 8, 25] {
        let y = yOverS * s
        var closed = [Double](repeating: 0, count: count)
        closed.withUnsafeMutableBufferPointer {
          logNormalGammaDensities(y, s: s, rate: eta, count: count, into: $0)
        }
        for k in [1, 2, 3, 5, 8, 12] {
          let logNorm = Double(k) * log(eta) - lgamma(Double(k))
          let integrand = { (t: Double) -> Double in
            guard t > 0 else { return k == 1 ? exp(logNorm) * Self.normal(y, s) : 0 }
            let e = (y - t) / s
            return exp(logNorm + Double(k - 1) * log(t) - eta * t - 0.5 * e * e)
              / (s * 2.5066282746310002)
          }
          // Pieces between the Gamma law's support and the normal's window around y.
          let cuts = Set(
            [0, s, 10 * s, (Double(k) + 60) / eta, y - 14 * s, y + 14 * s].map { max($0, 0) }
          )
          .sorted()
          var numeric = 0.0
          for (a, b) in zip(cuts, cuts.dropFirst()) {
            numeric += Self.simpson(a, b, 4000, integrand)
          }
          guard numeric > 1e-280 else { continue }
          let relative = abs(exp(closed[k - 1]) / numeric - 1)
          if relative > worst {
            worst = relative
            worstCase =
              "ηs \(etaS), y/s \(yOverS), k \(k): closed \(exp(closed[k - 1])), "
              + "numeric \(numeric)"
          }
        }
      }
    }
    #expect(worst < 1e-7, "largest relative difference \(worst) (\(worstCase)), tolerance 1e-7")
  }

  static func normal(_ y: Double, _ s: Double) -> Double {
    exp(-0.5 * (y / s) * (y / s)) / (s * (2 * Double.pi).squareRoot())
  }

  @Test func poissonTruncationLeavesLessThanTheTolerance() {
    for mean in [1e-4, 0.1, 1, 10] {
      let w = truncatedPoissonWeights(mean: mean)
      let kept = w.reduce(0, +)
      #expect(
        1 - kept < 1e-12 && 1 - kept > -1e-15,
        "expected omitted mass below 1e-12 for mean \(mean), observed \(1 - kept)")
    }
  }

  // MARK: - Fits

  /// One path of `steps` log returns per asset, simulated by the engine.
  static func simulate(_ process: JumpDiffusion, steps: Int, seed: UInt64) throws -> [[Double]] {
    let grid = try TimeGrid(steps: steps, timeStep: dt)
    let simulator = try PathSimulator(process: process, seed: seed, grid: grid)
    let assets = process.assetCount
    var out = BlockArrays(paths: 1, steps: steps, assets: assets, returns: true)
    out.withOutput { simulator.simulate(paths: 0..<1, into: $0) }
    return (0..<assets).map { a in (0..<steps).map { out.logReturns[$0 * assets + a] } }
  }

  static func mertonProcess(_ q: MertonParameters) throws -> JumpDiffusion {
    try JumpDiffusion(
      initialPrices: [100], drift: [q.drift], volatility: [q.volatility],
      jumps: JumpSpecification(
        intensity: [q.intensity],
        sizes: .normal(mean: [q.jumpMean], standardDeviation: [q.jumpStandardDeviation])))
  }

  static func kouProcess(_ q: KouParameters) throws -> JumpDiffusion {
    try JumpDiffusion(
      initialPrices: [100], drift: [q.drift], volatility: [q.volatility],
      jumps: JumpSpecification(
        intensity: [q.intensity],
        sizes: .doubleExponential(
          upProbability: [q.upProbability], upMean: [q.upMean], downMean: [q.downMean])))
  }

  static func expectWithinThreeSE(_ fit: AssetFit, _ truth: [String: Double]) {
    for p in fit.parameters {
      guard let expected = truth[p.key] else { continue }
      guard let se = p.standardError else {
        Issue.record("\(p.key): no standard error (estimate \(p.estimate))")
        continue
      }
      #expect(
        abs(p.estimate - expected) <= 3 * se,
        "\(p.key): expected \(expected), observed \(p.estimate), tolerance 3 SE = \(3 * se)")
    }
  }

  @Test func mertonRefitFindsTheSimulatedParameters() throws {
    let q = Self.merton
    let returns = try Self.simulate(Self.mertonProcess(q), steps: 5000, seed: 1976)
    let fit = try MertonFit(sample: ReturnSample(assets: ["A"], returns: returns))
    let asset = fit.fits[0]
    #expect(asset.converged)
    Self.expectWithinThreeSE(
      asset,
      [
        "drift": q.drift, "volatility": q.volatility, "jumps.intensity": q.intensity,
        "jumps.mean": q.jumpMean, "jumps.stdev": q.jumpStandardDeviation,
      ])
    // The public likelihood is the fit's.
    let again = mertonLogLikelihood(returns[0], parameters: fit.parameters[0], timeStep: Self.dt)
    #expect(
      abs(again - fit.logLikelihood) <= 1e-9 * abs(again),
      "expected the fit's log-likelihood \(fit.logLikelihood), observed \(again)")
    // No better point nearby: the maximum is a maximum.
    var moved = fit.parameters[0]
    moved.intensity *= 1.01
    #expect(
      mertonLogLikelihood(returns[0], parameters: moved, timeStep: Self.dt) <= again,
      "a 1% larger intensity should not raise the log-likelihood")
    #expect(fit.modelKey == "merton")
    #expect(fit.parameterCount == 5 && fit.observations == 5000)
    _ = try fit.process()
  }

  @Test func kouRefitFindsTheSimulatedParameters() throws {
    let q = Self.kou
    let returns = try Self.simulate(Self.kouProcess(q), steps: 5000, seed: 2002)
    let fit = try KouFit(sample: ReturnSample(assets: ["A"], returns: returns))
    let asset = fit.fits[0]
    #expect(asset.converged)
    Self.expectWithinThreeSE(
      asset,
      [
        "drift": q.drift, "volatility": q.volatility, "jumps.intensity": q.intensity,
        "jumps.up_probability": q.upProbability, "jumps.up_mean": q.upMean,
        "jumps.down_mean": q.downMean,
      ])
    let again = kouLogLikelihood(returns[0], parameters: fit.parameters[0], timeStep: Self.dt)
    #expect(
      abs(again - fit.logLikelihood) <= 1e-9 * abs(again),
      "expected the fit's log-likelihood \(fit.logLikelihood), observed \(again)")
    #expect(fit.modelKey == "kou")
    #expect(fit.parameterCount == 6)
  }

  /// Without jumps the fit succeeds and says so: the intensity on its lower bound 0, or (the
  /// likelihood may gain a little from many tiny jumps that mimic the sample's skewness) a
  /// likelihood ratio against no jumps below the 95% quantile of χ², with a warning.
  @Test func aSeriesWithoutJumpsIsFittedWithoutErrorAndFlagged() throws {
    let gbm = MertonParameters(
      drift: 0.05, volatility: 0.2, intensity: 0, jumpMean: 0, jumpStandardDeviation: 0.01)
    let returns = try Self.simulate(Self.mertonProcess(gbm), steps: 1000, seed: 7)
    let sample = ReturnSample(assets: ["A"], returns: returns)
    // At most 2 jumps a step (not 10) to keep the many-tiny-jumps optimum cheap.
    let options = JumpFitOptions(maximumJumpsPerStep: 2)
    let merton = try MertonFit(sample: sample, options: options)
    let kou = try KouFit(sample: sample, options: options)
    for (fit, report) in [(merton.fits[0], merton.report), (kou.fits[0], kou.report)] {
      let intensity = fit.parameters[2]
      #expect(intensity.key == "jumps.intensity")
      if intensity.atBound && intensity.estimate == 0 {
        #expect(fit.warnings.contains { $0.contains("no jumps found") }, "\(fit.warnings)")
      } else {
        #expect(
          fit.warnings.contains { $0.contains("do not improve the fit significantly") },
          "expected a warning that the jumps are not significant: \(fit.warnings)")
      }
      guard case .object(let assets)? = report["assets"], case .object(let a)? = assets["A"],
        case .number(let ratio)? = a["likelihood_ratio_against_no_jumps"]
      else {
        Issue.record("no likelihood ratio in the report \(report)")
        continue
      }
      #expect(ratio >= -1e-6 && ratio < 9.49, "likelihood ratio \(ratio), expected in [0, 9.49)")
    }
  }

  @Test func fittedScenarioIsAcceptedByTheEngine() throws {
    let process = try JumpDiffusion(
      initialPrices: [100, 50], drift: [0.08, 0.05], volatility: [0.15, 0.25],
      jumps: JumpSpecification(
        intensity: [25, 10], sizes: .normal(mean: [-0.02, 0.01], standardDeviation: [0.03, 0.05])
      ),
      correlation: try CorrelationMatrix(rows: [[1, 0.5], [0.5, 1]]))
    let returns = try Self.simulate(process, steps: 500, seed: 42)
    let sample = ReturnSample(assets: ["A", "B"], returns: returns)
    let merton = try MertonFit(sample: sample)
    let kou = try KouFit(sample: sample)
    let models: [any CalibratedModel] = [merton, kou]
    for model in models {
      let correlation = try #require(model.correlation)
      #expect(correlation.count == 2 && correlation[0][0] == 1 && correlation[0][1] > 0.2)
      let yaml = """
        name: fitted
        paths: 10
        time: {steps: 20, dt: 1/252}
        assets: [A, B]
        initial: {A: 100, B: 50}
        correlation: {matrix: [[1, \(correlation[0][1])], [\(correlation[1][0]), 1]]}
        model:
        \(model.scenarioModel)
        """
      do {
        _ = try ScenarioLoader.parse(yaml: yaml, file: "fitted.yaml")
      } catch {
        Issue.record("the fitted \(model.modelKey) scenario was refused: \(error)\n\(yaml)")
      }
      #expect(model.summary.contains("jumps.intensity"))
      #expect(model.report["assets"] != nil)
    }
    let built = try merton.process(initialPrices: [100, 50])
    #expect(built.drift == merton.parameters.map(\.drift))
    #expect(built.jumps.intensity == merton.parameters.map(\.intensity))
    let builtKou = try kou.process()
    #expect(builtKou.volatility == kou.parameters.map(\.volatility))
  }

  @Test func tooFewObservationsAndConstantSeriesAreErrors() {
    let short = ReturnSample(assets: ["A"], returns: [(0..<50).map { sin(Double($0)) * 0.01 }])
    #expect(
      throws: JumpFitError.tooFewObservations(model: "merton", asset: "A", count: 50, needed: 100)
    ) {
      try MertonFit(sample: short)
    }
    let flat = ReturnSample(assets: ["A"], returns: [Array(repeating: 0.001, count: 300)])
    #expect(throws: JumpFitError.constantSeries(model: "kou", asset: "A")) {
      try KouFit(sample: flat)
    }
    let message = JumpFitError.tooFewObservations(model: "kou", asset: "A", count: 50, needed: 100)
      .description
    #expect(message.contains("at least 100"), "message: \(message)")
  }
}
