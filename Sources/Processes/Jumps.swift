import Randomness

/// Compound-Poisson jumps in the log price.
///
/// Ranges: Merton's `mean` and `stdev` at most `ParameterLimits.maximumJumpLogSize` (5) in
/// magnitude; Kou's `upMean` in (0, 0.99], `downMean` in (0, 5].
///
/// Jumps arrive at `intensity` λ per year (per asset, or on one clock shared by all assets
/// when `systemic`); in a step of length `dt` their number is Poisson(λ dt). Each jump adds a
/// log size `Y` to the log price:
///
/// - Merton (1976): `Y ~ N(mean, stdev²)`. The sum of `N` sizes is drawn in one step as
///   `N · mean + √N · stdev · Z`, exact in law.
/// - Kou (2002): `Y = +Exp(upMean)` with probability `upProbability`, else `−Exp(downMean)`
///   (`upMean = 1/η₁`, `downMean = 1/η₂`).
///
/// The compensator `κ = E[e^Y] − 1` is `exp(mean + stdev²/2) − 1` (Merton) or
/// `p/(1 − upMean) + (1 − p)/(1 + downMean) − 1` (Kou, needs `upMean < 1`); the drift is
/// reduced by `λκ` so that it stays the expected rate of return, `E[S_t] = S_0 e^{μt}`
/// (Merton 1976, eq. 2). Jump-intensity stresses add jump risk without compensation.
public struct JumpSpecification: Sendable, Equatable {
  /// The law of one log jump size, per asset.
  public enum SizeLaw: Sendable, Equatable {
    /// Merton: normal log sizes.
    case normal(mean: [Double], standardDeviation: [Double])
    /// Kou: double-exponential log sizes.
    case doubleExponential(upProbability: [Double], upMean: [Double], downMean: [Double])
  }

  /// Jumps per year, per asset (annualized, ≥ 0, at most
  /// `ParameterLimits.maximumJumpIntensity`; a scenario also bounds the expected jumps per
  /// step, `ParameterLimits.maximumJumpsPerStep`).
  public let intensity: [Double]
  /// The log jump size law.
  public let sizes: SizeLaw
  /// One Poisson clock for all assets (a market-wide event) instead of one per asset.
  public let systemic: Bool

  public init(intensity: [Double], sizes: SizeLaw, systemic: Bool = false) {
    self.intensity = intensity
    self.sizes = sizes
    self.systemic = systemic
  }

  /// The name used in messages.
  public var modelName: String {
    if case .normal = sizes { return "merton" }
    return "kou"
  }

  /// Checks every parameter for `assets` assets.
  func validate(assets: Int) throws(ProcessError) {
    let model = modelName
    try validatePerAsset(intensity, model: model, parameter: .jumpIntensity, assets: assets)
    if systemic, let first = intensity.first, intensity.contains(where: { $0 != first }) {
      throw .unsupported(
        "\(model): systemic jumps share one clock, so the jump intensity must be the same for every asset"
      )
    }
    switch sizes {
    case .normal(let mean, let sd):
      try validatePerAsset(mean, model: model, parameter: .jumpMean, assets: assets)
      try validatePerAsset(sd, model: model, parameter: .jumpStandardDeviation, assets: assets)
    case .doubleExponential(let p, let up, let down):
      try validatePerAsset(p, model: model, parameter: .upProbability, assets: assets)
      try validatePerAsset(up, model: model, parameter: .upMean, assets: assets)
      try validatePerAsset(down, model: model, parameter: .downMean, assets: assets)
    }
  }

  /// `κ = E[e^Y] − 1` per asset.
  public var compensator: [Double] {
    switch sizes {
    case .normal(let mean, let sd):
      return zip(mean, sd).map { PortableMath.exp($0 + 0.5 * $1 * $1) - 1 }
    case .doubleExponential(let p, let up, let down):
      return (0..<p.count).map { (a: Int) -> Double in
        let upward: Double = p[a] / (1 - up[a])
        let downward: Double = (1 - p[a]) / (1 + down[a])
        return upward + downward - 1
      }
    }
  }
}

/// The parameters of compound-Poisson jumps, under the `jumps` key of a model.
extension ModelParameter {
  public static let jumpIntensity = ModelParameter(
    key: "jumps.intensity", label: "jump intensity", units: "jumps per year",
    bounds: 0...ParameterLimits.maximumJumpIntensity,
    domain: "a finite number of jumps per year ≥ 0, at most "
      + limit(ParameterLimits.maximumJumpIntensity),
    doc: "jumps per year")
  public static let jumpsSystemic = ModelParameter(
    key: "jumps.systemic", units: "flag", shape: .flag, domain: "true or false",
    defaultValue: "false", doc: "one Poisson clock shared by all assets")
  /// Merton's mean log jump size.
  public static let jumpMean = ModelParameter(
    key: "jumps.mean", label: "jump mean", units: "log size",
    bounds: -ParameterLimits.maximumJumpLogSize...ParameterLimits.maximumJumpLogSize,
    domain: "a finite log size from -\(limit(ParameterLimits.maximumJumpLogSize)) to "
      + limit(ParameterLimits.maximumJumpLogSize),
    doc: "mean log jump size")
  /// Merton's standard deviation of the log jump size.
  public static let jumpStandardDeviation = ModelParameter(
    key: "jumps.stdev", label: "jump stdev", units: "log size",
    bounds: 0...ParameterLimits.maximumJumpLogSize,
    domain: "a finite number ≥ 0, at most \(limit(ParameterLimits.maximumJumpLogSize))",
    doc: "standard deviation of the log jump size")
  /// Kou's probability that a jump is up.
  public static let upProbability = ModelParameter(
    key: "jumps.up_probability", label: "up_probability", units: "probability", bounds: 0...1,
    domain: "a probability in [0, 1]", doc: "probability that a jump is up")
  /// Kou's mean up log jump, `1/η₁`.
  public static let upMean = ModelParameter(
    key: "jumps.up_mean", label: "up_mean", units: "log size",
    bounds: 0...ParameterLimits.maximumKouUpMean, excludesLowerBound: true,
    domain: "a finite number in (0, 1) so that E[e^Y] is finite, at most "
      + "\(ParameterLimits.maximumKouUpMean)",
    doc: "mean up log jump, 1/eta1")
  /// Kou's mean down log jump size, `1/η₂`.
  public static let downMean = ModelParameter(
    key: "jumps.down_mean", label: "down_mean", units: "log size",
    bounds: 0...ParameterLimits.maximumKouDownMean, excludesLowerBound: true,
    domain: "a finite number > 0, at most \(limit(ParameterLimits.maximumKouDownMean))",
    doc: "mean down log jump size, 1/eta2")
}
