import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Schwartz's one-factor model against its closed-form Gaussian laws (Schwartz 1997, model 1):
/// conditional and stationary moments of `x = ln S`, the correlation of the shocks, the
/// stresses it honours and refuses, and path-addressed reproducibility.
@Suite struct SchwartzOneFactorTests {
  /// κ = 1.5 a year, S₀ = 100 reverting to 80, σ = 30%.
  func process(
    initial: [Double] = [100], kappa: [Double] = [1.5], level: [Double] = [80],
    sigma: [Double] = [0.3], correlation: CorrelationMatrix? = nil
  ) throws -> SchwartzOneFactor {
    try SchwartzOneFactor(
      initialPrices: initial, meanReversion: kappa, longRunPrice: level, volatility: sigma,
      correlation: correlation)
  }

  /// The terminal log prices of `asset`.
  func terminalLogPrices(_ out: BlockArrays, asset: Int = 0) -> [Double] {
    out.terminalPrices(asset: asset).map { log($0) }
  }

  /// Expects the mean and variance of `xs` to match the normal law `N(mean, variance)` within
  /// 4 standard errors.
  func expectNormalMoments(_ xs: [Double], mean: Double, variance: Double, _ what: String) {
    let m = SampleMoments(xs)
    let meanTolerance = 4 * m.standardErrorOfMean
    #expect(
      abs(m.mean - mean) <= meanTolerance,
      "\(what) mean: expected \(mean), observed \(m.mean), tolerance \(meanTolerance)")
    let varianceTolerance = 4 * m.standardErrorOfVariance
    #expect(
      abs(m.variance - variance) <= varianceTolerance,
      """
      \(what) variance: expected \(variance), observed \(m.variance), \
      tolerance \(varianceTolerance)
      """)
  }

  @Test("x_T given x_0 is N(θ + (x₀ − θ)e^{−κT}, σ²(1 − e^{−2κT})/(2κ)) on a coarse grid")
  func conditionalLaw() throws {
    // 20 steps of 0.025 years: an Euler scheme would give a variance 2.7% too large (0.02395
    // for 0.02331, about twice the tolerance); the exact transition has no discretization error.
    let p = try process()
    let grid = timeGrid(steps: 20, dt: 0.025)
    let out = try simulate(p, paths: 200_000, grid: grid, seed: 1997)
    let (kappa, theta, x0, sigma, T) = (1.5, log(80.0), log(100.0), 0.3, grid.horizon)
    expectNormalMoments(
      terminalLogPrices(out), mean: theta + (x0 - theta) * exp(-kappa * T),
      variance: sigma * sigma * (1 - exp(-2 * kappa * T)) / (2 * kappa), "x_T")
  }

  @Test("after a long horizon x is N(θ, σ²/(2κ)) whatever its start")
  func stationaryLaw() throws {
    // e^{−κT} = e^{−20}: the start at 1000 is forgotten; steps of a whole year are exact too.
    let p = try process(initial: [1000], kappa: [2], level: [50], sigma: [0.4])
    let out = try simulate(p, paths: 200_000, grid: timeGrid(steps: 10, dt: 1), seed: 52)
    expectNormalMoments(
      terminalLogPrices(out), mean: log(50.0), variance: 0.4 * 0.4 / (2 * 2), "x_∞")
  }

  @Test("the shocks of two assets are correlated by the model's correlation")
  func correlatedShocks() throws {
    let rho = 0.6
    let p = try process(
      initial: [100, 1.2], kappa: [1.5, 4], level: [80, 1.1], sigma: [0.3, 0.1],
      correlation: constantCorrelation(rho, dimension: 2))
    let grid = timeGrid(steps: 10, dt: 1.0 / 52)
    let out = try simulate(p, paths: 20_000, grid: grid, seed: 11)
    // Each step's standardized innovation, recovered from the prices.
    var e: [[Double]] = [[], []]
    for a in 0..<2 {
      let theta = log(p.longRunPrice[a])
      let decay = exp(-p.meanReversion[a] * grid.timeStep)
      let sd =
        p.volatility[a]
        * SchwartzOneFactor.varianceFactor(
          meanReversion: p.meanReversion[a], timeStep: grid.timeStep
        ).squareRoot()
      for path in 0..<out.paths {
        for t in 0..<grid.steps {
          let x = log(out.price(path, t, a))
          let next = log(out.price(path, t + 1, a))
          e[a].append((next - theta - (x - theta) * decay) / sd)
        }
      }
    }
    let n = Double(e[0].count)
    let r = sampleCorrelation(e[0], e[1])
    let tolerance = 4 * (1 - rho * rho) / n.squareRoot()
    #expect(
      abs(r - rho) <= tolerance,
      "correlation: expected \(rho), observed \(r), tolerance \(tolerance)"
    )
    for a in 0..<2 {
      expectNormalMoments(e[a], mean: 0, variance: 1, "innovation of asset \(a)")
    }
  }

  @Test("a path's bits do not depend on the thread count, the block split or the paths run")
  func pathAddressed() throws {
    let p = try process(
      initial: [100, 50, 3], kappa: [1.5, 0.5, 8], level: [80, 60, 3.5], sigma: [0.3, 0.2, 0.5],
      correlation: constantCorrelation(0.3, dimension: 3))
    let grid = timeGrid(steps: 30, dt: 1.0 / 252)
    let serial = try simulate(p, paths: 600, grid: grid, seed: 5, threads: nil)
    let threaded = try simulate(p, paths: 600, grid: grid, seed: 5, threads: 2, blockSize: 7)
    expectIdentical(serial, threaded, "1 thread vs 2 threads in blocks of 7")
    let part = try simulate(p, paths: 250..<400, grid: grid, seed: 5, threads: 2, blockSize: 13)
    expectIdentical(serial.subset(250..<400), part, "paths 250..<400 run alone")
    let one = try simulate(try process(), paths: 300, grid: grid, seed: 5, threads: nil)
    let oneThreaded = try simulate(
      try process(), paths: 300, grid: grid, seed: 5, threads: 2, blockSize: 3)
    expectIdentical(one, oneThreaded, "one asset, 1 thread vs 2 threads")
  }

  @Test("the stressed loop with neutral stresses gives the plain loop's bits")
  func neutralStresses() throws {
    let grid = timeGrid(steps: 40, dt: 1.0 / 252)
    for p in [
      try process(),
      try process(
        initial: [100, 50], kappa: [1.5, 3], level: [80, 55], sigma: [0.3, 0.2],
        correlation: constantCorrelation(-0.4, dimension: 2)),
    ] {
      var schedule = StressSchedule(steps: grid.steps, assets: p.assetCount)
      schedule.volatilityMultiplier = Array(repeating: 1, count: grid.steps * p.assetCount)
      schedule.shockReturn = Array(repeating: 0, count: grid.steps * p.assetCount)
      schedule.historicalReturn = Array(repeating: .nan, count: grid.steps * p.assetCount)
      let plain = try simulate(p, paths: 200, grid: grid, seed: 3)
      let stressed = try simulate(p, paths: 200, grid: grid, seed: 3, schedule: schedule)
      expectIdentical(plain, stressed, "\(p.assetCount) asset(s)")
    }
  }

  @Test("stresses: volatility scales the step's shock, a shock reverts, a replay sets the move")
  func stresses() throws {
    let p = try process()
    let grid = timeGrid(steps: 20, dt: 1.0 / 252)
    let (theta, decay) = (log(80.0), exp(-1.5 * grid.timeStep))
    let base = try simulate(p, paths: 50, grid: grid, seed: 8)

    // Volatility ×3 in step 5 (index 4): that step's deviation from the mean move triples.
    var vol = StressSchedule(steps: grid.steps, assets: 1)
    vol.volatilityMultiplier = Array(repeating: 1, count: grid.steps)
    vol.volatilityMultiplier?[4] = 3
    let v = try simulate(p, paths: 50, grid: grid, seed: 8, schedule: vol)
    // A shock of −20% at the end of step 5: the log gap log(0.8) then decays by e^{−κ dt}.
    var shock = StressSchedule(steps: grid.steps, assets: 1)
    shock.shockReturn = Array(repeating: 0, count: grid.steps)
    shock.shockReturn?[4] = -0.2
    let s = try simulate(p, paths: 50, grid: grid, seed: 8, schedule: shock)
    // A replayed log return of 0.05 in step 5 is the step's whole move.
    var replay = StressSchedule(steps: grid.steps, assets: 1)
    replay.historicalReturn = Array(repeating: .nan, count: grid.steps)
    replay.historicalReturn?[4] = 0.05
    let r = try simulate(p, paths: 50, grid: grid, seed: 8, schedule: replay)

    var worst = (vol: 0.0, shock: 0.0, replay: 0.0)
    for path in 0..<50 {
      func innovation(_ o: BlockArrays, _ t: Int) -> Double {
        let x = log(o.price(path, t, 0))
        return log(o.price(path, t + 1, 0)) - theta - (x - theta) * decay
      }
      worst.vol = max(worst.vol, abs(innovation(v, 4) - 3 * innovation(base, 4)))
      for t in 5...grid.steps {
        let gap = log(s.price(path, t, 0)) - log(base.price(path, t, 0))
        worst.shock = max(worst.shock, abs(gap - log(0.8) * pow(decay, Double(t - 5))))
      }
      worst.replay = max(worst.replay, abs(r.logReturn(path, 4, 0) - 0.05))
    }
    #expect(worst.vol <= 1e-12, "volatility: expected 3× the innovation, off by \(worst.vol)")
    #expect(
      worst.shock <= 1e-12, "shock: expected the gap log(0.8)·e^{−κ(t−5)dt}, off by \(worst.shock)"
    )
    #expect(worst.replay <= 1e-14, "replay: expected a log return of 0.05, off by \(worst.replay)")
  }

  @Test("drift and variance stresses are refused with the model named")
  func refusedStresses() throws {
    let p = try process()
    let grid = timeGrid(steps: 5, dt: 1.0 / 252)
    var drift = StressSchedule(steps: 5, assets: 1)
    drift.driftOverride = [0.1, .nan, .nan, .nan, .nan]
    let e = #expect(throws: SimulationError.self) {
      try PathSimulator(process: p, seed: 1, grid: grid, schedule: drift)
    }
    #expect(e?.description.contains("schwartz has no drift") == true, "\(String(describing: e))")
    var variance = StressSchedule(steps: 5, assets: 1)
    variance.variance = [0.01, .nan, .nan, .nan, .nan]
    let v = #expect(throws: SimulationError.self) {
      try PathSimulator(process: p, seed: 1, grid: grid, schedule: variance)
    }
    #expect(v == .unsupportedStress("a variance stress needs a GARCH model"))
  }

  @Test("parameters are checked against their declarations; a risk-neutral measure is refused")
  func validation() throws {
    for kappa in [0.0, -1, 1001, .nan, .infinity] {
      let e = #expect(throws: ProcessError.self) { try process(kappa: [kappa]) }
      guard case .invalidParameter(_, let parameter, _, _, _)? = e else { continue }
      #expect(parameter == .meanReversion, "κ = \(kappa): blamed \(parameter)")
    }
    let level = #expect(throws: ProcessError.self) { try process(level: [1e31]) }
    if case .invalidParameter(_, let parameter, _, _, _)? = level {
      #expect(parameter == .longRunPrice)
    }
    #expect(throws: ProcessError.self) { try process(sigma: [0.3, 0.2]) }
    let rn = #expect(throws: ProcessError.self) {
      try SchwartzOneFactor(
        initialPrices: [100], meanReversion: [1], longRunPrice: [80], volatility: [0.3],
        measure: .riskNeutral(rate: 0.03, dividendYield: [0]))
    }
    #expect(rn?.description.contains("market price of risk") == true, "\(String(describing: rn))")
    // The largest κ and a tiny one are accepted, and the step variance tends to σ² dt.
    _ = try process(kappa: [1000])
    let small = SchwartzOneFactor.varianceFactor(meanReversion: 1e-300, timeStep: 0.5)
    #expect(small == 0.5, "κ → 0: expected dt = 0.5, observed \(small)")
  }
}
