import CKernels
import Randomness
import Shocks

/// GARCH(1,1)-family log returns with constant conditional correlation (CCC).
///
/// Per step (units: per-step log returns, decimal; not annualized):
///
///     r_t = μ + ε_t,   ε_t = σ_t z_t,   z_t ~ N(0, 1) or unit-variance Student-t(ν)
///     GARCH:  σ²_{t+1} = ω + α ε_t² + β σ_t²                         (Bollerslev 1986)
///     GJR:    σ²_{t+1} = ω + α ε_t² + γ 1[ε_t < 0] ε_t² + β σ_t²      (Glosten, Jagannathan, Runkle 1993)
///     EGARCH: log σ²_{t+1} = ω + α (|z_t| − E|z|) + γ z_t + β log σ_t²  (Nelson 1991)
///
/// Assets are tied by the correlation of `z` across assets (Bollerslev 1990, CCC), drawn by
/// the shared generator; Student-t innovations are multivariate t with one mixing draw per
/// step. Prices follow `log S_t = log S_{t−1} + r_t`. Covariance stationarity requires
/// `α + β < 1` (GARCH), `α + β + γ/2 < 1` (GJR, symmetric innovations) or `|β| < 1` (EGARCH);
/// other parameters are rejected unless `allowNonstationary`. The unconditional variance
/// `E[σ²]` is `ω / (1 − α − β − γ/2)` (GARCH, GJR); for EGARCH it is Nelson's (1991) infinite
/// product (see `egarchUnconditionalVariance`), which exists for normal innovations but is
/// infinite for Student-t ones whenever `α + |γ| > 0` (a t law has no exponential moments).
/// EGARCH can also start from `exp(ω / (1 − β)) = exp(E[log σ²])`, the unconditional geometric
/// mean of `σ²`, which exists for every innovation law and is below `E[σ²]` (Jensen).
///
/// Under a risk-neutral measure the mean becomes `(r − q) dt − σ_t²/2` so that
/// `E[e^{r_t}] = e^{(r − q) dt}` (Duan 1995); this needs normal innovations, since a
/// Student-t has no moment generating function.
///
/// Stresses: a volatility multiplier `m` scales the step's return, `r_t = μ + m σ_t z_t`, and
/// not the recursion, which goes on from the model's own `σ_t z_t`: the stressed path's
/// returns are `m` times the unstressed path's deviations from `μ` inside the window and the
/// same returns after it, as for every other model. (Fed into the recursion, `m` would
/// compound: the persistence inside the window would be `α m² + β`, above 1 for `m = 2.5` and
/// common parameters. A lasting rise of the variance is the variance stress's.) A variance
/// stress sets `σ_t²`; an instant shock or a historical return is part of `ε_t` and feeds the
/// next variance (EGARCH: through the news `ε_t / σ_t`); a drift override `d` (annualized) sets `μ = d · dt`
/// (risk-neutral: it replaces `r − q`, so `μ = d · dt − m² σ_t²/2`); a correlation stress
/// blends the CCC correlation of `z` over its window. The latent output is the conditional
/// variance in force during each step, `m² σ_t²`; on a step whose return a historical replay
/// set, it is the variance the recursion carried into the step (the replayed return did not
/// come from it, but feeds the next variance).
public struct GARCHProcess: PriceProcess {
  /// The variance recursion.
  public enum VolatilityModel: String, Sendable, CaseIterable {
    case garch, gjr, egarch
  }

  /// The law of the standardized innovations `z`.
  public enum Innovations: Sendable, Equatable {
    case normal
    /// Student-t with ν > 2 degrees of freedom, scaled to unit variance.
    case studentT(degreesOfFreedom: Double)
  }

  /// Where the variance recursion starts (`initial_variance` in a scenario file).
  public enum InitialVariance: Sendable, Equatable {
    /// The unconditional variance `E[σ²]` (`unconditional`): `ω / (1 − α − β − γ/2)` for GARCH
    /// and GJR; Nelson's infinite product for EGARCH (see `egarchUnconditionalVariance`),
    /// rejected where it is infinite (EGARCH with Student-t innovations and `α + |γ| > 0`).
    case unconditional
    /// EGARCH only (`unconditional_geometric_mean`): `exp(ω / (1 − β)) = exp(E[log σ²])`, the
    /// unconditional geometric mean of `σ²`; it exists for every innovation law and lies below
    /// `E[σ²]`, by about 5–35% for common daily parameters.
    case unconditionalGeometricMean
    /// A given per-step variance per asset (e.g. the fitted current state).
    case given([Double])
  }

  public let type: VolatilityModel
  public let initialPrices: [Double]
  /// Per-step mean log return μ per asset.
  public let mean: [Double]
  public let omega: [Double]
  public let alpha: [Double]
  public let beta: [Double]
  /// The asymmetry γ (GJR, EGARCH); zeros for GARCH.
  public let gamma: [Double]
  public let innovations: Innovations
  public let correlation: CorrelationMatrix
  public let measure: Measure
  /// σ²₁ per asset.
  public let initialVariance: [Double]
  /// The rule `initialVariance` came from.
  public let initialVarianceRule: InitialVariance
  /// `E|z|` for the innovation law (EGARCH).
  public let expectedAbsoluteInnovation: Double

  public var assetCount: Int { initialPrices.count }
  public var correlations: [CorrelationMatrix] { [correlation] }
  public var latentStates: LatentStates { .variance }
  public var shockDistribution: CorrelatedShockGenerator.Distribution {
    switch innovations {
    case .normal: return .normal
    case .studentT(let nu): return .studentT(degreesOfFreedom: nu)
    }
  }

  /// Ranges (`ParameterLimits`): `mean` at most 1 per step in magnitude; GARCH/GJR `omega` in
  /// (0, 1], `alpha`, `beta` in [0, 10], `gamma` in [−10, 10]; EGARCH `omega`, `alpha`, `beta`,
  /// `gamma` in [−10, 10]; the starting variance (given or unconditional) from 10⁻³⁰ to 1 per
  /// step; Student-t degrees of freedom in (2, 10⁶].
  ///
  /// - Parameters:
  ///   - gamma: the asymmetry per asset; must be zero (or empty) for `.garch`.
  /// - Throws: `ProcessError` naming the first invalid parameter.
  public init(
    type: VolatilityModel, initialPrices: [Double], mean: [Double], omega: [Double],
    alpha: [Double], beta: [Double], gamma: [Double] = [], innovations: Innovations = .normal,
    initialVariance: InitialVariance = .unconditional, correlation: CorrelationMatrix? = nil,
    measure: Measure = .realWorld, allowNonstationary: Bool = false
  ) throws(ProcessError) {
    let model = type.rawValue
    let n = initialPrices.count
    guard n > 0 else { throw .unsupported("\(model): at least one asset is needed") }
    let gamma = gamma.isEmpty ? Array(repeating: 0, count: n) : gamma
    try validateInitialPrices(initialPrices, model: model)
    let variances = ParameterLimits.perStepVariance
    try validatePerAsset(mean, model: model, parameter: .garchMean, assets: n)
    switch type {
    case .garch, .gjr:
      try validatePerAsset(omega, model: model, parameter: .omega, assets: n)
      try validatePerAsset(alpha, model: model, parameter: .alpha, assets: n)
      try validatePerAsset(beta, model: model, parameter: .beta, assets: n)
      if type == .garch {
        try validatePerAsset(
          gamma, model: model, parameter: .gamma, assets: n,
          expected: "0 (gamma needs type gjr or egarch)"
        ) { $0 == 0 }
      } else {
        try validatePerAsset(gamma, model: model, parameter: .gamma, assets: n)
        for a in 0..<n where alpha[a] + gamma[a] < 0 {
          throw .invalidParameter(
            model: model, parameter: .alphaPlusGamma, asset: a, value: alpha[a] + gamma[a],
            expected: ModelParameter.alphaPlusGamma.domain)
        }
      }
    case .egarch:
      for (parameter, values) in [
        (ModelParameter.egarchOmega, omega), (.egarchAlpha, alpha), (.egarchBeta, beta),
        (.gamma, gamma),
      ] {
        try validatePerAsset(values, model: model, parameter: parameter, assets: n)
      }
    }
    let persistence = (0..<n).map { a -> Double in
      switch type {
      case .garch: return alpha[a] + beta[a]
      case .gjr: return alpha[a] + beta[a] + 0.5 * gamma[a]
      case .egarch: return abs(beta[a])
      }
    }
    let condition =
      type == .garch ? "alpha + beta" : type == .gjr ? "alpha + beta + gamma/2" : "|beta|"
    if !allowNonstationary {
      for a in 0..<n where persistence[a] >= 1 {
        throw .nonStationary(
          model: model, asset: a, persistence: persistence[a], condition: condition)
      }
    }
    switch innovations {
    case .normal: break
    case .studentT(let nu):
      try validateScalar(
        nu, model: model, parameter: .degreesOfFreedom,
        expected: "a finite number > 2 (unit variance)"
      ) { $0.isFinite && $0 > 2 }
      try validateScalar(
        nu, model: model, parameter: .degreesOfFreedom,
        expected: "at most \(limit(ParameterLimits.maximumDegreesOfFreedom)) (beyond, use normal)"
      ) { $0 <= ParameterLimits.maximumDegreesOfFreedom }
      if case .riskNeutral = measure {
        throw .unsupported(
          "\(model): a risk-neutral GARCH needs normal innovations (a Student-t return has no "
            + "moment generating function, so E[e^r] is infinite); use innovations: normal")
      }
    }
    try measure.validate(assets: n, model: model)
    if let correlation, correlation.dimension != n {
      throw .assetCountMismatch(
        model: model, parameter: .correlation, count: correlation.dimension, expected: n)
    }
    switch initialVariance {
    case .unconditional, .unconditionalGeometricMean:
      for a in 0..<n where persistence[a] >= 1 {
        throw .unsupported(
          "\(model): asset \(a) has no unconditional variance (\(condition) = \(persistence[a])); "
            + "give initial_variance explicitly")
      }
      let start: [Double]
      let formula: String
      if initialVariance == .unconditionalGeometricMean {
        guard type == .egarch else {
          throw .initialVariance(
            model: model, asset: nil,
            reason: "unconditional_geometric_mean is defined for egarch only; use unconditional "
              + "(ω / (1 − \(condition)))")
        }
        start = (0..<n).map { a in PortableMath.exp(omega[a] / (1 - beta[a])) }
        formula = "exp(omega / (1 - beta))"
      } else if type == .egarch {
        var values: [Double] = []
        for a in 0..<n {
          values.append(
            try Self.egarchUnconditionalVariance(
              omega: omega[a], alpha: alpha[a], beta: beta[a], gamma: gamma[a],
              innovations: innovations, asset: a))
        }
        start = values
        formula = "E[sigma^2]"
      } else {
        start = (0..<n).map { a in omega[a] / (1 - persistence[a]) }
        formula = "omega / (1 - (\(condition)))"
      }
      try validatePerAsset(
        start, model: model,
        parameter: .initialVariance.named(
          "unconditional variance \(formula)", key: "initial_variance.unconditional"),
        assets: n,
        expected: ParameterLimits.describe(variances, "a per-step variance")
          + "; give initial_variance or smaller omega"
      ) { variances.contains($0) }
      self.initialVariance = start
    case .given(let v):
      try validatePerAsset(v, model: model, parameter: .initialVariance, assets: n)
      self.initialVariance = v
    }
    self.initialVarianceRule = initialVariance
    self.type = type
    self.initialPrices = initialPrices
    self.mean = mean
    self.omega = omega
    self.alpha = alpha
    self.beta = beta
    self.gamma = gamma
    self.innovations = innovations
    self.correlation = correlation ?? .identity(n)
    self.measure = measure
    self.expectedAbsoluteInnovation = Self.expectedAbsolute(innovations)
  }

  /// `E|z|` for a standard normal, `√(2/π)`, or a unit-variance Student-t,
  /// `2 √(ν−2) Γ((ν+1)/2) / (√π (ν−1) Γ(ν/2))`.
  public static func expectedAbsolute(_ innovations: Innovations) -> Double {
    switch innovations {
    case .normal: return (2 / Double.pi).squareRoot()
    case .studentT(let nu):
      return 2 * (nu - 2).squareRoot()
        * PortableMath.exp(PortableMath.logGamma((nu + 1) / 2) - PortableMath.logGamma(nu / 2))
        / (Double.pi.squareRoot() * (nu - 1))
    }
  }

  /// The unconditional variance `E[σ²]` of a stationary EGARCH(1,1) (`|β| < 1`), per step.
  ///
  /// The stationary solution is `log σ²_t = ω/(1 − β) + Σ_{i≥0} β^i g(z_{t−1−i})` with
  /// `g(z) = α (|z| − E|z|) + γ z` and `z` independent, so (Nelson 1991, theorem 2.1)
  ///
  ///     E[σ²] = exp(ω / (1 − β)) · Π_{i≥0} E[exp(β^i g(z))]
  ///
  /// For a standard normal `z`, with `a = β^i α`, `c = β^i γ`,
  /// `E[exp(a|z| + c z)] = e^{(a+c)²/2} Φ(a+c) + e^{(a−c)²/2} Φ(a−c)`, and each factor is that
  /// times `exp(−a E|z|)`. The logarithms of the factors are summed until `|β|^i (|α| + |γ|)`
  /// falls below 1e-6; the rest of the series is added in closed form from the second-order
  /// term `½ β^{2i} Var g(z)`, `Var g = α² (1 − 2/π) + γ²` (relative error below 1e-12). For
  /// a unit-variance Student-t `z`, `E[exp(a|z| + c z)]` is infinite as soon as `a + |c| > 0`,
  /// so `E[σ²]` is infinite unless `α = γ = 0` (then `exp(ω / (1 − β))`); the finite case with
  /// `α ≤ −|γ| < 0` is not computed.
  ///
  /// Reference: Nelson, "Conditional heteroskedasticity in asset returns: a new approach",
  /// Econometrica 59, 1991, theorem 2.1 and appendix 1.
  ///
  /// - Throws: `ProcessError.initialVariance` where `E[σ²]` is infinite, not computed, or
  ///   outside the range of a `Double`.
  public static func egarchUnconditionalVariance(
    omega: Double, alpha: Double, beta: Double, gamma: Double, innovations: Innovations,
    asset: Int = 0
  ) throws(ProcessError) -> Double {
    let geometric = omega / (1 - beta)
    func failure(_ why: String) -> ProcessError {
      .initialVariance(
        model: "egarch", asset: asset,
        reason: why + "; give initial_variance as a number, or unconditional_geometric_mean for "
          + "exp(ω / (1 − β)) = exp(E[log σ²])")
    }
    var logProduct = 0.0
    switch innovations {
    case .studentT:
      if alpha == 0 && gamma == 0 { break }
      if alpha + abs(gamma) > 0 {
        throw failure(
          "unconditional: E[σ²] is infinite with Student-t innovations, since E[exp(α|z| + γz)] "
            + "is infinite for a t law when alpha + |gamma| > 0 (here \(alpha + abs(gamma)))")
      }
      throw failure(
        "unconditional: E[σ²] with Student-t innovations and alpha ≤ −|gamma| is finite but not "
          + "computed")
    case .normal:
      let meanAbsolute = (2 / Double.pi).squareRoot()
      let secondOrder = alpha * alpha * (1 - 2 / Double.pi) + gamma * gamma
      let size = abs(alpha) + abs(gamma)
      var power = 1.0  // β^i
      var i = 0
      while abs(power) * size >= 1e-6 {
        let a = power * alpha
        let c = power * gamma
        let moment = Self.normalExponentialMoment(a + c) + Self.normalExponentialMoment(a - c)
        logProduct += PortableMath.log(moment) - a * meanAbsolute
        power *= beta
        i += 1
        if i > 50_000_000 {
          throw failure("unconditional: beta is \(beta), too close to 1 to sum E[σ²]")
        }
      }
      // Σ_{j ≥ i} ½ β^{2j} Var g = ½ β^{2i} Var g / (1 − β²).
      logProduct += 0.5 * power * power * secondOrder / (1 - beta * beta)
    }
    let variance = PortableMath.exp(geometric + logProduct)
    guard variance.isFinite && variance > 0 else {
      throw failure(
        "unconditional: E[σ²] = exp(\(geometric + logProduct)) is outside the range of a Double")
    }
    return variance
  }

  /// `eʸ` for the EGARCH recursion: the branch-free kernel of `Exponential` (no division, the
  /// same bits on every CPU) for `|y| ≤ 708`, `PortableMath.exp` beyond.
  @inline(__always)
  static func exponential(_ y: Double) -> Double {
    Exponential.magnitudeBits(y) <= Exponential.largestFastBits
      ? Exponential.fast(y) : PortableMath.exp(y)
  }

  /// `E[e^{u z}; z > 0] = e^{u²/2} Φ(u)` for a standard normal `z`.
  static func normalExponentialMoment(_ u: Double) -> Double {
    PortableMath.exp(0.5 * u * u) * 0.5 * PortableMath.erfc(-u / 2.0.squareRoot())
  }

  public struct Workspace {
    var shocks: [Double]
    var variance: [Double]
    /// EGARCH: `log σ²` of each asset, carried from step to step (the exponent of the last
    /// update, or the logarithm of a given variance), so that a step takes one `exp` and no
    /// `log`.
    var logVariance: [Double]
    /// The correlation factor of each step, used when a correlation stress acts.
    var factorByStep: [UInt16]
  }

  public func makeWorkspace(context: SimulationContext) -> Workspace {
    Workspace(
      // Room for the shocks of a group of one-asset paths (`simulateLanes`).
      shocks: Array(repeating: 0, count: context.grid.steps * max(assetCount, pathGroupWidth)),
      variance: Array(repeating: 0, count: assetCount),
      logVariance: Array(repeating: 0, count: assetCount),
      factorByStep: Array(repeating: 0, count: context.grid.steps))
  }

  public func simulate(
    path: Int, context: SimulationContext, workspace w: inout Workspace, output: PathOutput
  ) {
    simulate(path: path, context: context, workspace: &w, output: output, completingPrices: true)
  }

  public func simulate(
    group paths: Range<Int>, context: SimulationContext, workspace w: inout Workspace,
    output: BlockOutput
  ) {
    if assetCount == 1 && paths.count == pathGroupWidth && type != .egarch
      && Self.isUnstressed(context.schedule)
    {
      simulateLanes(paths, context: context, workspace: &w, output: output)
      return
    }
    simulatePathGroup(
      paths, output: output, initialPrices: initialPrices, steps: context.grid.steps
    ) { path, pathOutput in
      simulate(
        path: path, context: context, workspace: &w, output: pathOutput, completingPrices: false)
    }
  }

  /// Whether `schedule` leaves the recursion alone: no variance, volatility, drift or return
  /// stress (a correlation stress only changes the shocks).
  static func isUnstressed(_ schedule: StressSchedule) -> Bool {
    schedule.variance == nil && schedule.volatilityMultiplier == nil
      && schedule.driftOverride == nil && schedule.historicalReturn == nil
      && schedule.shockReturn == nil
  }

  /// Fills `steps · n` shocks of `path` at element `offset` of the workspace's shocks.
  func fillShocks(
    path: Int, context: SimulationContext, workspace w: inout Workspace, at offset: Int = 0
  ) {
    let steps = context.grid.steps
    let schedule = context.schedule
    // A correlation stress picks blend b of the one model correlation: factor b · K + 0.
    if let blend = schedule.correlationBlend {
      for t in 0..<steps {
        w.factorByStep[t] = UInt16(Int(blend[t]) * context.modelCorrelationCount)
      }
    }
    w.shocks.withUnsafeMutableBufferPointer { shocks in
      w.factorByStep.withUnsafeBufferPointer { factors in
        context.shocks.fill(
          path: path, steps: steps, into: shocks.baseAddress! + offset,
          factorByStep: schedule.correlationBlend == nil ? nil : factors.baseAddress)
      }
    }
  }

  /// The risk-neutral log drift of a step per asset, `(r − q) dt`, or `nil` in the real world.
  func riskNeutralStepDrift(timeStep dt: Double) -> [Double]? {
    guard case .riskNeutral = measure else { return nil }
    return measure.drift(realWorld: mean).map { $0 * dt }
  }

  /// Four one-asset GARCH or GJR paths, unstressed, with their variance recursions side by
  /// side in the lanes of a vector: each step of a path waits on the last (two products and
  /// two sums), and four independent paths fill that wait. Every lane does exactly the
  /// operations of the one-path loop in `simulate(path:…)`, in the same order (a square root
  /// and the four basic operations, each correctly rounded), so every path keeps its bits.
  /// The square roots are one vector instruction (`scengine_square_root4`): Swift's
  /// `SIMD4<Double>.squareRoot()` is four library calls, about half of this loop's time.
  func simulateLanes(
    _ paths: Range<Int>, context: SimulationContext, workspace w: inout Workspace,
    output: BlockOutput
  ) {
    let steps = context.grid.steps
    for (lane, path) in paths.enumerated() {
      fillShocks(path: path, context: context, workspace: &w, at: lane * steps)
    }
    let (om, al, be) = (omega[0], alpha[0], beta[0])
    let ga = type == .gjr ? gamma[0] : 0
    let rate = riskNeutralStepDrift(timeStep: context.grid.timeStep)?[0]
    let m = mean[0]
    let prices = output.prices
    let stride = steps + 1
    w.shocks.withUnsafeBufferPointer { shocks in
      let z0 = shocks.baseAddress!
      let (z1, z2, z3) = (z0 + steps, z0 + 2 * steps, z0 + 3 * steps)
      var h = SIMD4<Double>(repeating: initialVariance[0])
      for t in 0..<steps {
        let z = SIMD4(z0[t], z1[t], z2[t], z3[t])
        let sd = scengine_square_root4(h)
        let mu = rate.map { SIMD4(repeating: $0) - 0.5 * sd * sd } ?? SIMD4(repeating: m)
        let r = mu + sd * z
        for lane in 0..<4 { prices[lane * stride + 1 + t] = r[lane] }
        if let variance = output.variance {
          let v = sd * sd
          for lane in 0..<4 { variance[lane * steps + t] = v[lane] }
        }
        let leverage = SIMD4<Double>(repeating: 0).replacing(with: ga, where: z .< 0)
        h = om + (al + leverage) * (h * (z * z)) + be * h
      }
    }
    if let logReturns = output.logReturns {
      for lane in 0..<4 {
        (logReturns + lane * steps).update(from: prices + lane * stride + 1, count: steps)
      }
    }
    pricesFromLogReturns(group: prices, paths: 4, initialPrices: initialPrices, steps: steps)
  }

  /// Simulates one path; with `completingPrices` false, rows 1…steps of `output.prices` are
  /// left holding the log returns, for `simulatePathGroup` to turn into prices.
  func simulate(
    path: Int, context: SimulationContext, workspace w: inout Workspace, output: PathOutput,
    completingPrices: Bool
  ) {
    let steps = context.grid.steps
    let n = assetCount
    let dt = context.grid.timeStep
    let schedule = context.schedule
    fillShocks(path: path, context: context, workspace: &w)
    let riskNeutralDrift = riskNeutralStepDrift(timeStep: dt)
    // The recursion uses ε² = σ² z² rather than (r − μ)² when the return is the model's own
    // (equal in exact arithmetic): the square root then stays off the chain of dependent
    // operations from one step's variance to the next, which bounds the speed of a path.
    let returns = output.prices + n
    if Self.isUnstressed(schedule) && type != .egarch {
      w.shocks.withUnsafeBufferPointer { shocks in
        for a in 0..<n {
          var h = initialVariance[a]
          let (om, al, be) = (omega[a], alpha[a], beta[a])
          let ga = type == .gjr ? gamma[a] : 0
          let rate = riskNeutralDrift?[a]
          let m = mean[a]
          for t in 0..<steps {
            let i = t * n + a
            let z = shocks[i]
            let sd = h.squareRoot()
            let mu = rate.map { $0 - 0.5 * sd * sd } ?? m
            returns[i] = mu + sd * z
            output.variance?[i] = sd * sd
            h = om + (al + (z < 0 ? ga : 0)) * (h * (z * z)) + be * h
          }
        }
      }
      output.logReturns?.update(from: returns, count: steps * n)
      if completingPrices {
        pricesFromLogReturns(output.prices, initialPrices: initialPrices, steps: steps, assets: n)
      }
      return
    }
    for a in 0..<n {
      w.variance[a] = initialVariance[a]
      if type == .egarch { w.logVariance[a] = PortableMath.log(initialVariance[a]) }
    }
    for t in 0..<steps {
      let row = t * n
      for a in 0..<n {
        if let v = schedule.variance?[row + a], !v.isNaN {
          w.variance[a] = v
          if type == .egarch { w.logVariance[a] = PortableMath.log(v) }
        }
        let h = w.variance[a]
        let m = schedule.volatilityMultiplier?[row + a] ?? 1
        let unscaled = h.squareRoot()
        let sd = unscaled * m
        var mu = mean[a]
        let override = schedule.driftOverride?[row + a]
        if let rn = riskNeutralDrift {
          // The override takes the place of r − q, keeping the convexity term.
          let rate = override.flatMap { $0.isNaN ? nil : $0 * dt } ?? rn[a]
          mu = rate - 0.5 * sd * sd
        } else if let d = override, !d.isNaN {
          mu = d * dt
        }
        var z = w.shocks[row + a]
        var r = mu + sd * z
        // The return the recursion sees: the model's own, without the volatility multiplier,
        // so that the multiplier scales the step's return and leaves the variance path alone.
        var news = m == 1 ? r : mu + unscaled * z
        var overridden = false
        if let hist = schedule.historicalReturn?[row + a], !hist.isNaN {
          r = hist
          news = hist
          overridden = true
        }
        if let shock = schedule.shockReturn?[row + a], shock != 0 {
          let jump = PortableMath.log1p(shock)
          r += jump
          news += jump
          overridden = true
        }
        // ε² and the sign of ε: from σ² z² and z for the model's own return (as in the
        // unstressed loop above), from the news less μ when a stress set the return.
        let eps = news - mu
        let squared = overridden ? eps * eps : h * (z * z)
        let negative = overridden ? eps < 0 : z < 0
        switch type {
        case .garch, .gjr:
          let g = type == .gjr && negative ? gamma[a] : 0
          w.variance[a] = omega[a] + (alpha[a] + g) * squared + beta[a] * h
        case .egarch:
          // The news ε/σ_t: z itself for the model's own return (a volatility multiplier
          // does not enter it), which keeps σ_t, its square root and the exponential off the
          // chain of dependent operations from step to step; ε / σ_t when a stress set the
          // return.
          if overridden, unscaled > 0 { z = eps / unscaled }
          let next =
            omega[a] + alpha[a] * (abs(z) - expectedAbsoluteInnovation) + gamma[a] * z
            + beta[a] * w.logVariance[a]
          w.logVariance[a] = next
          w.variance[a] = Self.exponential(next)
        }
        returns[row + a] = r
        output.logReturns?[row + a] = r
        output.variance?[row + a] = sd * sd
      }
    }
    if completingPrices {
      pricesFromLogReturns(output.prices, initialPrices: initialPrices, steps: steps, assets: n)
    }
  }
}

/// The parameters of the GARCH family (per-step units), as a scenario file's `garch` mapping
/// gives them.
extension ModelParameter {
  public static let garchType = ModelParameter(
    key: "type", units: "choice", shape: .choice, domain: "garch, gjr or egarch",
    defaultValue: "garch", doc: "the variance recursion")
  public static let garchMean = ModelParameter(
    key: "mean", units: "per step, decimal",
    bounds: -ParameterLimits.maximumPerStepMean...ParameterLimits.maximumPerStepMean,
    domain: "a finite per-step log return from -\(limit(ParameterLimits.maximumPerStepMean)) to "
      + limit(ParameterLimits.maximumPerStepMean),
    defaultValue: "0", doc: "per-step mean log return")
  /// GARCH and GJR's ω, a per-step variance.
  public static let omega = ModelParameter(
    key: "omega", units: "per-step variance",
    bounds: 0...ParameterLimits.perStepVariance.upperBound,
    excludesLowerBound: true,
    domain: "a finite per-step variance > 0, at most "
      + limit(ParameterLimits.perStepVariance.upperBound),
    doc: "per-step variance constant")
  public static let alpha = ModelParameter(
    key: "alpha", units: "dimensionless", bounds: 0...ParameterLimits.maximumGARCHCoefficient,
    domain: "a finite number ≥ 0, at most \(limit(ParameterLimits.maximumGARCHCoefficient))",
    doc: "ARCH coefficient")
  public static let beta = ModelParameter(
    key: "beta", units: "dimensionless", bounds: 0...ParameterLimits.maximumGARCHCoefficient,
    domain: "a finite number ≥ 0, at most \(limit(ParameterLimits.maximumGARCHCoefficient))",
    doc: "GARCH coefficient")
  /// The asymmetry γ of GJR and EGARCH (0 for GARCH).
  public static let gamma = ModelParameter(
    key: "gamma", units: "dimensionless", bounds: egarchCoefficients, domain: egarchDomain,
    defaultValue: "0", doc: "asymmetry (leverage) coefficient")
  /// GJR's constraint `α + γ ≥ 0`, reported at `gamma`.
  public static let alphaPlusGamma = gamma.named(
    "alpha + gamma", domain: "≥ 0 (so that negative shocks raise variance)")
  /// EGARCH's ω, α and β: log-variance coefficients of either sign.
  public static let egarchOmega = omega.named("omega", domain: egarchDomain)
    .bounded(egarchCoefficients)
  public static let egarchAlpha = alpha.named("alpha", domain: egarchDomain)
    .bounded(egarchCoefficients)
  public static let egarchBeta = beta.named("beta", domain: egarchDomain)
    .bounded(egarchCoefficients)
  public static let innovations = ModelParameter(
    key: "innovations", units: "choice", shape: .choice, domain: "normal or {student_t: nu}",
    defaultValue: "normal", doc: "the law of the standardized innovations")
  public static let degreesOfFreedom = ModelParameter(
    key: "innovations.student_t", label: "student_t degrees of freedom", units: "dimensionless",
    shape: .scalar, bounds: 2...ParameterLimits.maximumDegreesOfFreedom, excludesLowerBound: true,
    domain: "a finite number > 2, at most \(limit(ParameterLimits.maximumDegreesOfFreedom))",
    doc: "degrees of freedom")
  public static let initialVariance = ModelParameter(
    key: "initial_variance", units: "per-step variance", bounds: ParameterLimits.perStepVariance,
    domain: "a finite per-step variance > 0, from "
      + "\(limit(ParameterLimits.perStepVariance.lowerBound)) to "
      + limit(ParameterLimits.perStepVariance.upperBound),
    defaultValue: "unconditional", doc: "σ² of step 1, or unconditional")
  public static let allowNonstationary = ModelParameter(
    key: "allow_nonstationary", units: "flag", shape: .flag, domain: "true or false",
    defaultValue: "false", doc: "simulate a recursion that is not covariance-stationary")

  static let egarchCoefficients =
    -ParameterLimits.maximumGARCHCoefficient...ParameterLimits.maximumGARCHCoefficient
  static let egarchDomain =
    "a finite number from -\(limit(ParameterLimits.maximumGARCHCoefficient)) to "
    + limit(ParameterLimits.maximumGARCHCoefficient)

  /// The same parameter with other bounds.
  func bounded(_ bounds: ClosedRange<Double>) -> ModelParameter {
    ModelParameter(
      key: key, label: label, units: units, shape: shape, bounds: bounds, domain: domain,
      defaultValue: defaultValue, doc: doc)
  }
}
