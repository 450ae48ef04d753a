import Foundation
import Planner
import Processes

/// Maximum-likelihood fit of a `K`-regime Gaussian Markov switching model to per-step log
/// returns: the engine's `RegimeSwitchingProcess` without jumps (`model: regime`).
///
/// Model: a hidden Markov chain with `P[i][j] = P(s_{t+1} = j | s_t = i)`, the regime of the
/// first return drawn from the chain's stationary distribution (as statsmodels'
/// `MarkovRegression(y, k_regimes=K, trend="c", switching_variance=True)` does, so that the
/// log-likelihoods compare like for like), and in regime `k` jointly normal per-step returns
/// `N(m_k, Σ_k)`. The engine's annualized parameters are `volatility = sd / √dt` and
/// `drift = m / dt + volatility² / 2`, the per-step log return of regime `k` being
/// `(drift − volatility²/2) dt + volatility √dt Z`.
///
/// Estimation: EM (Hamilton 1989 filter, Kim 1994 smoother, closed-form M-step for the
/// regime laws, `MarkovSwitchingEM`) from several starts (equal-count splits of the squared
/// standardized returns and of their 21-step rolling mean, an uneven split of the rolling mean,
/// and random perturbations with a fixed seed), each to a relative change of the
/// log-likelihood below `tolerance`; the best start is then finished by Newton steps on the
/// exact log-likelihood with a numerical Hessian, whose inverse gives the standard errors of
/// the reported parameters (per-step means and deviations, correlations, transition
/// probabilities; drift and volatility by the delta method), as statsmodels does. A regime's
/// variance is floored at `varianceFloor` times the sample variance of each asset, so that no
/// regime collapses onto a few returns (an estimate held there is reported at its bound and
/// in the warnings).
///
/// Regimes are sorted by the mean of their per-asset volatilities, calmest first, and named
/// `regime0`, `regime1`, ….
///
/// Observations: at least 10 returns per free parameter,
/// `K·n + K·n(n+1)/2 + K(K−1)` for `n` assets.
///
/// References: Hamilton, Econometrica 57, 1989; Kim, Journal of Econometrics 60, 1994;
/// Hamilton, Journal of Econometrics 45, 1990 (EM).
public enum MarkovSwitchingFitter {
  public struct Options: Sendable {
    /// Random starts in addition to the three quantile-based ones; by default 3 for two
    /// regimes and 40 for more (`randomStarts(regimes:)`), whose likelihoods have more optima.
    public var randomStarts: Int?
    /// The seed of the random starts.
    public var seed: UInt64
    /// Convergence: relative change of the log-likelihood between EM iterations.
    public var tolerance: Double
    /// EM iterations per start.
    public var maximumIterations: Int
    /// A regime's variance is at least this fraction of the asset's sample variance.
    public var varianceFloor: Double

    public init(
      randomStarts: Int? = nil, seed: UInt64 = 0x5EED_2026, tolerance: Double = 1e-8,
      maximumIterations: Int = 5000, varianceFloor: Double = 0.01
    ) {
      self.randomStarts = randomStarts
      self.seed = seed
      self.tolerance = tolerance
      self.maximumIterations = maximumIterations
      self.varianceFloor = varianceFloor
    }

    /// The default number of random starts: 3 for two regimes; 40 for more, where six starts
    /// missed the best optimum on monthly market returns (3 regimes: 1876.20 against 1876.43).
    public static func randomStarts(regimes: Int) -> Int { regimes <= 2 ? 3 : 40 }
  }

  /// The number of free parameters of `regimes` regimes over `assets` assets:
  /// means, covariances, and the transition matrix's `K(K−1)` free entries.
  public static func parameterCount(regimes k: Int, assets n: Int) -> Int {
    k * n + k * n * (n + 1) / 2 + k * (k - 1)
  }

  /// The fewest returns a fit accepts: 10 per free parameter.
  public static func requiredObservations(regimes: Int, assets: Int) -> Int {
    10 * parameterCount(regimes: regimes, assets: assets)
  }

  /// Fits `regimes` regimes to `sample` (all assets jointly).
  ///
  /// - Throws: `MarkovSwitchingError` for a regime count outside 2…255, a ragged or non-finite
  ///   sample, too few returns, a constant series, or when no start converges.
  public static func fit(
    _ sample: ReturnSample, regimes k: Int, options: Options = .init()
  ) throws(MarkovSwitchingError) -> MarkovSwitchingModel {
    guard k >= 2 && k <= RegimeSwitchingProcess.maximumRegimes else { throw .regimeCount(k) }
    let data = try MarkovSwitchingData(sample)
    let n = data.assets
    let t = data.count
    let parameters = parameterCount(regimes: k, assets: n)
    let required = requiredObservations(regimes: k, assets: n)
    guard t >= required else {
      throw .tooFewObservations(observations: t, required: required, parameters: parameters)
    }
    var sampleMean = [Double](repeating: 0, count: n)
    var sampleVariance = [Double](repeating: 0, count: n)
    for a in 0..<n {
      let first = data.values[a]
      guard (0..<t).contains(where: { data.values[$0 * n + a] != first }) else {
        throw .constantSeries(asset: data.names[a])
      }
      let m = (0..<t).reduce(0.0) { $0 + data.values[$1 * n + a] } / Double(t)
      let v = (0..<t).reduce(0.0) { $0 + pow(data.values[$1 * n + a] - m, 2) } / Double(t)
      sampleMean[a] = m
      sampleVariance[a] = v
    }
    let floor = sampleVariance.map { max($0 * options.varianceFloor, 1e-300) }
    let kernel = MarkovSwitchingKernel(data: data, regimes: k)
    let em = MarkovSwitchingEM(
      kernel: kernel, floor: floor, tolerance: options.tolerance,
      maximumIterations: options.maximumIterations)
    let starts = MarkovSwitchingStarts(
      data: data, regimes: k, mean: sampleMean, variance: sampleVariance, floor: floor
    ).make(
      random: options.randomStarts ?? Options.randomStarts(regimes: k), seed: options.seed)

    var warnings: [String] = []
    var best: MarkovSwitchingEM.Outcome? = nil
    var convergedStarts = 0
    var outcomes: [Double] = []
    for (index, start) in starts.enumerated() {
      guard let outcome = em.run(from: start) else {
        warnings.append("start \(index + 1) failed (a covariance could not be factored)")
        continue
      }
      outcomes.append(outcome.logLikelihood)
      if outcome.converged {
        convergedStarts += 1
      } else {
        warnings.append(
          "start \(index + 1) did not converge in \(options.maximumIterations) EM iterations")
      }
      if best == nil || outcome.logLikelihood > best!.logLikelihood { best = outcome }
    }
    guard var chosen = best else {
      throw .notConverged("every start failed")
    }
    chosen.state = sorted(chosen.state)
    let polish = MarkovSwitchingHessian(em: em, floor: floor).finish(chosen.state)
    guard chosen.converged || polish.converged else {
      throw .notConverged(
        "no start converged in \(options.maximumIterations) EM iterations and the Newton steps did not either"
      )
    }
    warnings += polish.warnings
    var state = polish.state
    // The final filter and smoother at the reported parameters.
    guard let ll = em.logLikelihood(&state) else {
      throw .notConverged("the fitted covariances cannot be factored")
    }
    kernel.smooth(transition: state.transition)
    let heldAtFloor = (0..<k).filter { r in
      (0..<n).contains { a in state.covariance[(r * n + a) * n + a] <= floor[a] * (1 + 1e-9) }
    }
    for r in heldAtFloor {
      warnings.append(
        "regime\(r)'s variance is held at the floor (\(options.varianceFloor) × the sample variance): the regime collapses onto a few returns or onto repeated values (stale prices); consider fewer regimes"
      )
    }
    let distinct = outcomes.filter { ll - $0 > 0.01 }.count
    return MarkovSwitchingModel(
      assets: data.names, timeStep: sample.timeStep, parameters: state.parameters,
      covariance: polish.covariance, free: polish.free,
      logLikelihood: ll, observations: t, parameterCount: parameters,
      filtered: kernel.rows(kernel.filtered), smoothed: kernel.rows(kernel.smoothed),
      oneStepAhead: kernel.oneStepAhead(transition: state.transition),
      iterations: chosen.iterations, converged: chosen.converged || polish.converged,
      starts: starts.count, convergedStarts: convergedStarts,
      startsAtOtherOptima: distinct, floor: floor, warnings: warnings)
  }

  /// The state with its regimes sorted by the mean of their per-asset deviations.
  static func sorted(_ s: MarkovSwitchingState) -> MarkovSwitchingState {
    let n = s.assets
    let k = s.regimes
    let level = (0..<k).map { r in
      (0..<n).reduce(0.0) { $0 + s.covariance[(r * n + $1) * n + $1].squareRoot() }
    }
    let order = (0..<k).sorted { level[$0] < level[$1] }
    var out = s
    for (new, old) in order.enumerated() {
      for a in 0..<n {
        out.mean[new * n + a] = s.mean[old * n + a]
        for b in 0..<n {
          out.covariance[(new * n + a) * n + b] = s.covariance[(old * n + a) * n + b]
        }
      }
      for (newTo, oldTo) in order.enumerated() {
        out.transition[new * k + newTo] = s.transition[old * k + oldTo]
      }
    }
    return out
  }
}

/// The starting points of the EM algorithm.
struct MarkovSwitchingStarts {
  let data: MarkovSwitchingData
  let regimes: Int
  let mean: [Double]
  let variance: [Double]
  let floor: [Double]

  func make(random: Int, seed: UInt64) -> [MarkovSwitchingState] {
    let t = data.count
    let n = data.assets
    let k = regimes
    // The squared standardized return and its centred 21-step rolling mean.
    let score = (0..<t).map { i in
      (0..<n).reduce(0.0) { $0 + pow(data.values[i * n + $1] - mean[$1], 2) / variance[$1] }
    }
    let half = 10
    var prefix = [Double](repeating: 0, count: t + 1)
    for i in 0..<t { prefix[i + 1] = prefix[i] + score[i] }
    let rolling = (0..<t).map { i in
      let lo = max(0, i - half)
      let hi = min(t, i + half + 1)
      return (prefix[hi] - prefix[lo]) / Double(hi - lo)
    }
    let equal = [Double](repeating: 1.0 / Double(k), count: k)
    let uneven = (0..<k).map { Double(k - $0) / Double(k * (k + 1) / 2) }
    var starts = [
      split(score, proportions: equal, persistent: false),
      split(rolling, proportions: equal, persistent: true),
      split(rolling, proportions: uneven, persistent: true),
    ]
    var rng = SplitMix64(seed: seed)
    for r in 0..<random {
      var s = starts[r % 3]
      // With more than two regimes every other start is a wide one: means up to a deviation
      // away, regimes that need not persist (a regime of a few steps at a time is an optimum
      // on some series).
      let wide = k > 2 && r % 2 == 1
      for j in 0..<k {
        let factors = (0..<n).map { _ in exp((wide ? 0.6 : 0.3) * rng.normal()) }
        for a in 0..<n {
          let sd = s.covariance[(j * n + a) * n + a].squareRoot()
          s.mean[j * n + a] += (wide ? 1.0 : 0.3) * sd * rng.normal()
        }
        for a in 0..<n {
          for b in 0..<n { s.covariance[(j * n + a) * n + b] *= factors[a] * factors[b] }
        }
        for a in 0..<n {
          s.covariance[(j * n + a) * n + a] = max(s.covariance[(j * n + a) * n + a], floor[a])
        }
        let stay = wide ? 0.3 + 0.695 * rng.uniform() : 0.85 + 0.145 * rng.uniform()
        let weights = (0..<k).map { _ in 0.05 + rng.uniform() }
        let other = weights.enumerated().filter { $0.offset != j }.reduce(0.0) { $0 + $1.element }
        for l in 0..<k {
          s.transition[j * k + l] = l == j ? stay : (1 - stay) * weights[l] / other
        }
      }
      starts.append(s)
    }
    return starts
  }

  /// Regimes from the ranks of `score` in the given proportions (calmest first), their sample
  /// moments, and a transition matrix from the label counts (`persistent`) or with 0.95 on the
  /// diagonal.
  func split(_ score: [Double], proportions: [Double], persistent: Bool) -> MarkovSwitchingState {
    let t = data.count
    let n = data.assets
    let k = regimes
    let order = (0..<t).sorted { score[$0] < score[$1] }
    var label = [Int](repeating: 0, count: t)
    var cumulative = 0.0
    var next = 0
    for r in 0..<k {
      cumulative += proportions[r]
      let end = r == k - 1 ? t : min(t, Int((cumulative * Double(t)).rounded()))
      while next < end {
        label[order[next]] = r
        next += 1
      }
    }
    var s = MarkovSwitchingState(regimes: k, assets: n)
    for r in 0..<k {
      let members = (0..<t).filter { label[$0] == r }
      let w = Double(max(members.count, 1))
      for a in 0..<n {
        s.mean[r * n + a] = members.reduce(0.0) { $0 + data.values[$1 * n + a] } / w
      }
      for a in 0..<n {
        for b in 0..<n {
          s.covariance[(r * n + a) * n + b] =
            members.reduce(0.0) {
              $0 + (data.values[$1 * n + a] - s.mean[r * n + a])
                * (data.values[$1 * n + b] - s.mean[r * n + b])
            } / w
        }
        s.covariance[(r * n + a) * n + a] = max(s.covariance[(r * n + a) * n + a], floor[a])
      }
    }
    if persistent {
      var counts = [Double](repeating: 1, count: k * k)
      for i in 1..<t { counts[label[i - 1] * k + label[i]] += 1 }
      for i in 0..<k {
        let total = (0..<k).reduce(0.0) { $0 + counts[i * k + $1] }
        for j in 0..<k { s.transition[i * k + j] = counts[i * k + j] / total }
      }
    } else {
      for i in 0..<k {
        for j in 0..<k { s.transition[i * k + j] = i == j ? 0.95 : 0.05 / Double(k - 1) }
      }
    }
    return s
  }
}

/// A small deterministic generator for the random starts (Steele, Lea and Flood, "Fast
/// splittable pseudorandom number generators", OOPSLA 2014).
struct SplitMix64 {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform on (0, 1).
  mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

  /// Standard normal (Box–Muller).
  mutating func normal() -> Double {
    (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
  }
}
