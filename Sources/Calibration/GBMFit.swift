import Foundation
import LinearAlgebra
import Planner
import Processes
import Shocks

/// How the correlation of a multi-asset fit is estimated from the returns.
public enum CorrelationShrinkage: String, Sendable, CaseIterable {
  /// The sample correlation of the log returns.
  case none
  /// Ledoit–Wolf shrinkage toward constant correlation (`LedoitWolfShrinkage`).
  case ledoitWolf = "ledoit-wolf"
}

/// Geometric Brownian motion fitted by maximum likelihood, in closed form, to per-step log
/// returns.
///
/// The engine's GBM (`GeometricBrownianMotion`) makes the log return of a step of `dt` years
///
///     r = (μ − σ²/2) dt + σ √dt Z,   Z ~ N(0, 1),
///
/// so per asset the returns are i.i.d. normal with mean `(μ − σ²/2) dt` and variance `σ² dt`.
/// The maximum-likelihood estimates from `n` returns are the sample mean `m = (1/n) Σ r` and
/// variance `s² = (1/n) Σ (r − m)²`, whence
///
///     σ̂ = s / √dt,   μ̂ = m / dt + σ̂² / 2   (annualized, decimal: the scenario file's units).
///
/// Standard errors by the delta method from `se(m) = s/√n`, `se(s) = s/√(2n)` (asymptotically
/// independent): `se(σ̂) = s / √(2n dt)`, `se(μ̂) = (s/dt) √(1/n + s²/(2n))`. Each asset's
/// log-likelihood is the normal one at the estimates, `−(n/2)(ln(2π s²) + 1)`.
///
/// With several assets the correlation is the sample correlation of the returns, or its
/// Ledoit–Wolf shrinkage toward constant correlation; it is checked as the engine checks a
/// scenario's matrix (`CorrelationMatrix`) and replaced by the nearest correlation matrix
/// (Higham 2002) only if that check fails, which `notes` then says. The total log-likelihood is
/// that of the joint normal with covariance `D R D` (`D = diag(s)`):
/// `−(n/2)(N ln 2π + ln det(D R D) + tr(R⁻¹ R_sample))`; for a singular `R` (fewer returns than
/// assets) it is the sum of the assets' and `notes` says so.
///
/// Reference: J. Y. Campbell, A. W. Lo and A. C. MacKinlay, "The Econometrics of Financial
/// Markets", 1997, §9.3.2 (estimating the parameters of geometric Brownian motion).
public struct GBMFit: CalibratedModel {
  /// The fewest returns a fit takes: two, for a variance.
  public static let minimumObservations = 2

  /// The asset names.
  public let assets: [String]
  /// The step length in years.
  public let timeStep: Double
  /// Per asset, the per-step sample mean `m` and standard deviation `s` of the log returns.
  public let perStepMean: [Double]
  public let perStepStandardDeviation: [Double]
  public let fits: [AssetFit]
  public let correlation: [[Double]]?
  /// How the correlation was estimated.
  public let shrinkage: CorrelationShrinkage
  /// The Ledoit–Wolf result, with `--shrinkage ledoit-wolf` and several assets.
  public let ledoitWolf: LedoitWolfShrinkage?
  /// The smallest eigenvalue of the correlation written (nil for one asset).
  public let smallestEigenvalue: Double?
  /// What was done to the correlation or the likelihood, in words (a repair, a singular matrix).
  public let notes: [String]
  public let logLikelihood: Double
  public let parameterCount: Int
  public let observations: Int

  public var modelKey: String { "gbm" }

  /// Fits every asset of `sample`, and their correlation when there are several.
  ///
  /// - Throws: `CalibrationError` for fewer than `minimumObservations` returns, a non-finite
  ///   return or a series with no variation.
  public static func fit(_ sample: ReturnSample, shrinkage: CorrelationShrinkage = .none)
    throws(CalibrationError) -> GBMFit
  {
    let n = sample.count
    let dt = sample.timeStep
    guard dt > 0, dt.isFinite else {
      throw CalibrationError("the time step is \(dt) years; expected a positive number")
    }
    guard n >= minimumObservations else {
      throw CalibrationError(
        "\(n) returns; the gbm model needs at least \(minimumObservations)")
    }
    let nn = Double(n)
    var means: [Double] = []
    var sds: [Double] = []
    var fits: [AssetFit] = []
    for (a, r) in sample.returns.enumerated() {
      let name = sample.assets[a]
      guard r.count == n, r.allSatisfy(\.isFinite) else {
        throw CalibrationError("the returns of \(name) are not \(n) finite numbers")
      }
      let m = r.reduce(0, +) / nn
      let s2 = r.reduce(0) { $0 + ($1 - m) * ($1 - m) } / nn
      let s = s2.squareRoot()
      guard s > 0 else {
        throw CalibrationError("the returns of \(name) do not vary: no volatility can be fitted")
      }
      let volatility = s / dt.squareRoot()
      let drift = m / dt + volatility * volatility / 2
      let seVolatility = s / (2 * nn * dt).squareRoot()
      let seDrift = (s / dt) * (1 / nn + s2 / (2 * nn)).squareRoot()
      let loglik = -nn / 2 * (Foundation.log(2 * Double.pi * s2) + 1)
      means.append(m)
      sds.append(s)
      fits.append(
        AssetFit(
          asset: name,
          parameters: [
            ParameterEstimate(
              key: ModelParameter.drift.key, estimate: drift, standardError: seDrift),
            ParameterEstimate(
              key: ModelParameter.volatility.key, estimate: volatility,
              standardError: seVolatility),
          ],
          logLikelihood: loglik, observations: n, iterations: 0, converged: true))
    }
    let count = sample.assets.count
    var correlation: [[Double]]? = nil
    var lw: LedoitWolfShrinkage? = nil
    var smallest: Double? = nil
    var notes: [String] = []
    var total = fits.reduce(0) { $0 + $1.logLikelihood }
    if count > 1 {
      var r: [[Double]]
      if shrinkage == .ledoitWolf {
        let result = LedoitWolfShrinkage(series: sample.returns)
        lw = result
        r = result.correlation
      } else {
        r = sampleCorrelation(sample.returns, means: means, sds: sds)
      }
      let checked = try validCorrelation(r, notes: &notes)
      r = checked.rows
      smallest = checked.smallestEigenvalue
      correlation = r
      if let joint = jointLogLikelihood(
        correlation: r, sample: sampleCorrelation(sample.returns, means: means, sds: sds),
        sds: sds, n: n)
      {
        total = joint
      } else {
        notes.append(
          "the correlation matrix is singular (\(n) returns for \(count) assets): the joint "
            + "normal density does not exist, and the log-likelihood is the sum of the assets'")
      }
    }
    return GBMFit(
      assets: sample.assets, timeStep: dt, perStepMean: means, perStepStandardDeviation: sds,
      fits: fits, correlation: correlation, shrinkage: count > 1 ? shrinkage : .none,
      ledoitWolf: lw, smallestEigenvalue: smallest, notes: notes, logLikelihood: total,
      parameterCount: 2 * count + (count > 1 ? count * (count - 1) / 2 : 0), observations: n)
  }

  /// The sample correlation `(1/n) Σ (r_i − m_i)(r_j − m_j) / (s_i s_j)`.
  static func sampleCorrelation(_ returns: [[Double]], means: [Double], sds: [Double])
    -> [[Double]]
  {
    let k = returns.count
    let n = Double(returns[0].count)
    var c = Array(repeating: Array(repeating: 1.0, count: k), count: k)
    for i in 0..<k {
      for j in (i + 1)..<max(k, i + 1) {
        var sum = 0.0
        for t in returns[i].indices {
          sum += (returns[i][t] - means[i]) * (returns[j][t] - means[j])
        }
        // Rounding may put a perfect correlation a hair beyond ±1.
        let v = Swift.max(-1, Swift.min(1, sum / n / (sds[i] * sds[j])))
        c[i][j] = v
        c[j][i] = v
      }
    }
    return c
  }

  /// The matrix as the engine will check it; when the check fails, the nearest correlation
  /// matrix, with a note saying what changed.
  static func validCorrelation(_ rows: [[Double]], notes: inout [String])
    throws(CalibrationError) -> (rows: [[Double]], smallestEigenvalue: Double)
  {
    do {
      let m = try CorrelationMatrix(rows: rows)
      return (m.matrix.rowArrays, m.smallestEigenvalue)
    } catch {
      guard case .notPositiveSemiDefinite(let smallest) = error else {
        throw CalibrationError("the estimated correlation is not valid: \(error)")
      }
      do {
        let repaired = try CorrelationMatrix(rows: rows, repair: .nearest)
        let d = repaired.repair?.frobeniusDistance ?? 0
        notes.append(
          "the estimated correlation was not positive semi-definite (smallest eigenvalue "
            + "\(smallest)); it was replaced by the nearest correlation matrix (Higham 2002), "
            + "Frobenius distance \(d)")
        return (repaired.matrix.rowArrays, repaired.smallestEigenvalue)
      } catch {
        throw CalibrationError("the estimated correlation cannot be repaired: \(error)")
      }
    }
  }

  /// The joint normal log-likelihood at covariance `D R D`, or nil when `R` is singular.
  static func jointLogLikelihood(
    correlation r: [[Double]], sample: [[Double]], sds: [Double], n: Int
  ) -> Double? {
    let k = r.count
    guard let matrix = try? Matrix(r), let eigen = try? SymmetricEigen(matrix, vectors: true),
      let v = eigen.vectors, let smallest = eigen.values.first, smallest > 1e-12
    else { return nil }
    var logDet = 0.0
    for i in 0..<k { logDet += Foundation.log(sds[i] * sds[i]) }
    var trace = 0.0
    for (column, lambda) in eigen.values.enumerated() {
      logDet += Foundation.log(lambda)
      var quadratic = 0.0
      for i in 0..<k {
        for j in 0..<k { quadratic += v[i, column] * sample[i][j] * v[j, column] }
      }
      trace += quadratic / lambda
    }
    return -Double(n) / 2 * (Double(k) * Foundation.log(2 * Double.pi) + logDet + trace)
  }

  public var scenarioModel: String {
    let drift = fits.map { $0.parameters[0].estimate }
    let volatility = fits.map { $0.parameters[1].estimate }
    return """
        gbm:
          drift: \(FittedScenario.flowMap(assets, drift))
          volatility: \(FittedScenario.flowMap(assets, volatility))

      """
  }

  public var report: [String: JSONValue] {
    var method: [String: JSONValue] = ["method": .string(shrinkage.rawValue)]
    if let lw = ledoitWolf {
      method["intensity"] = .number(lw.intensity)
      method["average_correlation"] = .number(lw.averageCorrelation)
    }
    var perStep: [String: JSONValue] = [:]
    for (a, name) in assets.enumerated() {
      perStep[name] = .object([
        "mean": .number(perStepMean[a]), "stdev": .number(perStepStandardDeviation[a]),
      ])
    }
    var out: [String: JSONValue] = [
      "shrinkage": .object(method),
      "per_step": .object(perStep),
      "notes": .array(notes.map { .string($0) }),
    ]
    if let lw = ledoitWolf {
      out["sample_correlation"] = .array(
        lw.sampleCorrelation.map { .array($0.map { .number($0) }) })
    }
    if let smallestEigenvalue {
      out["correlation_smallest_eigenvalue"] = .number(smallestEigenvalue)
    }
    if assets.count > 1 {
      let singular = notes.contains { $0.contains("the correlation matrix is singular") }
      out["loglik_basis"] = .string(
        singular
          ? "sum of the assets' log-likelihoods: the correlation is singular, so the joint "
            + "density does not exist"
          : "joint: the multivariate normal density of the returns under the fitted correlation")
    }
    return out
  }

  public var summary: String {
    var lines: [String] = []
    let rule = String(repeating: "=", count: 72)
    let thin = String(repeating: "-", count: 72)
    lines.append("Geometric Brownian motion: maximum likelihood (closed form)".centered(72))
    lines.append(rule)
    lines.append(
      "Observations:  \(observations) returns per asset, dt = \(FittedScenario.short(timeStep)) years"
    )
    lines.append(
      "Log-lik.:      \(FittedScenario.short(logLikelihood))   AIC: \(FittedScenario.short(aic))"
        + "   BIC: \(FittedScenario.short(bic))   parameters: \(parameterCount)")
    if assets.count > 1 {
      var text = "Correlation:   sample correlation of the log returns"
      if let lw = ledoitWolf {
        text =
          "Correlation:   Ledoit–Wolf toward constant correlation \(FittedScenario.short(lw.averageCorrelation)), "
          + "intensity \(FittedScenario.short(lw.intensity))"
      }
      lines.append(text)
    }
    lines.append("Units:         drift and volatility annualized, decimal")
    lines.append(thin)
    lines.append(FittedScenario.parameterTable(fits))
    if let correlation, assets.count <= 8 {
      lines.append(thin)
      lines.append("Correlation matrix:")
      let width = max(8, (assets.map(\.count).max() ?? 0) + 1)
      lines.append(
        "".padding(toLength: width, withPad: " ", startingAt: 0)
          + assets.map { $0.rightAligned(8) + " " }.joined())
      for (i, row) in correlation.enumerated() {
        lines.append(
          assets[i].padding(toLength: width, withPad: " ", startingAt: 0)
            + row.map { String(format: "%8.4f ", $0) }.joined())
      }
    }
    for note in notes { lines.append("Note: " + note) }
    lines.append(rule)
    return lines.joined(separator: "\n")
  }
}

extension String {
  /// The text centred in `width` columns.
  fileprivate func centered(_ width: Int) -> String {
    let pad = Swift.max(0, (width - count) / 2)
    return String(repeating: " ", count: pad) + self
  }

  /// The text right-aligned in `width` columns (cut if longer).
  fileprivate func rightAligned(_ width: Int) -> String {
    count >= width ? String(prefix(width)) : String(repeating: " ", count: width - count) + self
  }
}
