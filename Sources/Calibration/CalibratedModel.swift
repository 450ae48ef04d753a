import Foundation
import Planner

/// Log returns to fit a model to: one series per asset, all of the same length, per step
/// (decimal: `ln(P_t / P_{t−1})`), with the length of a step in years.
public struct ReturnSample: Sendable {
  /// The asset names, in the order of `returns`.
  public var assets: [String]
  /// Per asset, the log returns of consecutive rows, oldest first.
  public var returns: [[Double]]
  /// The length of a step in years (`dt`, 1/252 unless given).
  public var timeStep: Double

  public init(assets: [String], returns: [[Double]], timeStep: Double = 1.0 / 252) {
    self.assets = assets
    self.returns = returns
    self.timeStep = timeStep
  }

  /// The number of returns per asset.
  public var count: Int { returns.first?.count ?? 0 }
}

/// One fitted parameter, named by its key in a scenario file and reported in that file's units.
public struct ParameterEstimate: Sendable, Equatable {
  /// The scenario file's key (`omega`, `volatility`, `jumps.intensity`, `student_t`).
  public var key: String
  /// The estimate, in the scenario file's units.
  public var estimate: Double
  /// The classic standard error (from the inverse Hessian of the log-likelihood), if known.
  public var standardError: Double?
  /// The robust (Bollerslev–Wooldridge sandwich) standard error, if computed.
  public var robustStandardError: Double?
  /// Whether the estimate lies on a bound or constraint of the parameter space.
  public var atBound: Bool

  public init(
    key: String, estimate: Double, standardError: Double? = nil,
    robustStandardError: Double? = nil, atBound: Bool = false
  ) {
    self.key = key
    self.estimate = estimate
    self.standardError = standardError
    self.robustStandardError = robustStandardError
    self.atBound = atBound
  }
}

/// The fit of one asset's series (or of the whole sample, for a joint model).
public struct AssetFit: Sendable {
  public var asset: String
  public var parameters: [ParameterEstimate]
  /// The maximized log-likelihood of the per-step returns.
  public var logLikelihood: Double
  /// The number of returns the likelihood sums over.
  public var observations: Int
  /// Iterations of the best start.
  public var iterations: Int
  /// Whether the best start converged.
  public var converged: Bool
  /// What the report should say: starts that did not converge, estimates on a bound.
  public var warnings: [String]

  public init(
    asset: String, parameters: [ParameterEstimate], logLikelihood: Double, observations: Int,
    iterations: Int, converged: Bool, warnings: [String] = []
  ) {
    self.asset = asset
    self.parameters = parameters
    self.logLikelihood = logLikelihood
    self.observations = observations
    self.iterations = iterations
    self.converged = converged
    self.warnings = warnings
  }
}

/// A model fitted to a `ReturnSample`: what `scengine calibrate` writes as the fitted scenario,
/// the fit report and the summary.
public protocol CalibratedModel: Sendable {
  /// The model's key in a scenario file (`gbm`, `merton`, `kou`, `garch`, `regime`).
  var modelKey: String { get }
  /// The value of the scenario file's `model:` key, as YAML lines (indented by two spaces
  /// under `model:`), ready for `scengine run`; it starts from the fitted current state.
  var scenarioModel: String { get }
  /// The correlation to write as the scenario's top-level `correlation: {matrix: …}`, in
  /// asset order (nil for one asset or a model that carries its own).
  var correlation: [[Double]]? { get }
  /// Per asset (or one entry for a joint model), the fitted parameters.
  var fits: [AssetFit] { get }
  /// The total log-likelihood.
  var logLikelihood: Double { get }
  /// The number of free parameters (for AIC and BIC).
  var parameterCount: Int { get }
  /// The number of returns per asset.
  var observations: Int { get }
  /// Model-specific figures for fit.json (forecasts, transition matrix, durations, …).
  var report: [String: JSONValue] { get }
  /// The one-screen summary printed on stdout, like arch's `summary()`.
  var summary: String { get }
  /// For a regime model, the filtered and smoothed regime probabilities of each return
  /// (`--probabilities`); nil for the other models.
  var regimeProbabilities: RegimeProbabilities? { get }
}

/// The probabilities of each regime at each return, `P(s_t = k | r_1…r_t)` (filtered) and
/// `P(s_t = k | r_1…r_T)` (smoothed), rows in time order, columns in regime order.
public struct RegimeProbabilities: Sendable {
  public var regimes: [String]
  public var filtered: [[Double]]
  public var smoothed: [[Double]]

  public init(regimes: [String], filtered: [[Double]], smoothed: [[Double]]) {
    self.regimes = regimes
    self.filtered = filtered
    self.smoothed = smoothed
  }
}

extension CalibratedModel {
  /// None, but for regime models.
  public var regimeProbabilities: RegimeProbabilities? { nil }
  /// Akaike's information criterion, `2k − 2 ln L`.
  public var aic: Double { 2 * Double(parameterCount) - 2 * logLikelihood }
  /// Schwarz's Bayesian information criterion, `k ln n − 2 ln L`.
  public var bic: Double {
    Double(parameterCount) * Foundation.log(Double(observations)) - 2 * logLikelihood
  }
}
