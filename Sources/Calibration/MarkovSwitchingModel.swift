import Foundation
import Planner

/// A fitted Gaussian Markov switching model (`model: regime`), regimes sorted calmest first
/// by the mean of their per-asset volatilities and named `regime0`, `regime1`, ….
///
/// Fits: one `AssetFit` per asset with that asset's `regime<k>.drift` and
/// `regime<k>.volatility` (annualized, the scenario file's units). The parameters the assets
/// share — `transition[i][j]` and, for several assets, `regime<k>.correlation[a][b]` — and the
/// the joint log-likelihood are stated once, in the first asset's fit. With several assets
/// every asset's fit gives the log-likelihood as NaN (null in fit.json: the model has no
/// per-asset likelihood); `logLikelihood` is the joint one.
public struct MarkovSwitchingModel: CalibratedModel {
  public let assets: [String]
  /// The length of a step in years.
  public let timeStep: Double
  /// The per-step parameters.
  public let parameters: MarkovSwitchingParameters
  public let logLikelihood: Double
  public let observations: Int
  public let parameterCount: Int
  /// `P(s_t = k | r_1 … r_t)` per return.
  public let filtered: [[Double]]
  /// `P(s_t = k | r_1 … r_T)` per return.
  public let smoothed: [[Double]]
  /// The regime distribution of the step after the last return, `filtered_T · P`: the fitted
  /// scenario's `initial`.
  public let oneStepAhead: [Double]
  /// EM iterations of the best start.
  public let iterations: Int
  public let converged: Bool
  /// The number of starts, and of those that converged.
  public let starts: Int
  public let convergedStarts: Int
  /// Starts that ended more than 0.01 below the best log-likelihood.
  public let startsAtOtherOptima: Int
  public let warnings: [String]
  /// The covariance of the per-step parameter vector (see `MarkovSwitchingHessian`).
  let covariance: [Double]?
  let free: [Bool]
  let floor: [Double]

  init(
    assets: [String], timeStep: Double, parameters: MarkovSwitchingParameters,
    covariance: [Double]?, free: [Bool], logLikelihood: Double, observations: Int,
    parameterCount: Int, filtered: [[Double]], smoothed: [[Double]], oneStepAhead: [Double],
    iterations: Int, converged: Bool, starts: Int, convergedStarts: Int,
    startsAtOtherOptima: Int, floor: [Double], warnings: [String]
  ) {
    self.assets = assets
    self.timeStep = timeStep
    // Rows renormalized: the engine wants them to sum to 1 within 1e-9.
    var p = parameters
    p.transition = p.transition.map { row in
      let s = row.reduce(0, +)
      return row.map { $0 / s }
    }
    self.parameters = p
    self.covariance = covariance
    self.free = free
    self.logLikelihood = logLikelihood
    self.observations = observations
    self.parameterCount = parameterCount
    self.filtered = filtered
    self.smoothed = smoothed
    let total = oneStepAhead.reduce(0, +)
    self.oneStepAhead = oneStepAhead.map { $0 / total }
    self.iterations = iterations
    self.converged = converged
    self.starts = starts
    self.convergedStarts = convergedStarts
    self.startsAtOtherOptima = startsAtOtherOptima
    self.floor = floor
    self.warnings = warnings
  }

  public var modelKey: String { "regime" }
  public var regimeCount: Int { parameters.regimeCount }
  public var regimeNames: [String] { (0..<regimeCount).map { "regime\($0)" } }
  /// The transition matrix, rows = from, columns = to.
  public var transition: [[Double]] { parameters.transition }

  /// Per regime, per asset: the annualized volatility `sd / √dt`.
  public var volatility: [[Double]] {
    parameters.deviations.map { $0.map { $0 / timeStep.squareRoot() } }
  }

  /// Per regime, per asset: the annualized drift `m / dt + volatility² / 2`.
  public var drift: [[Double]] {
    zip(parameters.means, parameters.deviations).map { m, d in
      zip(m, d).map { ($0 + 0.5 * $1 * $1) / timeStep }
    }
  }

  /// Expected stay in each regime, `1 / (1 − P_ii)` steps (infinite for an absorbing one).
  public var expectedDurations: [Double] {
    (0..<regimeCount).map { 1 / (1 - transition[$0][$0]) }
  }

  /// The mean smoothed probability of each regime over the sample.
  public var meanRegimeProbabilities: [Double] {
    (0..<regimeCount).map { k in smoothed.reduce(0.0) { $0 + $1[k] } / Double(smoothed.count) }
  }

  /// The stationary distribution of the fitted transition matrix.
  public var stationaryProbabilities: [Double] {
    (try? MarkovSwitching.stationaryDistribution(transition)) ?? oneStepAhead
  }

  /// The correlations live in the regimes.
  public var correlation: [[Double]]? { nil }

  public var regimeProbabilities: RegimeProbabilities? {
    RegimeProbabilities(regimes: regimeNames, filtered: filtered, smoothed: smoothed)
  }

  // MARK: - Standard errors

  /// Index of the per-step mean of asset `a` in regime `r` in the parameter vector; the
  /// deviation follows `n` later, then the regime's correlations.
  private func meanIndex(_ r: Int, _ a: Int) -> Int {
    let n = assets.count
    return r * (2 * n + n * (n - 1) / 2) + a
  }

  private func correlationIndex(_ r: Int, _ a: Int, _ b: Int) -> Int {
    let n = assets.count
    var x = r * (2 * n + n * (n - 1) / 2) + 2 * n
    for i in 0..<a { x += n - 1 - i }
    return x + (b - a - 1)
  }

  private func transitionIndex(_ i: Int, _ j: Int) -> Int {
    let n = assets.count
    let k = regimeCount
    return k * (2 * n + n * (n - 1) / 2) + i * (k - 1) + (j < i ? j : j - 1)
  }

  /// Standard error of a linear combination `Σ c_x θ_x` of the parameters; the fixed ones
  /// (on a bound) count as constants. Nil without a Hessian or when every term is fixed.
  private func standardError(_ terms: [(Int, Double)]) -> Double? {
    guard let covariance else { return nil }
    let live = terms.filter { free[$0.0] }
    guard !live.isEmpty else { return nil }
    var v = 0.0
    for (x, cx) in live {
      for (y, cy) in live { v += cx * cy * covariance[x * free.count + y] }
    }
    return v >= 0 ? v.squareRoot() : nil
  }

  public var fits: [AssetFit] {
    let n = assets.count
    let k = regimeCount
    let dt = timeStep
    return (0..<n).map { a in
      var estimates: [ParameterEstimate] = []
      for r in 0..<k {
        let m = meanIndex(r, a)
        let s = m + n
        let sd = parameters.deviations[r][a]
        let atFloor = !free[s]
        estimates.append(
          ParameterEstimate(
            key: "regime\(r).drift", estimate: drift[r][a],
            standardError: standardError([(m, 1 / dt), (s, sd / dt)])))
        estimates.append(
          ParameterEstimate(
            key: "regime\(r).volatility", estimate: volatility[r][a],
            standardError: standardError([(s, 1 / dt.squareRoot())]), atBound: atFloor))
      }
      if a == 0 {
        for r in 0..<k {
          for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) {
              let x = correlationIndex(r, i, j)
              estimates.append(
                ParameterEstimate(
                  key: "regime\(r).correlation[\(i)][\(j)]",
                  estimate: parameters.correlations[r][i][j],
                  standardError: standardError([(x, 1)]), atBound: !free[x]))
            }
          }
        }
        for i in 0..<k {
          for j in 0..<k {
            let terms: [(Int, Double)] =
              i == j
              ? (0..<k).filter { $0 != i }.map { (transitionIndex(i, $0), -1.0) }
              : [(transitionIndex(i, j), 1)]
            let atBound = transition[i][j] <= 1e-7
            estimates.append(
              ParameterEstimate(
                key: "transition[\(i)][\(j)]", estimate: transition[i][j],
                standardError: standardError(terms), atBound: atBound))
          }
        }
      }
      return AssetFit(
        asset: assets[a], parameters: estimates,
        logLikelihood: n == 1 ? logLikelihood : .nan, observations: observations,
        iterations: iterations, converged: converged, warnings: a == 0 ? warnings : [])
    }
  }

  // MARK: - Output

  /// Shortest text that reads back as the same `Double`.
  static func number(_ x: Double) -> String { yamlNumber(x) }

  static func list(_ xs: [Double]) -> String { "[" + xs.map(number).joined(separator: ", ") + "]" }

  public var scenarioModel: String {
    let n = assets.count
    var lines = ["  regime:", "    regimes:"]
    for r in 0..<regimeCount {
      var body = "drift: \(Self.list(drift[r])), volatility: \(Self.list(volatility[r]))"
      if n > 1 {
        let rows = parameters.correlations[r].enumerated().map { i, row in
          Self.list(row.enumerated().map { j, v in i == j ? 1 : v })
        }
        body += ", correlation: {matrix: [\(rows.joined(separator: ", "))]}"
      }
      lines.append("      \(regimeNames[r]): {\(body)}")
    }
    lines.append("    transition: [\(transition.map(Self.list).joined(separator: ", "))]")
    lines.append("    initial: \(Self.list(oneStepAhead))")
    return lines.joined(separator: "\n") + "\n"
  }

  public var report: [String: JSONValue] {
    let numbers = { (xs: [Double]) in JSONValue.array(xs.map { .number($0) }) }
    var out: [String: JSONValue] = [
      "regimes": .array(regimeNames.map { .string($0) }),
      "regime_order": .string("by the mean of the per-asset volatilities, calmest first"),
      "transition": .array(transition.map(numbers)),
      "expected_durations": numbers(expectedDurations),
      "mean_regime_probabilities": numbers(meanRegimeProbabilities),
      "initial_probabilities": numbers(oneStepAhead),
      "stationary_probabilities": numbers(stationaryProbabilities),
      "initial_distribution_of_likelihood": .string("stationary"),
      "starts": .number(Double(starts)),
      "converged_starts": .number(Double(convergedStarts)),
      "starts_at_lower_optima": .number(Double(startsAtOtherOptima)),
      "iterations": .number(Double(iterations)),
      "converged": .bool(converged),
      "variance_floor": numbers(floor),
    ]
    out["drift"] = .array(drift.map(numbers))
    out["volatility"] = .array(volatility.map(numbers))
    if assets.count > 1 {
      out["loglik_basis"] = .string(
        "joint: the Hamilton filter's likelihood of the returns of every asset together")
      out["correlation"] = .array(
        parameters.correlations.map { .array($0.map(numbers)) })
    }
    return out
  }

  public var summary: String {
    func f(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }
    func se(_ x: Double?) -> String { x.map { "(" + String(format: "%.4f", $0) + ")" } ?? "(-)" }
    let k = regimeCount
    var lines: [String] = []
    lines.append(
      "Markov switching model, \(k) regimes, \(assets.count) asset(s), \(observations) returns, dt = \(f(timeStep, 6))"
    )
    lines.append(
      "Log-likelihood \(f(logLikelihood, 3))   AIC \(f(aic, 3))   BIC \(f(bic, 3))   "
        + (converged ? "converged" : "NOT converged")
        + " (\(iterations) EM iterations; \(convergedStarts) of \(starts) starts converged)")
    lines.append("")
    lines.append(
      "regime    asset         drift   (s.e.)    volatility (s.e.)    mean prob  duration")
    let fitted = fits
    for r in 0..<k {
      for (a, name) in assets.enumerated() {
        let d = fitted[a].parameters.first { $0.key == "regime\(r).drift" }
        let v = fitted[a].parameters.first { $0.key == "regime\(r).volatility" }
        let label = a == 0 ? regimeNames[r] : ""
        let tail =
          a == 0
          ? "".rightPad(9 - se(v?.standardError).count)
            + "  \(f(meanRegimeProbabilities[r], 3).leftPad(9))  \(f(expectedDurations[r], 1).leftPad(8))"
          : ""
        lines.append(
          label.rightPad(9) + " " + String(name.prefix(10)).rightPad(10)
            + f(drift[r][a]).leftPad(9) + " " + se(d?.standardError).rightPad(9)
            + f(volatility[r][a]).leftPad(11) + " " + (se(v?.standardError) + tail).trimmedRight)
      }
    }
    lines.append("")
    lines.append("transition (rows from, columns to)")
    lines.append("".rightPad(9) + regimeNames.map { $0.leftPad(10) }.joined())
    for i in 0..<k {
      lines.append(
        regimeNames[i].rightPad(9) + transition[i].map { f($0, 6).leftPad(10) }.joined())
    }
    lines.append(
      "initial (one step after the last return): "
        + oneStepAhead.map { f($0) }.joined(separator: ", "))
    if assets.count > 1 {
      for r in 0..<k {
        let pairs = (0..<assets.count).flatMap { i in
          ((i + 1)..<max(assets.count, i + 1)).map { j in
            "\(assets[i])-\(assets[j]) \(f(parameters.correlations[r][i][j], 3))"
          }
        }
        lines.append("\(regimeNames[r]) correlation: " + pairs.joined(separator: ", "))
      }
    }
    for w in warnings { lines.append("warning: \(w)") }
    return lines.joined(separator: "\n")
  }
}

extension String {
  fileprivate func leftPad(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
  fileprivate var trimmedRight: String {
    String(self.reversed().drop { $0 == " " }.reversed())
  }
  fileprivate func rightPad(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
