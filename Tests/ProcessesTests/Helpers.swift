import LinearAlgebra
import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Shared helpers of the Processes tests: running a process into arrays, sample statistics with
// their standard errors, and the closed forms the Monte Carlo results are checked against.

// MARK: - Running a process

/// Simulates paths `paths` of `process` into new arrays holding prices, log-returns and every
/// latent state the process emits. `threads: nil` runs serially in one block.
func simulate<P: PriceProcess>(
  _ process: P, paths: Range<Int>, grid: TimeGrid, seed: UInt64,
  schedule: StressSchedule? = nil, threads: Int? = 2, blockSize: Int = 256
) throws -> BlockArrays {
  let simulator = try PathSimulator(process: process, seed: seed, grid: grid, schedule: schedule)
  var out = BlockArrays(
    paths: paths.count, steps: grid.steps, assets: process.assetCount, returns: true,
    latent: process.latentStates)
  out.withOutput { output in
    if let threads {
      simulator.simulate(paths: paths, into: output, threads: threads, blockSize: blockSize)
    } else {
      simulator.simulate(paths: paths, into: output)
    }
  }
  return out
}

/// Simulates paths `0..<paths`.
func simulate<P: PriceProcess>(
  _ process: P, paths: Int, grid: TimeGrid, seed: UInt64, schedule: StressSchedule? = nil,
  threads: Int? = 2, blockSize: Int = 256
) throws -> BlockArrays {
  try simulate(
    process, paths: 0..<paths, grid: grid, seed: seed, schedule: schedule, threads: threads,
    blockSize: blockSize)
}

extension BlockArrays {
  /// The price of `asset` at time index `time` (0…steps) of `path`.
  func price(_ path: Int, _ time: Int, _ asset: Int) -> Double {
    prices[(path * (steps + 1) + time) * assets + asset]
  }
  /// The log-return of `asset` in step index `step` (0…steps−1) of `path`.
  func logReturn(_ path: Int, _ step: Int, _ asset: Int) -> Double {
    logReturns[(path * steps + step) * assets + asset]
  }
  /// The conditional variance in force during step index `step`.
  func conditionalVariance(_ path: Int, _ step: Int, _ asset: Int) -> Double {
    variance[(path * steps + step) * assets + asset]
  }
  /// The number of jumps of `asset` in step index `step`.
  func jumpCount(_ path: Int, _ step: Int, _ asset: Int) -> Int {
    Int(jumps[(path * steps + step) * assets + asset])
  }
  /// The regime in force during step index `step`.
  func regime(_ path: Int, _ step: Int) -> Int { Int(regimes[path * steps + step]) }
  /// The terminal prices of `asset`, one per path.
  func terminalPrices(asset: Int = 0) -> [Double] {
    (0..<paths).map { price($0, steps, asset) }
  }
  /// The paths `range` (relative to this block) as a block of their own.
  func subset(_ range: Range<Int>) -> BlockArrays {
    var out = BlockArrays(paths: range.count, steps: steps, assets: assets)
    func rows<T>(_ a: [T], _ perPath: Int) -> [T] {
      a.isEmpty ? [] : Array(a[(range.lowerBound * perPath)..<(range.upperBound * perPath)])
    }
    out.prices = rows(prices, (steps + 1) * assets)
    out.logReturns = rows(logReturns, steps * assets)
    out.variance = rows(variance, steps * assets)
    out.jumps = rows(jumps, steps * assets)
    out.regimes = rows(regimes, steps)
    return out
  }
  /// The total log-return of `asset` over each path.
  func totalLogReturns(asset: Int = 0) -> [Double] {
    (0..<paths).map { p in log(price(p, steps, asset) / price(p, 0, asset)) }
  }
}

func timeGrid(steps: Int, dt: Double) -> TimeGrid {
  do { return try TimeGrid(steps: steps, timeStep: dt) } catch {
    preconditionFailure("test grid rejected: \(error)")
  }
}

func correlation(_ rows: [[Double]]) -> CorrelationMatrix {
  do { return try CorrelationMatrix(rows: rows) } catch {
    preconditionFailure("test correlation rejected: \(error)")
  }
}

func constantCorrelation(_ rho: Double, dimension: Int) -> CorrelationMatrix {
  do { return try CorrelationMatrix.constant(rho, dimension: dimension) } catch {
    preconditionFailure("test correlation rejected: \(error)")
  }
}

// MARK: - Checks that print what they compare

/// Expects `|observed − expected| ≤ tolerance`, printing all three.
func expectWithin(
  _ observed: Double, _ expected: Double, tolerance: Double, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    abs(observed - expected) <= tolerance,
    "\(what): expected \(expected), observed \(observed), tolerance \(tolerance)",
    sourceLocation: sourceLocation)
}

/// Expects a statistic within `k` standard errors of its expected value.
func expectWithinSE(
  _ observed: Double, _ expected: Double, standardError: Double, k: Double = 4, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  expectWithin(
    observed, expected, tolerance: k * standardError, "\(what) (\(k) SE, SE \(standardError))",
    sourceLocation: sourceLocation)
}

/// The largest `|a − b| / max(|a|, |b|, floor)` over two arrays of the same length.
func maximumRelativeDifference(_ a: [Double], _ b: [Double], floor: Double = 0) -> Double {
  precondition(a.count == b.count, "arrays differ in length: \(a.count) and \(b.count)")
  var worst = 0.0
  for (x, y) in zip(a, b) where x != y {
    let scale = max(abs(x), abs(y), floor)
    worst = max(worst, scale > 0 ? abs(x - y) / scale : .infinity)
  }
  return worst
}

/// Expects two arrays to agree to `relative` (relative to each entry, or to `floor` for entries
/// near zero).
func expectAgree(
  _ engine: [Double], _ reference: [Double], relative: Double = 1e-12, floor: Double = 0,
  _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  guard engine.count == reference.count else {
    Issue.record(
      "\(what): engine has \(engine.count) values, reference \(reference.count)",
      sourceLocation: sourceLocation)
    return
  }
  let worst = maximumRelativeDifference(engine, reference, floor: floor)
  #expect(
    worst <= relative,
    """
    \(what): expected the reference values, observed a relative difference \(worst), \
    tolerance \(relative)
    """,
    sourceLocation: sourceLocation)
}

/// The positions at which two arrays differ bit for bit.
func differingIndices<T: Equatable>(_ a: [T], _ b: [T]) -> [Int] {
  precondition(a.count == b.count, "arrays differ in length: \(a.count) and \(b.count)")
  return a.indices.filter { a[$0] != b[$0] }
}

/// Expects two outputs to be bit-identical, array by array.
func expectIdentical(
  _ a: BlockArrays, _ b: BlockArrays, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  func check<T: Equatable>(_ x: [T], _ y: [T], _ name: String) {
    let differing = differingIndices(x, y)
    #expect(
      differing.isEmpty,
      """
      \(what): \(name) differ at \(differing.count) of \(x.count) entries, \
      first at \(differing.first ?? -1)
      """,
      sourceLocation: sourceLocation)
  }
  check(a.prices.map(\.bitPattern), b.prices.map(\.bitPattern), "prices")
  check(a.logReturns.map(\.bitPattern), b.logReturns.map(\.bitPattern), "log-returns")
  check(a.variance.map(\.bitPattern), b.variance.map(\.bitPattern), "variances")
  check(a.jumps, b.jumps, "jump counts")
  check(a.regimes, b.regimes, "regimes")
}

// MARK: - Sample statistics

/// Sample moments of a list of numbers, with the standard errors of the mean and the variance.
struct SampleMoments {
  let count: Int
  let mean: Double
  /// The unbiased sample variance.
  let variance: Double
  /// The fourth central moment.
  let fourthMoment: Double

  init(_ xs: [Double]) {
    precondition(xs.count > 3, "too few values for moments")
    let n = Double(xs.count)
    let mean = xs.reduce(0, +) / n
    var m2 = 0.0
    var m4 = 0.0
    for x in xs {
      let d = (x - mean) * (x - mean)
      m2 += d
      m4 += d * d
    }
    self.count = xs.count
    self.mean = mean
    self.variance = m2 / (n - 1)
    self.fourthMoment = m4 / n
  }

  var standardDeviation: Double { variance.squareRoot() }
  /// `s / √n`.
  var standardErrorOfMean: Double { (variance / Double(count)).squareRoot() }
  /// `√((m₄ − s⁴) / n)`, the large-sample standard error of the sample variance.
  var standardErrorOfVariance: Double {
    ((fourthMoment - variance * variance) / Double(count)).squareRoot()
  }
  /// `m₄ / s⁴`.
  var kurtosis: Double { fourthMoment / (variance * variance) }
}

/// The mean of independent batch estimates and its standard error, `sd / √B`.
func batchMean(_ estimates: [Double]) -> (mean: Double, standardError: Double) {
  let m = SampleMoments(estimates)
  return (m.mean, m.standardErrorOfMean)
}

/// The sample (Pearson) correlation of two equally long lists.
func sampleCorrelation(_ x: [Double], _ y: [Double]) -> Double {
  precondition(x.count == y.count && x.count > 1, "need two equally long lists")
  let n = Double(x.count)
  let mx = x.reduce(0, +) / n
  let my = y.reduce(0, +) / n
  var sxy = 0.0
  var sxx = 0.0
  var syy = 0.0
  for (a, b) in zip(x, y) {
    sxy += (a - mx) * (b - my)
    sxx += (a - mx) * (a - mx)
    syy += (b - my) * (b - my)
  }
  return sxy / (sxx * syy).squareRoot()
}

/// Expects a sample correlation of `n` bivariate normal pairs to match `expected` on Fisher's
/// z scale, where `atanh(r)` has standard error `1/√(n − 3)`.
func expectCorrelation(
  _ observed: Double, _ expected: Double, pairs n: Int, k: Double = 4, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let se = 1 / Double(n - 3).squareRoot()
  let message =
    "\(what): expected correlation \(expected), observed \(observed) over \(n) pairs; Fisher z "
    + "expected \(atanh(expected)), observed \(atanh(observed)), tolerance \(k * se) (\(k) SE)"
  #expect(
    abs(atanh(observed) - atanh(expected)) <= k * se, Comment(rawValue: message),
    sourceLocation: sourceLocation)
}

// MARK: - Closed forms

/// The standard normal CDF, `Φ(x) = erfc(−x/√2) / 2`.
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// Black–Scholes price of a European call (no dividends).
func blackScholesCall(
  spot s: Double, strike k: Double, maturity t: Double, rate r: Double, volatility sigma: Double
) -> Double {
  let sd = sigma * t.squareRoot()
  let d1 = (log(s / k) + (r + 0.5 * sigma * sigma) * t) / sd
  let d2 = d1 - sd
  return s * normalCDF(d1) - k * exp(-r * t) * normalCDF(d2)
}

/// Merton's (1976) price of a European call under normal log jumps: a Poisson mixture of
/// Black–Scholes prices,
///
///     C = Σₙ e^{−λ'T} (λ'T)ⁿ / n! · BS(S, K, T, rₙ, σₙ),   λ' = λ(1 + κ),
///     σₙ² = σ² + n σJ² / T,   rₙ = r − λκ + n (μJ + σJ²/2) / T,   κ = e^{μJ + σJ²/2} − 1.
func mertonCall(
  spot s: Double, strike k: Double, maturity t: Double, rate r: Double, volatility sigma: Double,
  intensity lambda: Double, jumpMean muJ: Double, jumpStdev sigmaJ: Double, terms: Int = 80
) -> Double {
  let kappa = exp(muJ + 0.5 * sigmaJ * sigmaJ) - 1
  let lambdaPrime = lambda * (1 + kappa)
  var price = 0.0
  var weight = exp(-lambdaPrime * t)  // the Poisson(λ'T) probability of n jumps
  for n in 0..<terms {
    let m = Double(n)
    if n > 0 { weight *= lambdaPrime * t / m }
    let sigmaN = (sigma * sigma + m * sigmaJ * sigmaJ / t).squareRoot()
    let rN = r - lambda * kappa + m * (muJ + 0.5 * sigmaJ * sigmaJ) / t
    price +=
      weight * blackScholesCall(spot: s, strike: k, maturity: t, rate: rN, volatility: sigmaN)
  }
  return price
}

// MARK: - Risk-neutral checks

/// The European call of the pricing checks, on a non-dividend asset: at the money, one year.
struct EuropeanCall {
  var spot = 100.0
  var strike = 100.0
  var maturity = 1.0
  var rate = 0.05
  /// The diffusion volatility σ.
  var volatility = 0.2

  /// Black–Scholes.
  var blackScholes: Double {
    blackScholesCall(
      spot: spot, strike: strike, maturity: maturity, rate: rate, volatility: volatility)
  }

  /// Merton (1976) with normal log jumps at `intensity` per year.
  func merton(intensity: Double, jumpMean: Double, jumpStdev: Double, terms: Int = 80) -> Double {
    mertonCall(
      spot: spot, strike: strike, maturity: maturity, rate: rate, volatility: volatility,
      intensity: intensity, jumpMean: jumpMean, jumpStdev: jumpStdev, terms: terms)
  }

  /// The risk-neutral measure of the option, with dividend yield `q` on every asset.
  func measure(dividendYield q: Double = 0, assets: Int = 1) -> Measure {
    .riskNeutral(rate: rate, dividendYield: Array(repeating: q, count: assets))
  }

  /// A grid of `steps` equal steps up to maturity.
  func grid(steps: Int) -> TimeGrid { timeGrid(steps: steps, dt: maturity / Double(steps)) }

  /// Expects the mean discounted payoff `e^{−rT} (S_T − K)⁺` of asset 0 within 3 SE of `exact`.
  func expectPrice(
    _ out: BlockArrays, _ exact: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let discount = exp(-rate * maturity)
    let payoffs = SampleMoments(out.terminalPrices().map { discount * max($0 - strike, 0) })
    expectWithinSE(
      payoffs.mean, exact, standardError: payoffs.standardErrorOfMean, k: 3, "\(what) call price",
      sourceLocation: sourceLocation)
  }
}

/// Expects the mean terminal price of asset 0 within 3 SE of the forward `S₀ e^{(r − q)T}`:
/// discounted prices are martingales under the risk-neutral measure.
func expectForward(
  _ out: BlockArrays, rate: Double, dividendYield q: Double = 0, maturity: Double, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let prices = SampleMoments(out.terminalPrices())
  expectWithinSE(
    prices.mean, out.price(0, 0, 0) * exp((rate - q) * maturity),
    standardError: prices.standardErrorOfMean, k: 3, "\(what) E[S_T]",
    sourceLocation: sourceLocation)
}
