/// The probability measure under which paths are simulated.
public enum Measure: Sendable, Equatable {
  /// Physical dynamics: each model's drift is its expected rate of return.
  case realWorld
  /// Risk-neutral dynamics with a continuously compounded, annualized `rate` and per-asset
  /// dividend yields: every model's drift becomes `rate − dividend` (jump compensators
  /// included), so that `e^(−(r − q) t) S_t` is a martingale.
  case riskNeutral(rate: Double, dividendYield: [Double])

  /// Validates rate and dividends for `assets` assets: each at most
  /// `ParameterLimits.maximumDrift` (10 = 1,000% a year) in magnitude.
  public func validate(assets: Int, model: String) throws(ProcessError) {
    guard case .riskNeutral(let rate, let dividends) = self else { return }
    try validateScalar(rate, model: model, parameter: .riskNeutralRate)
    try validatePerAsset(dividends, model: model, parameter: .dividendYield, assets: assets)
  }

  /// The annualized drift of each asset: the given real-world drift, or `rate − dividend`.
  func drift(realWorld: [Double]) -> [Double] {
    switch self {
    case .realWorld: return realWorld
    case .riskNeutral(let rate, let dividends): return dividends.map { rate - $0 }
    }
  }
}
