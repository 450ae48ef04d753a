/// The simulation's time grid: `steps` steps of `timeStep` years each.
///
/// Step `k` (1…steps) moves prices from time index `k − 1` to `k`; arrays of per-step
/// quantities are indexed from 0, so index `k − 1` holds step `k`.
public struct TimeGrid: Sendable, Equatable {
  /// The number of steps (≥ 1).
  public let steps: Int
  /// The length of one step in years (e.g. 1/252 for business days), at most
  /// `ParameterLimits.maximumTimeStep` (100).
  public let timeStep: Double

  /// - Throws: `ProcessError.invalidParameter` unless `steps ≥ 1` and `timeStep` is finite, > 0
  ///   and at most `ParameterLimits.maximumTimeStep`.
  public init(steps: Int, timeStep: Double) throws(ProcessError) {
    try validateScalar(Double(steps), model: "time grid", parameter: .steps)
    try validateScalar(timeStep, model: "time grid", parameter: .timeStep)
    self.steps = steps
    self.timeStep = timeStep
  }

  /// The horizon in years, `steps · timeStep`.
  public var horizon: Double { Double(steps) * timeStep }
}
