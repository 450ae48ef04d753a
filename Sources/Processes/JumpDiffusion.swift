import Shocks

/// Geometric Brownian motion with compound-Poisson jumps in the log price: Merton's (1976)
/// jump-diffusion with normal log jumps, or Kou's (2002) with double-exponential ones.
///
///     dS_a / S_a− = (μ_a − λ_a κ_a) dt + σ_a dW_a + d(Σ_{j ≤ N_a(t)} (e^{Y_{a,j}} − 1))
///
/// `μ`, `σ` and the intensity `λ` are annualized; `κ = E[e^Y] − 1`, so `μ` stays the
/// expected rate of return and, under a risk-neutral measure (`μ = r − q`), discounted prices
/// are martingales. Each step is simulated exactly: the diffusion part as GBM, the jumps as
/// Poisson(λ dt) counts and their summed log sizes (see `JumpSpecification`). Jump counts
/// per step are the latent output.
///
/// References: Merton, "Option pricing when underlying stock returns are discontinuous",
/// J. Financial Economics 3, 1976; Kou, "A jump-diffusion model for option pricing",
/// Management Science 48, 2002; Glasserman (2003) §3.5.
public struct JumpDiffusion: PriceProcess {
  public let initialPrices: [Double]
  public let drift: [Double]
  public let volatility: [Double]
  public let jumps: JumpSpecification
  public let correlation: CorrelationMatrix
  public let measure: Measure

  public var assetCount: Int { initialPrices.count }
  public var correlations: [CorrelationMatrix] { [correlation] }
  public var shockDistribution: CorrelatedShockGenerator.Distribution { .normal }
  public var latentStates: LatentStates { .jumps }
  public var largestJumpIntensities: [Double] { jumps.intensity }
  public var hasSystemicJumps: Bool { jumps.systemic }

  /// - Throws: `ProcessError` naming the first invalid parameter.
  public init(
    initialPrices: [Double], drift: [Double], volatility: [Double], jumps: JumpSpecification,
    correlation: CorrelationMatrix? = nil, measure: Measure = .realWorld
  ) throws(ProcessError) {
    let model = jumps.modelName
    try validateDiffusion(
      model: model, initialPrices: initialPrices, drift: drift, volatility: volatility,
      correlation: correlation, measure: measure)
    try jumps.validate(assets: initialPrices.count)
    self.initialPrices = initialPrices
    self.drift = measure.drift(realWorld: drift)
    self.volatility = volatility
    self.jumps = jumps
    self.correlation = correlation ?? .identity(initialPrices.count)
    self.measure = measure
  }

  public func makeWorkspace(context: SimulationContext) -> DiffusionWorkspace {
    .singleRegime(drift: drift, volatility: volatility, jumps: jumps, context: context)
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
