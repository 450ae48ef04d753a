import Randomness
import Shocks

/// Schwartz's one-factor model: a mean-reverting log price (an exponential Ornstein–Uhlenbeck
/// process), for commodities and exchange rates, simulated exactly on the grid.
///
///     x_a = ln S_a,   dx_a = κ_a (θ_a − x_a) dt + σ_a dW_a,   θ_a = ln(long_run_price_a)
///     x_a(t + dt) = θ_a + (x_a(t) − θ_a) e^{−κ_a dt} + σ_a √((1 − e^{−2 κ_a dt}) / (2 κ_a)) e_a
///
/// with `e` the correlated standard normal shock of the step (`d⟨W_a, W_b⟩ = ρ_ab dt`, the
/// file's top-level correlation). `κ` (`mean_reversion`) is per year, `σ` (`volatility`)
/// annualized and decimal; the half-life of a deviation from `θ` is `ln 2 / κ` years. Given
/// `x_0`, `x_T` is normal with mean `θ + (x_0 − θ) e^{−κT}` and variance
/// `σ² (1 − e^{−2κT}) / (2κ)`; the stationary law is `N(θ, σ²/(2κ))`, so `long_run_price` is
/// the long-run median price (the long-run mean is `e^{θ + σ²/(4κ)}`). The expected rate of
/// return, `κ (θ − x) + σ²/2`, depends on the price itself.
///
/// Real-world measure only: the risk-neutral dynamics need a market price of risk `λ`
/// (`θ* = θ − λ/κ`), which a scenario file does not give.
///
/// Stresses: a volatility multiplier `m` scales `σ` for the step (the shock's standard
/// deviation `m σ √((1 − e^{−2κ dt}) / (2κ))`); an instant shock `r` adds `log(1 + r)` to `x` at
/// the end of the step, from where it reverts; a replayed historical return `h` replaces the
/// step's move, `x(t + dt) = x(t) + h`; a correlation stress blends the correlation of `e`. A
/// drift override is refused: the model has no drift to override (its expected return is set
/// by the price's distance from `θ`).
///
/// Reference: Schwartz, "The stochastic behavior of commodity prices: implications for
/// valuation and hedging", Journal of Finance 52, 1997, §I.A (model 1); the exact transition:
/// Glasserman, "Monte Carlo Methods in Financial Engineering", 2003, §3.3.1.
public struct SchwartzOneFactor: PriceProcess {
  public let initialPrices: [Double]
  /// κ per asset, per year.
  public let meanReversion: [Double]
  /// The price level each log price reverts to, `e^θ`.
  public let longRunPrice: [Double]
  /// σ per asset, annualized.
  public let volatility: [Double]
  public let correlation: CorrelationMatrix

  public var assetCount: Int { initialPrices.count }
  public var correlations: [CorrelationMatrix] { [correlation] }
  public var shockDistribution: CorrelatedShockGenerator.Distribution { .normal }
  public var latentStates: LatentStates { [] }

  /// θ = ln(long_run_price) per asset.
  public var longRunLogPrice: [Double] { longRunPrice.map { PortableMath.log($0) } }

  /// - Parameters:
  ///   - initialPrices: prices at time 0, in `ParameterLimits.initialPrice` (10⁻³⁰ to 10³⁰).
  ///   - meanReversion: κ per asset, per year, in (0, 1000].
  ///   - longRunPrice: `e^θ` per asset, in `ParameterLimits.initialPrice`.
  ///   - volatility: σ per asset, annualized, from 0 to `ParameterLimits.maximumVolatility`.
  ///   - measure: `.realWorld`; a risk-neutral measure is refused.
  /// - Throws: `ProcessError` naming the first invalid parameter.
  public init(
    initialPrices: [Double], meanReversion: [Double], longRunPrice: [Double],
    volatility: [Double], correlation: CorrelationMatrix? = nil, measure: Measure = .realWorld
  ) throws(ProcessError) {
    let model = "schwartz"
    let n = initialPrices.count
    guard n > 0 else { throw .unsupported("\(model): at least one asset is needed") }
    try validateInitialPrices(initialPrices, model: model)
    try validatePerAsset(meanReversion, model: model, parameter: .meanReversion, assets: n)
    try validatePerAsset(longRunPrice, model: model, parameter: .longRunPrice, assets: n)
    try validatePerAsset(volatility, model: model, parameter: .volatility, assets: n)
    if let correlation, correlation.dimension != n {
      throw .assetCountMismatch(
        model: model, parameter: .correlation, count: correlation.dimension, expected: n)
    }
    if case .riskNeutral = measure {
      throw .unsupported(
        "\(model): a risk-neutral measure needs a market price of risk (the long-run level under "
          + "the pricing measure), which the file does not give; use measure: real_world, or give "
          + "the risk-neutral long_run_price directly under the real-world measure")
    }
    self.initialPrices = initialPrices
    self.meanReversion = meanReversion
    self.longRunPrice = longRunPrice
    self.volatility = volatility
    self.correlation = correlation ?? .identity(n)
  }

  /// Refuses a drift override, besides the stresses of latent states the model lacks.
  public func unsupportedStress(in schedule: StressSchedule) -> String? {
    if schedule.driftOverride != nil {
      return "a drift stress needs a model with a drift; schwartz has no drift: its expected "
        + "return, mean_reversion × (ln long_run_price − ln S) + volatility²/2, is set by the "
        + "price itself (use a shock stress to move the price)"
    }
    return unsupportedLatentStress(in: schedule)
  }

  /// Per-worker scratch: the path's shocks, the current log prices and the step constants.
  public final class Workspace {
    let assets: Int
    let steps: Int
    /// Per asset: θ, `e^{−κ dt}` and the unstressed standard deviation of a step's shock,
    /// `σ √((1 − e^{−2κ dt}) / (2κ))`.
    let level: UnsafeMutablePointer<Double>
    let decay: UnsafeMutablePointer<Double>
    let stepDeviation: UnsafeMutablePointer<Double>
    let logPrice: UnsafeMutablePointer<Double>
    let shocks: UnsafeMutablePointer<Double>
    let factorByStep: UnsafeMutablePointer<UInt16>

    init(process p: SchwartzOneFactor, steps: Int, timeStep dt: Double) {
      let n = p.assetCount
      assets = n
      self.steps = steps
      level = .allocate(capacity: n)
      decay = .allocate(capacity: n)
      stepDeviation = .allocate(capacity: n)
      logPrice = .allocate(capacity: n)
      for a in 0..<n {
        level[a] = PortableMath.log(p.longRunPrice[a])
        decay[a] = PortableMath.exp(-p.meanReversion[a] * dt)
        stepDeviation[a] =
          p.volatility[a]
          * SchwartzOneFactor.varianceFactor(meanReversion: p.meanReversion[a], timeStep: dt)
          .squareRoot()
        logPrice[a] = 0
      }
      shocks = .allocate(capacity: max(1, steps * n))
      shocks.initialize(repeating: 0, count: max(1, steps * n))
      factorByStep = .allocate(capacity: max(1, steps))
      factorByStep.initialize(repeating: 0, count: max(1, steps))
    }

    deinit {
      for p in [level, decay, stepDeviation, logPrice, shocks] { p.deallocate() }
      factorByStep.deallocate()
    }
  }

  /// `(1 − e^{−2κ dt}) / (2κ)`, the variance of a step's move per unit `σ²`: computed as
  /// `dt · (−expm1(−y) / y)` with `y = 2κ dt`, exact to rounding for small `κ dt` (→ `dt`).
  public static func varianceFactor(meanReversion kappa: Double, timeStep dt: Double) -> Double {
    let y = 2 * kappa * dt
    return y > 0 ? dt * (-PortableMath.expm1(-y) / y) : dt
  }

  public func makeWorkspace(context: SimulationContext) -> Workspace {
    Workspace(process: self, steps: context.grid.steps, timeStep: context.grid.timeStep)
  }

  public func simulate(
    path: Int, context: SimulationContext, workspace w: inout Workspace, output: PathOutput
  ) {
    let steps = context.grid.steps
    let n = assetCount
    let schedule = context.schedule
    // A correlation stress picks blend b of the one model correlation: factor b · K + 0.
    let needsFactors = n > 1 && schedule.correlationBlend != nil
    if needsFactors, let blend = schedule.correlationBlend {
      for t in 0..<steps {
        w.factorByStep[t] = UInt16(Int(blend[t]) * context.modelCorrelationCount)
      }
    }
    context.shocks.fill(
      path: path, steps: steps, into: w.shocks, factorByStep: needsFactors ? w.factorByStep : nil)

    // Rows 1…steps of `prices` receive the log prices, then one vectorised exponential.
    let prices = output.prices
    let shocks = w.shocks
    let plain =
      schedule.volatilityMultiplier == nil && schedule.historicalReturn == nil
      && schedule.shockReturn == nil
    var largest: UInt64 = 0
    if plain && n == 1 {
      // One asset: the log price stays in a register.
      let theta = w.level[0]
      let decay = w.decay[0]
      let deviation = w.stepDeviation[0]
      var x = PortableMath.log(initialPrices[0])
      for t in 0..<steps {
        let next = theta + (x - theta) * decay + deviation * shocks[t]
        output.logReturns?[t] = next - x
        prices[t + 1] = next
        largest = max(largest, Exponential.magnitudeBits(next))
        x = next
      }
    } else {
      for a in 0..<n { w.logPrice[a] = PortableMath.log(initialPrices[a]) }
      for t in 0..<steps {
        let row = t * n
        for a in 0..<n {
          let i = row + a
          let x = w.logPrice[a]
          var next: Double
          if let hist = schedule.historicalReturn?[i], !hist.isNaN {
            next = x + hist
          } else {
            let m = schedule.volatilityMultiplier?[i] ?? 1
            next = w.level[a] + (x - w.level[a]) * w.decay[a] + m * w.stepDeviation[a] * shocks[i]
          }
          if let shock = schedule.shockReturn?[i], shock != 0 { next += PortableMath.log1p(shock) }
          output.logReturns?[i] = next - x
          prices[n + i] = next
          largest = max(largest, Exponential.magnitudeBits(next))
          w.logPrice[a] = next
        }
      }
    }
    Exponential.exponentiate(prices + n, count: steps * n, largestMagnitudeBits: largest)
    for a in 0..<n { prices[a] = initialPrices[a] }
  }
}

/// The parameters of Schwartz's one-factor model (besides the shared `volatility`).
extension ModelParameter {
  /// The largest mean-reversion rate κ, per year (a half-life of 0.0007 years, about 6
  /// minutes of a trading year).
  public static let maximumMeanReversion = 1000.0

  public static let meanReversion = ModelParameter(
    key: "mean_reversion", label: "mean reversion", units: "per year",
    bounds: 0...maximumMeanReversion, excludesLowerBound: true,
    domain: "a finite rate per year > 0, at most \(limit(maximumMeanReversion))",
    doc: "κ, the rate per year at which the log price reverts to ln(long_run_price) "
      + "(half-life ln 2 / κ)")
  public static let longRunPrice = ModelParameter(
    key: "long_run_price", label: "long-run price", units: "price",
    bounds: ParameterLimits.initialPrice,
    domain: "a finite price > 0, from \(limit(ParameterLimits.initialPrice.lowerBound)) to "
      + limit(ParameterLimits.initialPrice.upperBound),
    doc: "e^θ, the price level the log price reverts to (the long-run median price)")
}
