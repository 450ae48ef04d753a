import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Merton and Kou jump-diffusions")
struct JumpDiffusionTests {
  static let option = EuropeanCall()
  static let intensity = 1.0
  static let jumpMean = -0.1
  static let jumpStdev = 0.15

  static func mertonPrice(intensity: Double = intensity, terms: Int = 80) -> Double {
    option.merton(intensity: intensity, jumpMean: jumpMean, jumpStdev: jumpStdev, terms: terms)
  }

  @Test("Merton's series reduces to Black–Scholes without jumps and has converged")
  func mertonSeries() {
    let bs = Self.option.blackScholes
    expectWithin(Self.mertonPrice(intensity: 0), bs, tolerance: 1e-12, "Merton with λ = 0")
    expectWithin(
      Self.mertonPrice(terms: 40), Self.mertonPrice(terms: 80), tolerance: 1e-12,
      "Merton series, 40 against 80 terms")
    #expect(Self.mertonPrice() > bs, "jumps add variance, so the call is dearer than Black–Scholes")
  }

  @Test("Risk-neutral Merton: call price within 3 SE of Merton's series, E[S_T] = S₀e^{rT}")
  func mertonRiskNeutral() throws {
    let option = Self.option
    let merton = try JumpDiffusion(
      initialPrices: [option.spot], drift: [0.0], volatility: [option.volatility],
      jumps: JumpSpecification(
        intensity: [Self.intensity],
        sizes: .normal(mean: [Self.jumpMean], standardDeviation: [Self.jumpStdev])),
      measure: option.measure())
    let out = try simulate(merton, paths: 1_000_000, grid: option.grid(steps: 1), seed: 1976)
    option.expectPrice(out, Self.mertonPrice(), "Merton")
    expectForward(out, rate: option.rate, maturity: option.maturity, "Merton")
  }

  @Test("Risk-neutral Kou: E[S_T] = S₀e^{(r−q)T} within 3 SE")
  func kouMartingale() throws {
    let option = Self.option
    let kou = try JumpDiffusion(
      initialPrices: [option.spot], drift: [0.0], volatility: [option.volatility],
      jumps: JumpSpecification(
        intensity: [3],
        sizes: .doubleExponential(upProbability: [0.3], upMean: [0.05], downMean: [0.08])),
      measure: option.measure(dividendYield: 0.02))
    let out = try simulate(kou, paths: 500_000, grid: option.grid(steps: 4), seed: 2002)
    expectForward(out, rate: option.rate, dividendYield: 0.02, maturity: option.maturity, "Kou")
  }

  /// A jump size law and the mean and variance of one log jump.
  struct SizeCase: Sendable, CustomTestStringConvertible {
    let name: String
    let sizes: JumpSpecification.SizeLaw
    let mean: Double
    let variance: Double
    var testDescription: String { name }

    static let all: [SizeCase] = [merton, kou]

    static let merton = SizeCase(
      name: "Merton", sizes: .normal(mean: [-0.05], standardDeviation: [0.08]), mean: -0.05,
      variance: 0.08 * 0.08)

    /// Kou: E[Y] = p u − (1 − p) d, E[Y²] = 2 p u² + 2 (1 − p) d².
    static let kou: SizeCase = {
      let (p, u, d) = (0.3, 0.05, 0.08)
      let mean = p * u - (1 - p) * d
      let secondMoment = 2 * p * u * u + 2 * (1 - p) * d * d
      return SizeCase(
        name: "Kou", sizes: .doubleExponential(upProbability: [p], upMean: [u], downMean: [d]),
        mean: mean, variance: secondMoment - mean * mean)
    }()
  }

  /// Jump counts per step are Poisson(λ dt), and the log-returns of steps with exactly one jump
  /// exceed those of steps without by one jump size: the differences of their means and
  /// variances are E[Y] and Var Y.
  @Test(
    "Jump counts are Poisson(λ dt) and one-jump steps add one jump size", arguments: SizeCase.all)
  func jumpSizeMoments(law: SizeCase) throws {
    let intensity = 10.0
    let dt = 1.0 / 50
    let process = try JumpDiffusion(
      initialPrices: [100], drift: [0.05], volatility: [0.2],
      jumps: JumpSpecification(intensity: [intensity], sizes: law.sizes))
    let out = try simulate(process, paths: 20_000, grid: timeGrid(steps: 50, dt: dt), seed: 303)

    let counts = SampleMoments(out.jumps.map(Double.init))
    let lambdaDt = intensity * dt
    expectWithinSE(
      counts.mean, lambdaDt, standardError: (lambdaDt / Double(counts.count)).squareRoot(),
      "\(law.name) mean jumps per step")
    expectWithinSE(
      counts.variance, lambdaDt, standardError: counts.standardErrorOfVariance,
      "\(law.name) variance of jumps per step")

    var none: [Double] = []
    var one: [Double] = []
    for (i, count) in out.jumps.enumerated() {
      if count == 0 {
        none.append(out.logReturns[i])
      } else if count == 1 {
        one.append(out.logReturns[i])
      }
    }
    let n = Double(out.jumps.count)
    expectWithinSE(
      Double(one.count) / n, lambdaDt * exp(-lambdaDt),
      standardError: (lambdaDt * exp(-lambdaDt) * (1 - lambdaDt * exp(-lambdaDt)) / n).squareRoot(),
      "\(law.name) share of one-jump steps")
    let zero = SampleMoments(none)
    let single = SampleMoments(one)
    expectWithinSE(
      single.mean - zero.mean, law.mean,
      standardError: (single.standardErrorOfMean * single.standardErrorOfMean
        + zero.standardErrorOfMean * zero.standardErrorOfMean).squareRoot(),
      "\(law.name) mean jump size")
    expectWithinSE(
      single.variance - zero.variance, law.variance,
      standardError: (single.standardErrorOfVariance * single.standardErrorOfVariance
        + zero.standardErrorOfVariance * zero.standardErrorOfVariance).squareRoot(),
      "\(law.name) jump size variance")
  }

  @Test("Systemic jumps hit every asset in the same steps, at rate λ dt")
  func systemicClock() throws {
    let dt = 1.0 / 12
    let process = try JumpDiffusion(
      initialPrices: [100, 100, 100], drift: [0.05, 0.05, 0.05], volatility: [0.2, 0.2, 0.2],
      jumps: JumpSpecification(
        intensity: [6, 6, 6],
        sizes: .normal(mean: [-0.1, -0.1, -0.1], standardDeviation: [0.1, 0.1, 0.1]),
        systemic: true))
    let out = try simulate(process, paths: 20_000, grid: timeGrid(steps: 12, dt: dt), seed: 404)
    var unequal = 0
    var first: [Double] = []
    for p in 0..<out.paths {
      for t in 0..<out.steps {
        let c = out.jumpCount(p, t, 0)
        if out.jumpCount(p, t, 1) != c || out.jumpCount(p, t, 2) != c { unequal += 1 }
        first.append(Double(c))
      }
    }
    #expect(unequal == 0, "systemic: expected equal counts in every step, \(unequal) steps differ")
    let m = SampleMoments(first)
    expectWithinSE(
      m.mean, 6 * dt, standardError: (6 * dt / Double(m.count)).squareRoot(),
      "systemic jumps per step")
  }

  @Test("Steps without jumps keep the diffusion's correlation (Merton, 3 assets)")
  func diffusionCorrelation() throws {
    let c = Model.threeAssets
    let process = try JumpDiffusion(
      initialPrices: [100, 100, 100], drift: [0.05, 0.02, 0.0], volatility: [0.2, 0.1, 0.3],
      jumps: JumpSpecification(
        intensity: [4, 8, 2],
        sizes: .normal(mean: [-0.1, 0.05, -0.2], standardDeviation: [0.1, 0.1, 0.2])),
      correlation: c)
    let out = try simulate(
      process, paths: 20_000, grid: timeGrid(steps: 25, dt: 1.0 / 52), seed: 505)
    GeometricBrownianMotionTests.expectCorrelations(out, c, k: 4, "Merton, steps without jumps") {
      p, t in (0..<3).allSatisfy { out.jumpCount(p, t, $0) == 0 }
    }
  }
}
