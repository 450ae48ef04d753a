/// One parameter of a model, declared once: its key in a scenario file, the name messages give
/// it, its units, the values it takes and what it means. The declaration is the parameter's
/// identity: a `ProcessError` names the declaration of the offending parameter, the scenario
/// planner finds the field to blame by it, and the manifest, `scengine check` and the fits of
/// `scengine calibrate` write the parameter under its `key`.
public struct ModelParameter: Hashable, Sendable, CustomStringConvertible {
  /// How a parameter is written.
  public enum Shape: String, Sendable {
    /// One number per asset (or one for all assets, or a map of asset names to numbers).
    case perAsset = "per asset"
    /// One number.
    case scalar
    /// `true` or `false`.
    case flag
    /// One of a fixed set of words (or a word with a value, like `{student_t: 5}`).
    case choice
    /// A matrix, as a list of rows.
    case matrix
  }

  /// The key path in the model's mapping of a scenario file: `drift`, `jumps.intensity`,
  /// `innovations.student_t`.
  public let key: String
  /// The name messages give the parameter (`jump intensity`).
  public let label: String
  /// The units (`annualized, decimal`; `per step`).
  public let units: String
  public let shape: Shape
  /// The numbers it takes (nil where no interval says it: a choice, a matrix).
  public let bounds: ClosedRange<Double>?
  /// Whether `bounds.lowerBound` itself is excluded (`> 0` rather than `≥ 0`).
  public let excludesLowerBound: Bool
  /// The values it takes, as messages say them after "expected".
  public let domain: String
  /// The value taken when the key is absent; `nil` for a required parameter.
  public let defaultValue: String?
  /// One line on what the parameter means (also the hint of a missing key's message).
  public let doc: String

  public init(
    key: String, label: String? = nil, units: String, shape: Shape = .perAsset,
    bounds: ClosedRange<Double>? = nil, excludesLowerBound: Bool = false, domain: String,
    defaultValue: String? = nil, doc: String
  ) {
    self.key = key
    self.label = label ?? key
    self.units = units
    self.shape = shape
    self.bounds = bounds
    self.excludesLowerBound = excludesLowerBound
    self.domain = domain
    self.defaultValue = defaultValue
    self.doc = doc
  }

  /// Whether `x` lies in the declared bounds (always false for NaN; true without bounds).
  public func accepts(_ x: Double) -> Bool {
    guard let bounds else { return !x.isNaN }
    if excludesLowerBound && x == bounds.lowerBound { return false }
    return bounds.contains(x)
  }

  /// The last component of `key`: the key within the parameter's own mapping.
  public var leafKey: String { String(key.split(separator: ".").last ?? Substring(key)) }

  /// Whether a scenario file must give the parameter.
  public var isRequired: Bool { defaultValue == nil }

  public var description: String { label }
}

extension ModelParameter {
  /// The same parameter under a message name of its own (a derived quantity, like the
  /// unconditional variance of a recursion, checked against the parameter's range).
  public func named(_ label: String, key: String? = nil, domain: String? = nil) -> ModelParameter {
    ModelParameter(
      key: key ?? self.key, label: label, units: units, shape: shape, bounds: bounds,
      excludesLowerBound: excludesLowerBound, domain: domain ?? self.domain,
      defaultValue: defaultValue, doc: doc)
  }
}

/// The parameters every model shares: the file's initial prices and top-level correlation,
/// the risk-neutral measure and the time grid.
extension ModelParameter {
  public static let initialPrice = ModelParameter(
    key: "initial", label: "initial price", units: "price", bounds: ParameterLimits.initialPrice,
    domain: "a finite price > 0, from \(limit(ParameterLimits.initialPrice.lowerBound)) to "
      + limit(ParameterLimits.initialPrice.upperBound),
    doc: "the price of each asset at time 0")
  public static let correlation = ModelParameter(
    key: "correlation", units: "dimensionless", shape: .matrix,
    domain: "a correlation matrix of one row and column per asset",
    defaultValue: "the identity", doc: "the correlation of the shocks")
  public static let riskNeutralRate = ModelParameter(
    key: "measure.risk_neutral.rate", label: "risk-neutral rate", units: "annualized, decimal",
    shape: .scalar, bounds: -ParameterLimits.maximumDrift...ParameterLimits.maximumDrift,
    domain: annualizedRate, doc: "the continuously compounded risk-free rate")
  public static let dividendYield = ModelParameter(
    key: "measure.risk_neutral.dividend", label: "dividend yield", units: "annualized, decimal",
    bounds: -ParameterLimits.maximumDrift...ParameterLimits.maximumDrift,
    domain: annualizedRate, defaultValue: "0", doc: "the continuous dividend yield")
  public static let steps = ModelParameter(
    key: "time.steps", label: "steps", units: "steps", shape: .scalar,
    bounds: 1...Double.greatestFiniteMagnitude, domain: "an integer ≥ 1",
    doc: "the number of steps")
  public static let timeStep = ModelParameter(
    key: "time.dt", label: "dt", units: "years", shape: .scalar,
    bounds: 0...ParameterLimits.maximumTimeStep, excludesLowerBound: true,
    domain: "a finite number of years > 0, at most \(limit(ParameterLimits.maximumTimeStep))",
    doc: "the length of a step in years")

  /// `a finite annualized rate from -10 to 10`.
  static let annualizedRate =
    "a finite annualized rate from -\(limit(ParameterLimits.maximumDrift)) to "
    + limit(ParameterLimits.maximumDrift)
}
