import Foundation
import LinearAlgebra
import Planner
import Processes
import Shocks

/// Kou's (2002) double-exponential jump-diffusion fitted by maximum likelihood to each asset's
/// per-step log returns: per step of `dt` years,
///
///     X = (μ − λκ − σ²/2) dt + σ √dt Z + Σ_{i ≤ N} Y_i,   N ~ Poisson(λ dt),
///     Y_i = +Exp(mean u) with probability p, else −Exp(mean w),
///
/// `κ = p/(1 − u) + (1 − p)/(1 + w) − 1`, the law the engine's `JumpDiffusion` simulates (μ, σ
/// annualized, λ per year, `u = up_mean = 1/η₁`, `w = down_mean = 1/η₂`). The likelihood is
/// the closed form of `kouLogDensities(_:parameters:timeStep:)` (Kou 2002, Prop. B.1 and B.3);
/// the fit runs from several starts whose jump sizes match the sample's variance, third and
/// fourth cumulants for a few jump rates (see `JumpFitOptions`), in the box `σ > 0`,
/// `0 ≤ λ dt ≤ 10`, `0 ≤ p ≤ 1`, `0 < u ≤ 0.99`, `0 < w ≤ 5`, `|μ| ≤ 10`. Estimates on a bound
/// (no jumps, `p` = 0 or 1) are reported as such with a warning; the mean of a jump direction
/// that never occurs is then not identified and gets no standard error. Standard errors are
/// from the inverse numerical Hessian of the log-likelihood in the reported units.
///
/// Several assets: each is fitted alone; `correlation` is the sample correlation of the log
/// returns, and the total log-likelihood is the sum of the assets' (the correlation is a
/// moment estimate, not part of the likelihood).
///
/// Reference: Kou, "A jump-diffusion model for option pricing", Management Science 48, 2002;
/// Ramezani and Zeng, "Maximum likelihood estimation of the double exponential jump-diffusion
/// process", Annals of Finance 3, 2007.
public struct KouFit: CalibratedModel {
  /// The fewest returns per asset a fit accepts.
  public static let minimumObservations = 100

  public let assets: [String]
  /// The step of the returns, in years.
  public let timeStep: Double
  /// Per asset, the fitted parameters.
  public let parameters: [KouParameters]
  public let fits: [AssetFit]
  public let correlation: [[Double]]?
  public let observations: Int
  public let report: [String: JSONValue]

  public var modelKey: String { "kou" }
  public var logLikelihood: Double { fits.reduce(0) { $0 + $1.logLikelihood } }
  public var parameterCount: Int { 6 * assets.count }

  static let law = JumpLawDefinition(
    name: "kou", parameters: [.upProbability, .upMean, .downMean],
    isLogSize: [false, true, true],
    bounds: { sd in
      (
        [0, 1e-6 * sd, 1e-6 * sd],
        [1, ParameterLimits.maximumKouUpMean, ParameterLimits.maximumKouDownMean]
      )
    },
    compensator: { j in j[0] / (1 - j[1]) + (1 - j[0]) / (1 + j[2]) - 1 },
    logLikelihood: { returns, v, dt in
      kouLogLikelihood(returns, parameters: kouParameters(v), timeStep: dt)
    },
    start: { perStep, variance, k3, k4 in
      // Equal means a: k4 = 24 λdt a⁴, jump variance 2 λdt a² at most 80% of the variance;
      // k3 = 6 λdt a³ (2p − 1).
      var a = k4 > 0 ? pow(k4 / (24 * perStep), 0.25) : (0.25 * variance / perStep).squareRoot()
      a = min(a, (0.4 * variance / perStep).squareRoot())
      let p = min(max(0.5 + k3 / (12 * perStep * a * a * a), 0.1), 0.9)
      let up = min(a, 0.5)
      return ([p, up, a], p * up - (1 - p) * a, 2 * (p * up * up + (1 - p) * a * a))
    },
    unidentified: { j in
      if j[0] <= 0 { return [1] }
      if j[0] >= 1 { return [2] }
      return []
    })

  static func kouParameters(_ v: [Double]) -> KouParameters {
    KouParameters(
      drift: v[0], volatility: v[1], intensity: v[2], upProbability: v[3], upMean: v[4],
      downMean: v[5])
  }

  /// `E[Y²]` of the double-exponential log jump: `2 (p u² + (1 − p) d²)`.
  static func jumpSecondMoment(_ p: KouParameters) -> Double {
    2 * (p.upProbability * p.upMean * p.upMean + (1 - p.upProbability) * p.downMean * p.downMean)
  }

  /// Fits every asset of `sample`.
  ///
  /// - Throws: `JumpFitError` for fewer than `minimumObservations` returns, a constant or
  ///   non-finite series, unequal lengths, or when no start of the optimizer converged.
  public init(sample: ReturnSample, options: JumpFitOptions = .init()) throws(JumpFitError) {
    let all = try fitJumpAssets(
      sample, model: "kou", needed: Self.minimumObservations, law: Self.law, options: options,
      parameters: Self.kouParameters, compensator: \.compensator,
      jumpSecondMoment: Self.jumpSecondMoment)
    self.assets = sample.assets
    self.timeStep = sample.timeStep
    self.parameters = all.parameters
    self.fits = all.fits
    self.correlation = sample.assets.count > 1 ? sampleCorrelation(sample.returns) : nil
    self.observations = sample.count
    var report = all.report
    if sample.assets.count > 1 { report["loglik_basis"] = .string(jumpLogLikelihoodBasis) }
    self.report = report
  }

  public var scenarioModel: String {
    func list(_ f: (KouParameters) -> Double) -> String { jumpYAMLList(parameters.map(f)) }
    return """
        kou:
          drift: \(list { $0.drift })
          volatility: \(list { $0.volatility })
          jumps: {intensity: \(list { $0.intensity }), \
      up_probability: \(list { $0.upProbability }), up_mean: \(list { $0.upMean }), \
      down_mean: \(list { $0.downMean })}

      """
  }

  /// The engine's process with the fitted parameters (initial prices 1 unless given).
  public func process(initialPrices: [Double]? = nil) throws -> JumpDiffusion {
    let jumps = JumpSpecification(
      intensity: parameters.map(\.intensity),
      sizes: .doubleExponential(
        upProbability: parameters.map(\.upProbability), upMean: parameters.map(\.upMean),
        downMean: parameters.map(\.downMean)))
    return try JumpDiffusion(
      initialPrices: initialPrices ?? Array(repeating: 1, count: assets.count),
      drift: parameters.map(\.drift), volatility: parameters.map(\.volatility), jumps: jumps,
      correlation: try correlation.map { try CorrelationMatrix(Matrix($0)) })
  }

  public var summary: String {
    jumpSummary(
      title: "Kou jump-diffusion (double-exponential log jumps): maximum likelihood "
        + "(annualized; dt = \(yamlNumber(timeStep)) years)",
      assets: assets, fits: fits, logLikelihood: logLikelihood, aic: aic, bic: bic,
      observations: observations, parameterCount: parameterCount, correlation: correlation)
  }
}
