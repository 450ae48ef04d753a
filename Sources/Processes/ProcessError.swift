/// Why a model's parameters were rejected. Assets are named by their position (0-based) in the
/// model's asset list; the scenario planner maps positions to names and field paths.
public enum ProcessError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A parameter outside its domain.
  case invalidParameter(
    model: String, parameter: String, asset: Int?, value: Double, expected: String)
  /// A per-asset parameter list of the wrong length.
  case assetCountMismatch(model: String, parameter: String, count: Int, expected: Int)
  /// GARCH parameters whose variance recursion is not covariance-stationary.
  case nonStationary(model: String, asset: Int?, persistence: Double, condition: String)
  /// A regime-switching transition matrix or initial distribution that is not stochastic.
  case invalidTransitionMatrix(String)
  /// A starting variance rule (`initial_variance`) that has no value for these parameters.
  case initialVariance(model: String, asset: Int?, reason: String)
  /// A combination the model cannot honour, explained.
  case unsupported(String)

  public var description: String {
    switch self {
    case .invalidParameter(let model, let parameter, let asset, let value, let expected):
      let whose = asset.map { " of asset \($0)" } ?? ""
      return "\(model): \(parameter)\(whose) is \(value), expected \(expected)"
    case .assetCountMismatch(let model, let parameter, let count, let expected):
      return "\(model): \(parameter) has \(count) values, expected \(expected) (one per asset)"
    case .nonStationary(let model, let asset, let persistence, let condition):
      let whose = asset.map { " for asset \($0)" } ?? ""
      return "\(model): parameters\(whose) are not stationary: \(condition) is \(persistence), "
        + "expected < 1 (set allow_nonstationary to simulate anyway)"
    case .invalidTransitionMatrix(let what):
      return "regime switching: \(what)"
    case .initialVariance(let model, let asset, let reason):
      let whose = asset.map { " of asset \($0)" } ?? ""
      return "\(model): initial_variance\(whose): \(reason)"
    case .unsupported(let what):
      return what
    }
  }
}

/// Checks a per-asset parameter list: its length and each value.
func validatePerAsset(
  _ values: [Double], model: String, parameter: String, assets: Int, expected: String,
  _ isValid: (Double) -> Bool
) throws(ProcessError) {
  guard values.count == assets else {
    throw .assetCountMismatch(
      model: model, parameter: parameter, count: values.count, expected: assets)
  }
  for (i, v) in values.enumerated() where !isValid(v) {
    throw .invalidParameter(
      model: model, parameter: parameter, asset: i, value: v, expected: expected)
  }
}

/// Checks one scalar parameter.
func validateScalar(
  _ value: Double, model: String, parameter: String, expected: String, _ isValid: (Double) -> Bool
) throws(ProcessError) {
  if !isValid(value) {
    throw .invalidParameter(
      model: model, parameter: parameter, asset: nil, value: value, expected: expected)
  }
}
