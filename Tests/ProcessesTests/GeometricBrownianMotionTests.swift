import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Geometric Brownian motion")
struct GeometricBrownianMotionTests {
  static let option = EuropeanCall()

  @Test("The Black–Scholes helper gives the textbook 10.4506")
  func blackScholesValue() {
    expectWithin(Self.option.blackScholes, 10.4506, tolerance: 5e-5, "Black–Scholes call")
  }

  /// Under the risk-neutral measure: the call price within 3 SE of Black–Scholes, E[S_T] within
  /// 3 SE of S₀e^{rT}, and the terminal log-return's mean (r − σ²/2)T and variance σ²T within
  /// 3 SE.
  @Test(
    "Risk-neutral call price, forward and log-return moments",
    arguments: [(1, 1_000_000), (12, 250_000)])
  func riskNeutral(steps: Int, paths: Int) throws {
    let option = Self.option
    let (sigma, t) = (option.volatility, option.maturity)
    let gbm = try GeometricBrownianMotion(
      initialPrices: [option.spot], drift: [0.3], volatility: [sigma], measure: option.measure())
    let out = try simulate(gbm, paths: paths, grid: option.grid(steps: steps), seed: 20_261_129)
    option.expectPrice(out, option.blackScholes, "GBM, \(steps) steps")
    expectForward(out, rate: option.rate, maturity: t, "GBM, \(steps) steps")
    let logReturns = SampleMoments(out.totalLogReturns())
    expectWithinSE(
      logReturns.mean, (option.rate - 0.5 * sigma * sigma) * t,
      standardError: logReturns.standardErrorOfMean, k: 3, "mean log-return, \(steps) steps")
    expectWithinSE(
      logReturns.variance, sigma * sigma * t, standardError: logReturns.standardErrorOfVariance,
      k: 3, "log-return variance, \(steps) steps")
  }

  /// Pairs of per-step log-returns of assets `a` and `b` over all paths and steps, optionally
  /// only the steps that `keep(path, step)` accepts.
  static func returnPairs(
    _ out: BlockArrays, _ a: Int, _ b: Int, keep: (Int, Int) -> Bool = { _, _ in true }
  ) -> (x: [Double], y: [Double]) {
    var x: [Double] = []
    var y: [Double] = []
    for p in 0..<out.paths {
      for t in 0..<out.steps where keep(p, t) {
        x.append(out.logReturn(p, t, a))
        y.append(out.logReturn(p, t, b))
      }
    }
    return (x, y)
  }

  /// Expects every pairwise correlation of the log-returns in `out` to match `correlation`.
  static func expectCorrelations(
    _ out: BlockArrays, _ correlation: CorrelationMatrix, k: Double, _ what: String,
    keep: (Int, Int) -> Bool = { _, _ in true }
  ) {
    for a in 0..<out.assets {
      for b in (a + 1)..<max(out.assets, a + 1) {
        let (x, y) = returnPairs(out, a, b, keep: keep)
        expectCorrelation(
          sampleCorrelation(x, y), correlation.matrix[a, b], pairs: x.count, k: k,
          "\(what), assets \(a) and \(b)")
      }
    }
  }

  /// 3 assets use the hand-written triangular product, 12 use BLAS dtrmm. With 12 assets, 5 SE
  /// over 66 pairs keeps the family-wise false alarm rate near 4 · 10⁻⁵.
  @Test("Correlated log-returns recover the correlation", arguments: [3, 12])
  func correlation(assets n: Int) throws {
    let c = n == 3 ? Model.threeAssets : Model.decaying(n)
    let gbm = try GeometricBrownianMotion(
      initialPrices: Array(repeating: 100, count: n), drift: Array(repeating: 0.05, count: n),
      volatility: (0..<n).map { 0.1 + 0.02 * Double($0) }, correlation: c)
    let out = try simulate(
      gbm, paths: 240_000 / n, grid: timeGrid(steps: 20, dt: 1.0 / 252), seed: UInt64(n))
    Self.expectCorrelations(out, c, k: n == 3 ? 4 : 5, "GBM, \(n) assets")
  }

  @Test("Real-world per-step log-returns have mean (μ − σ²/2)dt and variance σ²dt")
  func realWorldStepMoments() throws {
    let mu = 0.4
    let sigma = 0.3
    let dt = 1.0 / 52
    let gbm = try GeometricBrownianMotion(initialPrices: [10], drift: [mu], volatility: [sigma])
    let out = try simulate(gbm, paths: 10_000, grid: timeGrid(steps: 52, dt: dt), seed: 9)
    let m = SampleMoments(out.logReturns)
    expectWithinSE(
      m.mean, (mu - 0.5 * sigma * sigma) * dt, standardError: m.standardErrorOfMean,
      "step mean log-return")
    expectWithinSE(
      m.variance, sigma * sigma * dt, standardError: m.standardErrorOfVariance,
      "step log-return variance")
  }
}
