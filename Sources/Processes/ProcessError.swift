/// Why a model's parameters were rejected. Assets are named by their position (0-based) in the
/// model's asset list; the scenario planner maps positions to names and field paths.
public enum ProcessError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A parameter outside its domain.
  case invalidParameter(
    model: String, parameter: ModelParameter, asset: Int?, value: Double, expected: String)
  /// A per-asset parameter list of the wrong length.
  case assetCountMismatch(model: String, parameter: ModelParameter, count: Int, expected: Int)
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

/// Checks a per-asset parameter list: its length and each value, against the parameter's
/// declared bounds and domain unless `expected` and `isValid` say otherwise.
func validatePerAsset(
  _ values: [Double], model: String, parameter: ModelParameter, assets: Int,
  expected: String? = nil, _ isValid: ((Double) -> Bool)? = nil
) throws(ProcessError) {
  guard values.count == assets else {
    throw .assetCountMismatch(
      model: model, parameter: parameter, count: values.count, expected: assets)
  }
  let isValid = isValid ?? parameter.accepts
  for (i, v) in values.enumerated() where !isValid(v) {
    throw .invalidParameter(
      model: model, parameter: parameter, asset: i, value: v,
      expected: expected ?? parameter.domain)
  }
}

/// Checks one scalar parameter, against its declared bounds and domain unless `expected` and
/// `isValid` say otherwise.
func validateScalar(
  _ value: Double, model: String, parameter: ModelParameter, expected: String? = nil,
  _ isValid: ((Double) -> Bool)? = nil
) throws(ProcessError) {
  if !(isValid ?? parameter.accepts)(value) {
    throw .invalidParameter(
      model: model, parameter: parameter, asset: nil, value: value,
      expected: expected ?? parameter.domain)
  }
}
