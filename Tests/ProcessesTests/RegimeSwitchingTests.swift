import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Markov regime switching")
struct RegimeSwitchingTests {
  static let transition = [[0.98, 0.02], [0.05, 0.95]]
  static let dt = 1.0 / 252
  static let regimes: [RegimeSwitchingProcess.Regime] = [
    .init(
      name: "calm", drift: [0.08, 0.03], volatility: [0.12, 0.2],
      correlation: constantCorrelation(0.2, dimension: 2)),
    .init(
      name: "crisis", drift: [-0.3, 0.1], volatility: [0.45, 0.5],
      correlation: constantCorrelation(0.8, dimension: 2)),
  ]

  /// 2000 paths × 500 daily steps of a two-regime, two-asset model started from the
  /// stationary distribution; shared by the statistical tests.
  static let run: BlockArrays = {
    do {
      let process = try RegimeSwitchingProcess(
        initialPrices: [100, 100], regimes: regimes, transition: transition)
      return try simulate(process, paths: 2000, grid: timeGrid(steps: 500, dt: dt), seed: 1989)
    } catch {
      preconditionFailure("regime test run failed: \(error)")
    }
  }()

  @Test("The stationary distribution solves π = πP")
  func stationaryDistribution() throws {
    let two = try RegimeSwitchingProcess.stationaryDistribution(Self.transition)
    // Two states: π = (q, p)/(p + q) for exits p = P[0][1], q = P[1][0].
    expectWithin(two[0], 0.05 / 0.07, tolerance: 1e-12, "π₀")
    expectWithin(two[1], 0.02 / 0.07, tolerance: 1e-12, "π₁")
    let p = [[0.9, 0.08, 0.02], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]]
    let pi = try RegimeSwitchingProcess.stationaryDistribution(p)
    expectWithin(pi.reduce(0, +), 1, tolerance: 1e-12, "Σπ")
    for j in 0..<3 {
      let piP = (0..<3).reduce(0.0) { $0 + pi[$1] * p[$1][j] }
      expectWithin(piP, pi[j], tolerance: 1e-12, "(πP)[\(j)]")
    }
    let process = try RegimeSwitchingProcess(
      initialPrices: [1], regimes: [Self.regime("a"), Self.regime("b"), Self.regime("c")],
      transition: p)
    #expect(process.initialDistribution == pi, "the default initial distribution is π")
  }

  static func regime(_ name: String) -> RegimeSwitchingProcess.Regime {
    .init(name: name, drift: [0.05], volatility: [0.2])
  }

  @Test("A reducible chain has no unique stationary distribution, and says so")
  func reducibleChain() {
    let error = #expect(throws: ProcessError.self) {
      try RegimeSwitchingProcess.stationaryDistribution([[1, 0], [0, 1]])
    }
    #expect(
      error?.description.contains("reducible") == true, "observed: \(String(describing: error))")
    // An explicit initial distribution makes the chain usable.
    #expect(throws: Never.self) {
      try RegimeSwitchingProcess(
        initialPrices: [1], regimes: [Self.regime("a"), Self.regime("b")],
        transition: [[1, 0], [0, 1]], initialDistribution: [0.5, 0.5])
    }
  }

  @Test("Occupation frequencies match the stationary distribution")
  func occupation() throws {
    let out = Self.run
    let pi = try RegimeSwitchingProcess.stationaryDistribution(Self.transition)
    // Paths are independent and start stationary: each path's share is unbiased for π₀.
    let shares = (0..<out.paths).map { p in
      Double((0..<out.steps).count { out.regime(p, $0) == 0 }) / Double(out.steps)
    }
    let m = SampleMoments(shares)
    expectWithinSE(m.mean, pi[0], standardError: m.standardErrorOfMean, "share of steps in calm")
  }

  /// The mean duration of regime i, estimated as (steps in i that have a successor) / (exits
  /// from i), the maximum-likelihood estimate under censoring by the end of the path.
  @Test("Mean regime durations match 1/(1 − P[i][i])")
  func durations() {
    let out = Self.run
    let batches = 40
    let size = out.paths / batches
    for i in 0..<2 {
      let estimates = (0..<batches).map { b -> Double in
        var atRisk = 0
        var exits = 0
        for p in (b * size)..<((b + 1) * size) {
          for t in 0..<(out.steps - 1) where out.regime(p, t) == i {
            atRisk += 1
            if out.regime(p, t + 1) != i { exits += 1 }
          }
        }
        return Double(atRisk) / Double(exits)
      }
      let m = batchMean(estimates)
      expectWithinSE(
        m.mean, 1 / (1 - Self.transition[i][i]), standardError: m.standardError,
        "mean duration of regime \(i) in steps")
    }
  }

  @Test("Each regime's volatility, drift and correlation are recovered from its steps")
  func perRegimeDynamics() {
    let out = Self.run
    for (s, regime) in Self.regimes.enumerated() {
      var returns: [[Double]] = [[], []]
      for p in 0..<out.paths {
        for t in 0..<out.steps where out.regime(p, t) == s {
          for a in 0..<2 { returns[a].append(out.logReturn(p, t, a)) }
        }
      }
      for a in 0..<2 {
        let m = SampleMoments(returns[a])
        let sigma = regime.volatility[a]
        expectWithinSE(
          m.variance, sigma * sigma * Self.dt, standardError: m.standardErrorOfVariance,
          "\(regime.name) asset \(a): variance of step log-returns σ²dt")
        expectWithinSE(
          m.mean, (regime.drift[a] - 0.5 * sigma * sigma) * Self.dt,
          standardError: m.standardErrorOfMean, "\(regime.name) asset \(a): mean (μ − σ²/2)dt")
      }
      expectCorrelation(
        sampleCorrelation(returns[0], returns[1]), regime.correlation!.matrix[0, 1],
        pairs: returns[0].count, "\(regime.name) correlation")
    }
  }

  @Test("The regime of step 1 follows a given initial distribution")
  func initialDistribution() throws {
    let process = try RegimeSwitchingProcess(
      initialPrices: [100, 100], regimes: Self.regimes, transition: Self.transition,
      initialDistribution: [0.3, 0.7])
    let paths = 40_000
    let out = try simulate(process, paths: paths, grid: timeGrid(steps: 1, dt: Self.dt), seed: 31)
    let share = Double(out.regimes.count { $0 == 1 }) / Double(paths)
    expectWithinSE(
      share, 0.7, standardError: (0.7 * 0.3 / Double(paths)).squareRoot(),
      "share of paths starting in crisis")
  }

  @Test("Jumps act only in the regime that has them")
  func jumpsPerRegime() throws {
    let process = Model.regimeJumps.process
    let grid = timeGrid(steps: 100, dt: 1.0 / 52)
    let out = try simulate(process, paths: 2000, grid: grid, seed: 32)
    var calmJumps = 0
    var crisisCounts: [Double] = []
    for p in 0..<out.paths {
      for t in 0..<out.steps {
        if out.regime(p, t) == 0 {
          calmJumps += out.jumpCount(p, t, 0) + out.jumpCount(p, t, 1)
        } else {
          crisisCounts.append(Double(out.jumpCount(p, t, 0)))
        }
      }
    }
    #expect(calmJumps == 0, "calm regime: expected no jumps, observed \(calmJumps)")
    let m = SampleMoments(crisisCounts)
    let lambdaDt = 15 * grid.timeStep
    expectWithinSE(
      m.mean, lambdaDt, standardError: (lambdaDt / Double(m.count)).squareRoot(),
      "crisis jumps per step")
  }
}
