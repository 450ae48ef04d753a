import Shocks

/// Multi-asset geometric Brownian motion, simulated exactly on the grid.
///
///     d S_a / S_a = μ_a dt + σ_a dW_a,   d⟨W_a, W_b⟩ = ρ_ab dt
///     log S_a(t + dt) = log S_a(t) + (μ_a − σ_a²/2) dt + σ_a √dt e_a
///
/// `μ` and `σ` are annualized and decimal (0.07 = 7% a year); `e` is the correlated standard
/// normal shock of the step. Under `.riskNeutral(rate: r, dividendYield: q)`, `μ_a = r − q_a`.
/// Reference: Glasserman, "Monte Carlo Methods in Financial Engineering", 2003, §3.2.
public struct GeometricBrownianMotion: PriceProcess {
  public let initialPrices: [Double]
  /// Annualized expected rates of return, resolved for the measure.
  public let drift: [Double]
  /// Annualized volatilities.
  public let volatility: [Double]
  public let correlation: CorrelationMatrix
  public let measure: Measure

  public var assetCount: Int { initialPrices.count }
  public var correlations: [CorrelationMatrix] { [correlation] }
  public var shockDistribution: CorrelatedShockGenerator.Distribution { .normal }
  public var latentStates: LatentStates { [] }

  /// - Parameters:
  ///   - initialPrices: prices at time 0, in `ParameterLimits.initialPrice` (10⁻³⁰ to 10³⁰).
  ///   - drift: annualized drift per asset (ignored under a risk-neutral measure), at most
  ///     `ParameterLimits.maximumDrift` (10) in magnitude.
  ///   - volatility: annualized volatility per asset, from 0 to
  ///     `ParameterLimits.maximumVolatility` (10).
  /// - Throws: `ProcessError` naming the first invalid parameter.
  public init(
    initialPrices: [Double], drift: [Double], volatility: [Double],
    correlation: CorrelationMatrix? = nil, measure: Measure = .realWorld
  ) throws(ProcessError) {
    let n = initialPrices.count
    try validateDiffusion(
      model: "gbm", initialPrices: initialPrices, drift: drift, volatility: volatility,
      correlation: correlation, measure: measure)
    self.initialPrices = initialPrices
    self.drift = measure.drift(realWorld: drift)
    self.volatility = volatility
    self.correlation = correlation ?? .identity(n)
    self.measure = measure
  }

  public func makeWorkspace(context: SimulationContext) -> DiffusionWorkspace {
    .singleRegime(drift: drift, volatility: volatility, jumps: nil, context: context)
  }

  public func simulate(
    path: Int, context: SimulationContext, workspace: inout DiffusionWorkspace, output: PathOutput
  ) {
    workspace.simulateSingleRegime(
      path: path, initialPrices: initialPrices, context: context, output: output)
  }

  public func simulate(
    group paths: Range<Int>, context: SimulationContext, workspace: inout DiffusionWorkspace,
    output: BlockOutput
  ) {
    workspace.simulateSingleRegime(
      group: paths, initialPrices: initialPrices, context: context, output: output)
  }
}

/// Checks the parameters every diffusion model shares.
func validateDiffusion(
  model: String, initialPrices: [Double], drift: [Double], volatility: [Double],
  correlation: CorrelationMatrix?, measure: Measure
) throws(ProcessError) {
  let n = initialPrices.count
  guard n > 0 else { throw .unsupported("\(model): at least one asset is needed") }
  try validateInitialPrices(initialPrices, model: model)
  try validatePerAsset(drift, model: model, parameter: .drift, assets: n)
  try validatePerAsset(volatility, model: model, parameter: .volatility, assets: n)
  if let correlation, correlation.dimension != n {
    throw .assetCountMismatch(
      model: model, parameter: .correlation, count: correlation.dimension, expected: n)
  }
  try measure.validate(assets: n, model: model)
}

/// Checks initial prices: finite, in `ParameterLimits.initialPrice`.
func validateInitialPrices(_ prices: [Double], model: String) throws(ProcessError) {
  try validatePerAsset(prices, model: model, parameter: .initialPrice, assets: prices.count)
}

/// A limit as shown in messages.
func limit(_ x: Double) -> String { ParameterLimits.format(x) }

/// The parameters of a diffusion (GBM, and the diffusion part of the jump and regime models).
extension ModelParameter {
  public static let drift = ModelParameter(
    key: "drift", units: "annualized, decimal",
    bounds: -ParameterLimits.maximumDrift...ParameterLimits.maximumDrift, domain: annualizedRate,
    doc: "annualized drift")
  public static let volatility = ModelParameter(
    key: "volatility", units: "annualized, decimal", bounds: 0...ParameterLimits.maximumVolatility,
    domain: "a finite annualized volatility ≥ 0, at most "
      + limit(ParameterLimits.maximumVolatility),
    doc: "annualized volatility")
}
