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
  func validate(assets: Int, model: String) throws(ProcessError) {
    guard case .riskNeutral(let rate, let dividends) = self else { return }
    let bound = ParameterLimits.maximumDrift
    let expected = "a finite annualized rate from -\(limit(bound)) to \(limit(bound))"
    try validateScalar(rate, model: model, parameter: "risk-neutral rate", expected: expected) {
      $0.isFinite && abs($0) <= bound
    }
    try validatePerAsset(
      dividends, model: model, parameter: "dividend yield", assets: assets, expected: expected
    ) { $0.isFinite && abs($0) <= bound }
  }

  /// The annualized drift of each asset: the given real-world drift, or `rate − dividend`.
  func drift(realWorld: [Double]) -> [Double] {
    switch self {
    case .realWorld: return realWorld
    case .riskNeutral(let rate, let dividends): return dividends.map { rate - $0 }
    }
  }
}
