import Foundation
import Processes

/// Per-step parameters of a `K`-regime Gaussian Markov switching model of log returns, the
/// engine's `RegimeSwitchingProcess` without jumps.
///
/// A hidden Markov chain `s_t ∈ {0, …, K−1}` with `P[i][j] = P(s_{t+1} = j | s_t = i)` picks
/// the regime of each step; in regime `k` the per-step log returns are jointly normal,
/// `r_t | s_t = k ~ N(m_k, D_k R_k D_k)`, with per-step means `m_k`, deviations `D_k = diag(d_k)`
/// and correlation `R_k`. The engine's annualized parameters give `m = (μ − σ²/2) dt` and
/// `d = σ √dt` (see `init(process:timeStep:)`).
///
/// Reference: Hamilton, "A new approach to the economic analysis of nonstationary time series
/// and the business cycle", Econometrica 57, 1989.
public struct MarkovSwitchingParameters: Sendable, Equatable {
  /// Per regime, per asset: the mean of the per-step log return.
  public var means: [[Double]]
  /// Per regime, per asset: the standard deviation of the per-step log return.
  public var deviations: [[Double]]
  /// Per regime: the correlation matrix of the assets' per-step log returns.
  public var correlations: [[[Double]]]
  /// Per-step transition probabilities, rows = from, columns = to.
  public var transition: [[Double]]

  /// - Parameter correlations: `nil` for independent assets in every regime.
  public init(
    means: [[Double]], deviations: [[Double]], correlations: [[[Double]]]? = nil,
    transition: [[Double]]
  ) {
    self.means = means
    self.deviations = deviations
    let n = means.first?.count ?? 0
    let identity = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
    self.correlations = correlations ?? Array(repeating: identity, count: means.count)
    self.transition = transition
  }

  /// The per-step parameters of the engine's process for steps of `timeStep` years:
  /// `m = (drift − volatility²/2) dt`, `d = volatility √dt`, each regime's correlation in force.
  ///
  /// - Throws: `MarkovSwitchingError.invalidParameters` when a regime has jumps (the Gaussian
  ///   likelihood does not cover them).
  public init(process: RegimeSwitchingProcess, timeStep: Double) throws(MarkovSwitchingError) {
    if let jumpy = process.regimes.first(where: { $0.jumps != nil }) {
      throw .invalidParameters(
        "regime \(jumpy.name) has jumps; the likelihood covers Gaussian regimes only")
    }
    let n = process.assetCount
    self.init(
      means: process.regimes.map { r in
        (0..<n).map { (r.drift[$0] - 0.5 * r.volatility[$0] * r.volatility[$0]) * timeStep }
      },
      deviations: process.regimes.map { r in r.volatility.map { $0 * timeStep.squareRoot() } },
      correlations: process.correlations.map { c in
        (0..<n).map { i in (0..<n).map { j in c.matrix[i, j] } }
      },
      transition: process.transition)
  }

  /// The number of regimes `K`.
  public var regimeCount: Int { means.count }
  /// The number of assets.
  public var assetCount: Int { means.first?.count ?? 0 }

  /// Regime `k`'s covariance matrix `D_k R_k D_k` of the per-step log returns.
  public func covariance(_ k: Int) -> [[Double]] {
    let d = deviations[k]
    return (0..<assetCount).map { i in
      (0..<assetCount).map { j in d[i] * correlations[k][i][j] * d[j] }
    }
  }
}

/// What the Hamilton filter and the Kim smoother give for a return series.
public struct HamiltonFilterResult: Sendable {
  /// `Σ_t log f(r_t | r_1 … r_{t−1})`.
  public var logLikelihood: Double
  /// `P(s_t = k | r_1 … r_t)`, one row per return.
  public var filtered: [[Double]]
  /// `P(s_t = k | r_1 … r_T)`, one row per return.
  public var smoothed: [[Double]]
  /// `P(s_{T+1} = k | r_1 … r_T)`: the regime distribution of the step after the last return.
  public var oneStepAhead: [Double]
}

/// The Gaussian Markov switching model's likelihood, filter and smoother.
public enum MarkovSwitching {
  /// The log-likelihood of `sample` under `parameters`, by the Hamilton (1989) filter:
  /// `Σ_t log Σ_k P(s_t = k | r_1 … r_{t−1}) φ(r_t; m_k, Σ_k)`, the regime of the first return
  /// drawn from `initial` (`nil`: the stationary distribution of the transition matrix, as
  /// statsmodels' `MarkovRegression` and the engine's default `initial: stationary`).
  public static func logLikelihood(
    _ sample: ReturnSample, parameters: MarkovSwitchingParameters, initial: [Double]? = nil
  ) throws(MarkovSwitchingError) -> Double {
    try filter(sample, parameters: parameters, initial: initial).logLikelihood
  }

  /// The log-likelihood of `sample` (steps of `sample.timeStep` years) under the engine's
  /// `process`, whose regime of step 1 is drawn from `process.initialDistribution`: the
  /// likelihood of exactly what `scengine run` simulates from it.
  public static func logLikelihood(
    _ sample: ReturnSample, process: RegimeSwitchingProcess
  ) throws(MarkovSwitchingError) -> Double {
    let parameters = try MarkovSwitchingParameters(process: process, timeStep: sample.timeStep)
    return try logLikelihood(
      sample, parameters: parameters, initial: process.initialDistribution)
  }

  /// The Hamilton filter and the Kim (1994) smoother of `sample` under `parameters`.
  ///
  /// Reference: Kim, "Dynamic linear models with Markov-switching", Journal of Econometrics 60,
  /// 1994.
  public static func filter(
    _ sample: ReturnSample, parameters: MarkovSwitchingParameters, initial: [Double]? = nil
  ) throws(MarkovSwitchingError) -> HamiltonFilterResult {
    let data = try MarkovSwitchingData(sample)
    let state = try MarkovSwitchingState(parameters, assets: data.assets)
    let kernel = MarkovSwitchingKernel(data: data, regimes: state.regimes)
    let start: [Double]
    if let initial {
      start = initial
    } else {
      start = try stationaryDistribution(parameters.transition)
    }
    guard start.count == state.regimes else {
      throw .invalidParameters(
        "initial distribution has \(start.count) entries, expected \(state.regimes)")
    }
    guard kernel.setEmissions(state) else {
      throw .invalidParameters("a regime's covariance matrix is not positive definite")
    }
    let ll = kernel.filter(transition: state.transition, initial: start)
    guard ll > -.infinity else {
      throw .invalidParameters("the returns are impossible under these parameters")
    }
    kernel.smooth(transition: state.transition)
    return HamiltonFilterResult(
      logLikelihood: ll, filtered: kernel.rows(kernel.filtered),
      smoothed: kernel.rows(kernel.smoothed),
      oneStepAhead: kernel.oneStepAhead(transition: state.transition))
  }

  /// The stationary distribution `π = π P`, `Σ π = 1`, of the transition matrix.
  public static func stationaryDistribution(_ transition: [[Double]]) throws(MarkovSwitchingError)
    -> [Double]
  {
    do {
      return try RegimeSwitchingProcess.stationaryDistribution(transition)
    } catch {
      throw .invalidParameters(error.description)
    }
  }
}

/// What a Markov switching fit or likelihood cannot work with.
public enum MarkovSwitchingError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Fewer than 2 regimes, or more than the engine simulates.
  case regimeCount(Int)
  /// No assets, or series of different lengths.
  case invalidSample(String)
  /// A return is NaN or infinite.
  case nonFinite(asset: String, index: Int)
  /// Too few returns for the number of free parameters.
  case tooFewObservations(observations: Int, required: Int, parameters: Int)
  /// A series whose returns are all equal: no regime can have a variance.
  case constantSeries(asset: String)
  /// Parameters that do not fit the sample or are not a valid model.
  case invalidParameters(String)
  /// No start of the EM algorithm converged.
  case notConverged(String)

  public var description: String {
    switch self {
    case .regimeCount(let k):
      return "\(k) regimes asked for; a Markov switching fit needs 2 to "
        + "\(RegimeSwitchingProcess.maximumRegimes) regimes (use the gbm model for one)"
    case .invalidSample(let what):
      return "invalid return sample: \(what)"
    case .nonFinite(let asset, let index):
      return "return \(index + 1) of \(asset) is not a finite number"
    case .tooFewObservations(let observations, let required, let parameters):
      return "\(observations) returns are too few for a Markov switching model with "
        + "\(parameters) free parameters; it needs at least \(required) "
        + "(10 returns per free parameter)"
    case .constantSeries(let asset):
      return "the returns of \(asset) are all equal; a regime model needs varying returns"
    case .invalidParameters(let what):
      return "invalid Markov switching parameters: \(what)"
    case .notConverged(let what):
      return "the Markov switching fit did not converge: \(what)"
    }
  }
}

/// The returns, checked, as a row-major `T × n` array.
struct MarkovSwitchingData {
  let assets: Int
  let count: Int
  let names: [String]
  /// `values[t · assets + a]`.
  let values: [Double]

  init(_ sample: ReturnSample) throws(MarkovSwitchingError) {
    guard !sample.returns.isEmpty, sample.assets.count == sample.returns.count else {
      throw .invalidSample(
        "\(sample.assets.count) asset names for \(sample.returns.count) return series")
    }
    let n = sample.returns.count
    let t = sample.count
    guard t > 0 else { throw .invalidSample("no returns") }
    var values = [Double](repeating: 0, count: t * n)
    for (a, series) in sample.returns.enumerated() {
      guard series.count == t else {
        throw .invalidSample(
          "\(sample.assets[a]) has \(series.count) returns, \(sample.assets[0]) has \(t)")
      }
      for (i, r) in series.enumerated() {
        guard r.isFinite else { throw .nonFinite(asset: sample.assets[a], index: i) }
        values[i * n + a] = r
      }
    }
    assets = n
    count = t
    names = sample.assets
    self.values = values
  }
}

/// Flat parameters: `mean[k·n + a]`, `covariance[k·n² + a·n + b]`, `transition[i·K + j]`.
struct MarkovSwitchingState {
  var regimes: Int
  var assets: Int
  var mean: [Double]
  var covariance: [Double]
  var transition: [Double]

  init(regimes: Int, assets: Int) {
    self.regimes = regimes
    self.assets = assets
    mean = [Double](repeating: 0, count: regimes * assets)
    covariance = [Double](repeating: 0, count: regimes * assets * assets)
    transition = [Double](repeating: 0, count: regimes * regimes)
  }

  init(_ p: MarkovSwitchingParameters, assets n: Int) throws(MarkovSwitchingError) {
    let k = p.regimeCount
    guard k >= 1 else { throw .invalidParameters("no regimes") }
    guard p.means.allSatisfy({ $0.count == n }), p.deviations.count == k,
      p.deviations.allSatisfy({ $0.count == n }), p.correlations.count == k,
      p.correlations.allSatisfy({ $0.count == n && $0.allSatisfy { $0.count == n } })
    else {
      throw .invalidParameters("means, deviations and correlations must be given for \(n) assets")
    }
    guard p.transition.count == k, p.transition.allSatisfy({ $0.count == k }) else {
      throw .invalidParameters("the transition matrix must be \(k) × \(k)")
    }
    for (i, row) in p.transition.enumerated() {
      guard row.allSatisfy({ $0 >= 0 && $0 <= 1 }), abs(row.reduce(0, +) - 1) <= 1e-9 else {
        throw .invalidParameters("transition row \(i) is not a probability distribution")
      }
    }
    for d in p.deviations.joined() where !(d > 0 && d.isFinite) {
      throw .invalidParameters("deviation \(d) is not positive")
    }
    self.init(regimes: k, assets: n)
    for r in 0..<k {
      for a in 0..<n {
        mean[r * n + a] = p.means[r][a]
        for b in 0..<n {
          covariance[(r * n + a) * n + b] =
            p.deviations[r][a] * p.correlations[r][a][b] * p.deviations[r][b]
        }
      }
      for j in 0..<k { transition[r * k + j] = p.transition[r][j] }
    }
  }

  /// Per-regime deviations, correlations and the transition matrix as nested arrays.
  var parameters: MarkovSwitchingParameters {
    let n = assets
    let sd = (0..<regimes).map { r in (0..<n).map { covariance[(r * n + $0) * n + $0].squareRoot() }
    }
    return MarkovSwitchingParameters(
      means: (0..<regimes).map { r in Array(mean[(r * n)..<(r * n + n)]) },
      deviations: sd,
      correlations: (0..<regimes).map { r in
        (0..<n).map { a in
          (0..<n).map { b in
            a == b ? 1 : covariance[(r * n + a) * n + b] / (sd[r][a] * sd[r][b])
          }
        }
      },
      transition: (0..<regimes).map { i in
        Array(transition[(i * regimes)..<(i * regimes + regimes)])
      })
  }
}

/// The Hamilton filter, the Kim smoother and the weighted moments of the EM algorithm over
/// buffers allocated once per fit.
final class MarkovSwitchingKernel {
  let count: Int
  let assets: Int
  let regimes: Int
  let data: UnsafeMutablePointer<Double>
  /// `log φ(r_t; m_k, Σ_k)` at `t · K + k`.
  let logDensity: UnsafeMutablePointer<Double>
  /// `P(s_t = k | r_1 … r_{t−1})` at `t · K + k`.
  let predicted: UnsafeMutablePointer<Double>
  /// `P(s_t = k | r_1 … r_t)`.
  let filtered: UnsafeMutablePointer<Double>
  /// `P(s_t = k | r_1 … r_T)`.
  let smoothed: UnsafeMutablePointer<Double>
  /// `Σ_t P(s_t = i, s_{t+1} = j | r_1 … r_T)` at `i · K + j`.
  let transitions: UnsafeMutablePointer<Double>
  /// Scratch: `K` ratios, `n × n` Cholesky factor, `n` residuals.
  let scratch: UnsafeMutablePointer<Double>

  init(data: MarkovSwitchingData, regimes: Int) {
    count = data.count
    assets = data.assets
    self.regimes = regimes
    let tk = count * regimes
    self.data = .allocate(capacity: data.values.count)
    self.data.initialize(from: data.values, count: data.values.count)
    logDensity = .allocate(capacity: tk)
    predicted = .allocate(capacity: tk)
    filtered = .allocate(capacity: tk)
    smoothed = .allocate(capacity: tk)
    transitions = .allocate(capacity: regimes * regimes)
    scratch = .allocate(capacity: regimes + assets * assets + assets)
  }

  deinit {
    for p in [data, logDensity, predicted, filtered, smoothed, transitions, scratch] {
      p.deallocate()
    }
  }

  /// Fills `logDensity` from the state's means and covariances; false when a covariance is
  /// not positive definite.
  func setEmissions(_ state: MarkovSwitchingState) -> Bool {
    let n = assets
    let k = regimes
    let chol = scratch + k
    let z = chol + n * n
    let logTwoPi = log(2 * Double.pi)
    for r in 0..<k {
      // Cholesky factor of Σ_r (lower, row-major).
      var logDet = 0.0
      for i in 0..<n {
        for j in 0...i {
          var s = state.covariance[(r * n + i) * n + j]
          for l in 0..<j { s -= chol[i * n + l] * chol[j * n + l] }
          if i == j {
            guard s > 0 && s.isFinite else { return false }
            chol[i * n + i] = s.squareRoot()
            logDet += log(s)
          } else {
            chol[i * n + j] = s / chol[j * n + j]
          }
        }
      }
      let c = -0.5 * (Double(n) * logTwoPi + logDet)
      if n == 1 {
        let m = state.mean[r]
        let inv = 1 / chol[0]
        for t in 0..<count {
          let e = (data[t] - m) * inv
          logDensity[t * k + r] = c - 0.5 * e * e
        }
        continue
      }
      for t in 0..<count {
        var q = 0.0
        for i in 0..<n {
          var s = data[t * n + i] - state.mean[r * n + i]
          for l in 0..<i { s -= chol[i * n + l] * z[l] }
          let e = s / chol[i * n + i]
          z[i] = e
          q += e * e
        }
        logDensity[t * k + r] = c - 0.5 * q
      }
    }
    return true
  }

  /// The Hamilton filter: fills `predicted` and `filtered`, returns the log-likelihood
  /// (`-∞` when a return is impossible). Each step is scaled by its largest log density.
  func filter(transition p: [Double], initial: [Double]) -> Double {
    let k = regimes
    var ll = 0.0
    for j in 0..<k { predicted[j] = initial[j] }
    return p.withUnsafeBufferPointer { p in
      for t in 0..<count {
        let ld = logDensity + t * k
        let pr = predicted + t * k
        let fl = filtered + t * k
        var m = -Double.infinity
        for j in 0..<k where pr[j] > 0 && ld[j] > m { m = ld[j] }
        var c = 0.0
        for j in 0..<k {
          let f = pr[j] > 0 ? pr[j] * exp(ld[j] - m) : 0
          fl[j] = f
          c += f
        }
        if !(c > 1e-290) {
          // The most likely density has a negligible prior weight: redo in log space.
          m = -Double.infinity
          for j in 0..<k where pr[j] > 0 { m = max(m, ld[j] + log(pr[j])) }
          guard m > -Double.infinity else { return -Double.infinity }
          c = 0
          for j in 0..<k {
            let f = pr[j] > 0 ? exp(ld[j] + log(pr[j]) - m) : 0
            fl[j] = f
            c += f
          }
        }
        ll += m + log(c)
        let inv = 1 / c
        for j in 0..<k { fl[j] *= inv }
        if t + 1 < count {
          let next = pr + k
          for j in 0..<k {
            var s = 0.0
            for i in 0..<k { s += fl[i] * p[i * k + j] }
            next[j] = s
          }
        }
      }
      return ll
    }
  }

  /// The Kim smoother after `filter`: fills `smoothed` and the expected transition counts.
  func smooth(transition p: [Double]) {
    let k = regimes
    let last = (count - 1) * k
    for j in 0..<k { smoothed[last + j] = filtered[last + j] }
    for j in 0..<(k * k) { transitions[j] = 0 }
    let ratio = scratch
    p.withUnsafeBufferPointer { p in
      var t = count - 2
      while t >= 0 {
        let next = (t + 1) * k
        for j in 0..<k {
          let pr = predicted[next + j]
          ratio[j] = pr > 0 ? smoothed[next + j] / pr : 0
        }
        for i in 0..<k {
          let f = filtered[t * k + i]
          var s = 0.0
          for j in 0..<k {
            let x = p[i * k + j] * ratio[j]
            s += x
            transitions[i * k + j] += f * x
          }
          smoothed[t * k + i] = f * s
        }
        t -= 1
      }
    }
  }

  /// `filtered_T · P`, renormalized.
  func oneStepAhead(transition p: [Double]) -> [Double] {
    let k = regimes
    let last = (count - 1) * k
    var out = (0..<k).map { j in (0..<k).reduce(0.0) { $0 + filtered[last + $1] * p[$1 * k + j] } }
    let total = out.reduce(0, +)
    out = out.map { $0 / total }
    return out
  }

  /// A `T × K` buffer as rows.
  func rows(_ buffer: UnsafeMutablePointer<Double>) -> [[Double]] {
    (0..<count).map { t in Array(UnsafeBufferPointer(start: buffer + t * regimes, count: regimes)) }
  }

  /// The smoothed-probability-weighted means and covariances (the EM M-step for the regime
  /// laws) into `state`; regimes with total weight below `minimumWeight` keep their values.
  /// Returns the regimes' total weights.
  func weightedMoments(into state: inout MarkovSwitchingState, minimumWeight: Double) -> [Double] {
    let n = assets
    let k = regimes
    var weights = [Double](repeating: 0, count: k)
    for r in 0..<k {
      var w = 0.0
      for t in 0..<count { w += smoothed[t * k + r] }
      weights[r] = w
      guard w > minimumWeight else { continue }
      let inv = 1 / w
      if n == 1 {
        var s = 0.0
        for t in 0..<count { s += smoothed[t * k + r] * data[t] }
        let m = s * inv
        var v = 0.0
        for t in 0..<count {
          let e = data[t] - m
          v += smoothed[t * k + r] * e * e
        }
        state.mean[r] = m
        state.covariance[r] = v * inv
        continue
      }
      let mean = scratch + k
      for a in 0..<n { mean[a] = 0 }
      for t in 0..<count {
        let g = smoothed[t * k + r]
        for a in 0..<n { mean[a] += g * data[t * n + a] }
      }
      for a in 0..<n { mean[a] *= inv }
      let base = r * n * n
      for a in 0..<(n * n) { state.covariance[base + a] = 0 }
      for t in 0..<count {
        let g = smoothed[t * k + r]
        for a in 0..<n {
          let ea = g * (data[t * n + a] - mean[a])
          for b in 0...a { state.covariance[base + a * n + b] += ea * (data[t * n + b] - mean[b]) }
        }
      }
      for a in 0..<n {
        state.mean[r * n + a] = mean[a]
        for b in 0...a {
          let v = state.covariance[base + a * n + b] * inv
          state.covariance[base + a * n + b] = v
          state.covariance[base + b * n + a] = v
        }
      }
    }
    return weights
  }
}
