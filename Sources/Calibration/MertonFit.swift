import Foundation
import LinearAlgebra
import Planner
import Processes
import Shocks

/// Merton's (1976) jump-diffusion fitted by maximum likelihood to each asset's per-step log
/// returns: per step of `dt` years,
///
///     X = (μ − λκ − σ²/2) dt + σ √dt Z + Σ_{i ≤ N} Y_i,   N ~ Poisson(λ dt),  Y_i ~ N(m, d²),
///
/// `κ = exp(m + d²/2) − 1`, the law the engine's `JumpDiffusion` simulates (μ, σ annualized,
/// λ per year). The likelihood is the Poisson mixture of normals of
/// `mertonLogDensities(_:parameters:timeStep:)`; the fit runs from several starts whose jump
/// sizes match the sample's variance, third and fourth cumulants for a few jump rates (see
/// `JumpFitOptions`), in the box `σ > 0`, `0 ≤ λ dt ≤ 10`, `|m| ≤ 5`, `0 < d ≤ 5`, `|μ| ≤ 10`.
/// An intensity of 0 (no jumps found) is reported on its bound with a warning. Standard errors
/// are from the inverse numerical Hessian of the log-likelihood in the reported units.
///
/// Several assets: each is fitted alone; `correlation` is the sample correlation of the log
/// returns, and the total log-likelihood is the sum of the assets' (the correlation is a
/// moment estimate, not part of the likelihood).
///
/// References: Merton, "Option pricing when underlying stock returns are discontinuous",
/// J. Financial Economics 3, 1976; Press, "A compound events model for security prices",
/// J. Business 40, 1967; Honoré, "Pitfalls in estimating jump-diffusion models", 1998.
public struct MertonFit: CalibratedModel {
  /// The fewest returns per asset a fit accepts.
  public static let minimumObservations = 100

  public let assets: [String]
  /// The step of the returns, in years.
  public let timeStep: Double
  /// Per asset, the fitted parameters.
  public let parameters: [MertonParameters]
  public let fits: [AssetFit]
  public let correlation: [[Double]]?
  public let observations: Int
  public let report: [String: JSONValue]

  public var modelKey: String { "merton" }
  public var logLikelihood: Double { fits.reduce(0) { $0 + $1.logLikelihood } }
  public var parameterCount: Int { 5 * assets.count }

  static let law = JumpLawDefinition(
    name: "merton", parameters: [.jumpMean, .jumpStandardDeviation], isLogSize: [true, true],
    bounds: { sd in
      (
        [-ParameterLimits.maximumJumpLogSize, 1e-6 * sd],
        [ParameterLimits.maximumJumpLogSize, ParameterLimits.maximumJumpLogSize]
      )
    },
    compensator: { j in exp(j[0] + 0.5 * j[1] * j[1]) - 1 },
    logLikelihood: { returns, v, dt in
      mertonLogLikelihood(returns, parameters: mertonParameters(v), timeStep: dt)
    },
    start: { perStep, variance, k3, k4 in
      // k4 = 3 λdt d⁴ (m small), jump variance at most 80% of the variance; k3 ≈ 3 λdt m d².
      var d2 = k4 > 0 ? (k4 / (3 * perStep)).squareRoot() : 0.5 * variance / perStep
      d2 = min(d2, 0.8 * variance / perStep)
      var m = k3 / (3 * perStep * d2)
      let room = max(0.9 * variance / perStep - d2, 0)
      m = min(max(m, -room.squareRoot()), room.squareRoot())
      return ([m, d2.squareRoot()], m, m * m + d2)
    },
    unidentified: { _ in [] })

  static func mertonParameters(_ v: [Double]) -> MertonParameters {
    MertonParameters(
      drift: v[0], volatility: v[1], intensity: v[2], jumpMean: v[3], jumpStandardDeviation: v[4])
  }

  /// Fits every asset of `sample`.
  ///
  /// - Throws: `JumpFitError` for fewer than `minimumObservations` returns, a constant or
  ///   non-finite series, unequal lengths, or when no start of the optimizer converged.
  public init(sample: ReturnSample, options: JumpFitOptions = .init()) throws(JumpFitError) {
    let all = try fitJumpAssets(
      sample, model: "merton", needed: Self.minimumObservations, law: Self.law, options: options,
      parameters: Self.mertonParameters, compensator: \.compensator,
      jumpSecondMoment: {
        $0.jumpMean * $0.jumpMean + $0.jumpStandardDeviation * $0.jumpStandardDeviation
      })
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
    func list(_ f: (MertonParameters) -> Double) -> String { jumpYAMLList(parameters.map(f)) }
    return """
        merton:
          drift: \(list { $0.drift })
          volatility: \(list { $0.volatility })
          jumps: {intensity: \(list { $0.intensity }), mean: \(list { $0.jumpMean }), \
      stdev: \(list { $0.jumpStandardDeviation })}

      """
  }

  /// The engine's process with the fitted parameters (initial prices 1 unless given).
  public func process(initialPrices: [Double]? = nil) throws -> JumpDiffusion {
    let jumps = JumpSpecification(
      intensity: parameters.map(\.intensity),
      sizes: .normal(
        mean: parameters.map(\.jumpMean),
        standardDeviation: parameters.map(\.jumpStandardDeviation)))
    return try JumpDiffusion(
      initialPrices: initialPrices ?? Array(repeating: 1, count: assets.count),
      drift: parameters.map(\.drift), volatility: parameters.map(\.volatility), jumps: jumps,
      correlation: try correlation.map { try CorrelationMatrix(Matrix($0)) })
  }

  public var summary: String {
    jumpSummary(
      title: "Merton jump-diffusion (normal log jumps): maximum likelihood "
        + "(annualized; dt = \(yamlNumber(timeStep)) years)",
      assets: assets, fits: fits, logLikelihood: logLikelihood, aic: aic, bic: bic,
      observations: observations, parameterCount: parameterCount, correlation: correlation)
  }
}
