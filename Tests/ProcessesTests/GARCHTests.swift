import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("GARCH family")
struct GARCHTests {
  /// Paths are split into this many batches of whole paths; batch estimates are independent,
  /// so their spread gives the standard error of statistics of dependent series.
  static let batches = 40

  /// The residuals `ε = r − μ` of each path after `burnIn` steps, asset 0.
  static func residuals(_ out: BlockArrays, mean: Double, burnIn: Int) -> [[Double]] {
    (0..<out.paths).map { p in (burnIn..<out.steps).map { out.logReturn(p, $0, 0) - mean } }
  }

  /// Groups `paths` into `batches` consecutive batches and applies `estimate` to each.
  static func batchEstimates(_ paths: [[Double]], _ estimate: ([[Double]]) -> Double) -> [Double] {
    let size = paths.count / batches
    return (0..<batches).map { b in estimate(Array(paths[(b * size)..<((b + 1) * size)])) }
  }

  /// Autocorrelations of `x²` at lags 1 and 2 within each series of a batch, about the batch's
  /// mean of `x²`.
  static func squaredAutocorrelations(_ batch: [[Double]]) -> (Double, Double) {
    let squares = batch.map { $0.map { $0 * $0 } }
    let all = squares.flatMap { $0 }
    let mean = all.reduce(0, +) / Double(all.count)
    var c0 = 0.0
    var c1 = 0.0
    var c2 = 0.0
    for s in squares {
      for t in s.indices {
        let d = s[t] - mean
        c0 += d * d
        if t >= 1 { c1 += d * (s[t - 1] - mean) }
        if t >= 2 { c2 += d * (s[t - 2] - mean) }
      }
    }
    return (c1 / c0, c2 / c0)
  }

  /// GARCH(1,1) with α = 0.05, β = 0.90 (finite eighth moment: E[(β + αz²)⁴] ≈ 0.85 < 1).
  @Test("GARCH(1,1): unconditional variance, kurtosis and decay of squared-return autocorrelation")
  func garchLongRun() throws {
    let omega = 1e-5
    let alpha = 0.05
    let beta = 0.90
    let mean = 2e-4
    let garch = try GARCHProcess(
      type: .garch, initialPrices: [100], mean: [mean], omega: [omega], alpha: [alpha], beta: [beta]
    )
    let burnIn = 500
    let out = try simulate(
      garch, paths: 1000, grid: timeGrid(steps: burnIn + 4000, dt: 1.0 / 252), seed: 1986)
    let eps = Self.residuals(out, mean: mean, burnIn: burnIn)

    let persistence = alpha + beta
    let variance = batchMean(
      Self.batchEstimates(eps) { b in
        let all = b.flatMap { $0 }
        return all.reduce(0) { $0 + $1 * $1 } / Double(all.count)
      })
    expectWithinSE(
      variance.mean, omega / (1 - persistence), standardError: variance.standardError,
      "unconditional variance ω/(1 − α − β)")

    let kurtosis = batchMean(
      Self.batchEstimates(eps) { b in
        let all = b.flatMap { $0 }
        let m2 = all.reduce(0) { $0 + $1 * $1 } / Double(all.count)
        let m4 = all.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(all.count)
        return m4 / (m2 * m2)
      })
    let p2 = persistence * persistence
    expectWithinSE(
      kurtosis.mean, 3 * (1 - p2) / (1 - p2 - 2 * alpha * alpha),
      standardError: kurtosis.standardError, "kurtosis 3(1 − (α+β)²)/(1 − (α+β)² − 2α²)")

    // ε² is ARMA(1,1) with AR root α + β: ρ₁ = α(1 − αβ − β²)/(1 − 2αβ − β²), ρ₂ = (α + β) ρ₁.
    let acf = Self.batchEstimates(eps) { Self.squaredAutocorrelations($0).0 }
    let acf2 = Self.batchEstimates(eps) { Self.squaredAutocorrelations($0).1 }
    let rho1 = batchMean(acf)
    let rho2 = batchMean(acf2)
    expectWithinSE(
      rho1.mean, alpha * (1 - alpha * beta - beta * beta) / (1 - 2 * alpha * beta - beta * beta),
      standardError: rho1.standardError, "lag-1 autocorrelation of ε²")
    #expect(
      rho1.mean > 4 * rho1.standardError,
      "lag-1 autocorrelation of ε²: expected > 0, observed \(rho1.mean), SE \(rho1.standardError)")
    // The ratio ρ₂/ρ₁, with the SE of ρ₂ − (α+β)ρ₁ over batches carried to the ratio.
    let gap = batchMean(zip(acf, acf2).map { $1 - persistence * $0 })
    expectWithin(
      rho2.mean / rho1.mean, persistence, tolerance: 4 * gap.standardError / rho1.mean,
      "decay ρ₂/ρ₁ = α + β (4 SE)")
  }

  @Test("Student-t innovations: the standardized residual ε/σ has unit variance")
  func studentTUnitVariance() throws {
    let nu = 6.0
    let mean = 1e-4
    let garch = try GARCHProcess(
      type: .garch, initialPrices: [100], mean: [mean], omega: [2e-6], alpha: [0.08],
      beta: [0.9], innovations: .studentT(degreesOfFreedom: nu))
    let out = try simulate(
      garch, paths: 500, grid: timeGrid(steps: 2000, dt: 1.0 / 252), seed: 1987)
    var z: [Double] = []
    z.reserveCapacity(out.logReturns.count)
    for i in out.logReturns.indices {
      z.append((out.logReturns[i] - mean) / out.variance[i].squareRoot())
    }
    // E z⁴ = 3(ν − 2)/(ν − 4) for a unit-variance t, so Var z² = E z⁴ − 1.
    let fourth = 3 * (nu - 2) / (nu - 4)
    let secondMoment = z.reduce(0) { $0 + $1 * $1 } / Double(z.count)
    expectWithinSE(
      secondMoment, 1, standardError: ((fourth - 1) / Double(z.count)).squareRoot(),
      "E[(ε/σ)²] with t(6) innovations")
  }

  /// With the variance at step k set to v and the return at step k replaced by μ ± x, the
  /// variance of step k + 1 is ω + αx² + βv after the rise and γx² more after the fall.
  @Test("GJR: a negative shock raises the next variance by exactly γε² more than a positive one")
  func gjrAsymmetry() throws {
    let (omega, alpha, gamma, beta, mean) = (2e-6, 0.03, 0.1, 0.9, 3e-4)
    let gjr = try GARCHProcess(
      type: .gjr, initialPrices: [100], mean: [mean], omega: [omega], alpha: [alpha], beta: [beta],
      gamma: [gamma])
    let grid = timeGrid(steps: 20, dt: 1.0 / 252)
    let (k, v, x) = (8, 3e-4, 0.025)
    func run(_ sign: Double) throws -> BlockArrays {
      var s = StressSchedule(steps: grid.steps, assets: 1)
      s.set(\.variance, steps: k...k, assets: [0], to: v, neutral: .nan)
      s.set(\.historicalReturn, steps: k...k, assets: [0], to: mean + sign * x, neutral: .nan)
      return try simulate(gjr, paths: 50, grid: grid, seed: 1993, schedule: s)
    }
    let up = try run(1)
    let down = try run(-1)
    for p in 0..<up.paths {
      // Step k + 1 is at index k.
      let afterRise = up.conditionalVariance(p, k, 0)
      let afterFall = down.conditionalVariance(p, k, 0)
      expectWithin(
        afterRise, omega + alpha * x * x + beta * v, tolerance: 1e-12 * afterRise,
        "path \(p): variance after a rise of \(x)")
      expectWithin(
        afterFall - afterRise, gamma * x * x, tolerance: 1e-12 * afterFall,
        "path \(p): extra variance after a fall of \(x)")
    }
  }

  /// log σ² is a stationary AR(1) with mean ω/(1 − β) because E[α(|z| − E|z|) + γz] = 0, which
  /// needs the right E|z| for the innovation law; the run starts at that mean
  /// (`unconditionalGeometricMean`, `log σ²₁ = ω/(1 − β)`).
  @Test(
    "EGARCH: the sample mean of log σ² is ω/(1 − β)",
    arguments: [GARCHProcess.Innovations.normal, .studentT(degreesOfFreedom: 5)])
  func egarchLogVariance(innovations: GARCHProcess.Innovations) throws {
    let (omega, alpha, gamma, beta) = (-0.5, 0.1, -0.05, 0.95)
    let egarch = try GARCHProcess(
      type: .egarch, initialPrices: [100], mean: [0], omega: [omega], alpha: [alpha], beta: [beta],
      gamma: [gamma], innovations: innovations, initialVariance: .unconditionalGeometricMean)
    let out = try simulate(
      egarch, paths: 1000, grid: timeGrid(steps: 2000, dt: 1.0 / 252), seed: 1991)
    let logVariance = (0..<out.paths).map { p in
      (0..<out.steps).map { log(out.conditionalVariance(p, $0, 0)) }
    }
    let m = batchMean(
      Self.batchEstimates(logVariance) { b in
        let all = b.flatMap { $0 }
        return all.reduce(0, +) / Double(all.count)
      })
    expectWithinSE(
      m.mean, omega / (1 - beta), standardError: m.standardError, "E[log σ²], \(innovations)")
  }

  @Test("CCC: standardized residuals recover the constant conditional correlation")
  func constantConditionalCorrelation() throws {
    let rho = 0.4
    let garch = try GARCHProcess(
      type: .garch, initialPrices: [100, 50], mean: [1e-4, 2e-4], omega: [2e-6, 4e-6],
      alpha: [0.05, 0.08], beta: [0.9, 0.85], correlation: constantCorrelation(rho, dimension: 2))
    let out = try simulate(
      garch, paths: 500, grid: timeGrid(steps: 1000, dt: 1.0 / 252), seed: 1990)
    var x: [Double] = []
    var y: [Double] = []
    for p in 0..<out.paths {
      for t in 0..<out.steps {
        x.append((out.logReturn(p, t, 0) - 1e-4) / out.conditionalVariance(p, t, 0).squareRoot())
        y.append((out.logReturn(p, t, 1) - 2e-4) / out.conditionalVariance(p, t, 1).squareRoot())
      }
    }
    expectCorrelation(sampleCorrelation(x, y), rho, pairs: x.count, "CCC standardized residuals")
  }

  @Test("Risk-neutral GARCH (Duan): E[S_T] = S₀e^{(r−q)T} within 3 SE")
  func riskNeutralMartingale() throws {
    let (rate, dividend) = (0.05, 0.01)
    let garch = try GARCHProcess(
      type: .gjr, initialPrices: [100], mean: [5e-4], omega: [1e-5], alpha: [0.05], beta: [0.85],
      gamma: [0.1], measure: .riskNeutral(rate: rate, dividendYield: [dividend]))
    let grid = timeGrid(steps: 21, dt: 1.0 / 252)
    let out = try simulate(garch, paths: 200_000, grid: grid, seed: 1995)
    expectForward(
      out, rate: rate, dividendYield: dividend, maturity: grid.horizon, "risk-neutral GJR")
  }
}

extension GARCHProcess.Innovations: CustomTestStringConvertible {
  public var testDescription: String {
    switch self {
    case .normal: return "normal"
    case .studentT(let nu): return "Student-t(\(nu))"
    }
  }
}
