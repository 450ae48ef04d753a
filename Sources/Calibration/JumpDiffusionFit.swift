import Foundation
import LinearAlgebra
import Planner
import Processes
import Shocks

/// Why a Merton or Kou jump-diffusion fit failed.
public enum JumpFitError: Error, Equatable, Sendable, CustomStringConvertible {
  case noAssets
  /// Fewer returns than the fit needs.
  case tooFewObservations(model: String, asset: String, count: Int, needed: Int)
  /// The returns of an asset do not vary.
  case constantSeries(model: String, asset: String)
  /// A return is NaN or infinite.
  case nonFiniteReturn(model: String, asset: String, index: Int)
  /// The assets' series differ in length.
  case unequalLengths(model: String, asset: String, count: Int, expected: Int)
  /// The time step is not a positive finite number of years.
  case invalidTimeStep(Double)
  /// The optimizer failed (no start converged).
  case optimization(model: String, asset: String, reason: String)

  public var description: String {
    switch self {
    case .noAssets: return "jump-diffusion fit: no assets to fit"
    case .tooFewObservations(let model, let asset, let count, let needed):
      return
        "\(model): \(asset) has \(count) returns; a jump-diffusion fit needs at least \(needed) "
        + "(jumps are rare events that a shorter series cannot separate from the diffusion)"
    case .constantSeries(let model, let asset):
      return "\(model): the returns of \(asset) are constant; a jump-diffusion cannot be fitted"
    case .nonFiniteReturn(let model, let asset, let index):
      return "\(model): return \(index + 1) of \(asset) is not a finite number"
    case .unequalLengths(let model, let asset, let count, let expected):
      return "\(model): \(asset) has \(count) returns, the first asset \(expected)"
    case .invalidTimeStep(let dt):
      return "jump-diffusion fit: the time step \(dt) is not a positive number of years"
    case .optimization(let model, let asset, let reason):
      return "\(model): the fit of \(asset) failed: \(reason)"
    }
  }
}

/// Settings of the Merton and Kou fits.
public struct JumpFitOptions: Sendable, Equatable {
  /// The upper bound of the expected jumps per step, `λ dt`. The engine accepts up to
  /// `ParameterLimits.maximumJumpsPerStep` (1000); the fit stops at 10 by default, where the
  /// jumps of a step are already close to normal and cannot be told from the diffusion, and
  /// the densities stay cheap (the count is truncated near `λ dt + 7√(λ dt) + 10`).
  public var maximumJumpsPerStep: Double
  /// The expected jumps per step, `λ dt`, of the starts (each with jump sizes matched to the
  /// sample's variance, skewness and kurtosis).
  public var startingJumpsPerStep: [Double]
  /// The stopping rules of each start.
  public var minimization: MinimizationOptions

  public init(
    maximumJumpsPerStep: Double = 10, startingJumpsPerStep: [Double] = [0.01, 0.05, 0.2, 0.8],
    minimization: MinimizationOptions = .init()
  ) {
    self.maximumJumpsPerStep = maximumJumpsPerStep
    self.startingJumpsPerStep = startingJumpsPerStep
    self.minimization = minimization
  }
}

/// What distinguishes the two jump laws in the common fit.
struct JumpLawDefinition: Sendable {
  /// Starting jump sizes for a jump rate: the values, the mean and the second moment of a jump.
  typealias Start = (jumps: [Double], jumpMean: Double, jumpSecondMoment: Double)
  /// `merton` or `kou`.
  var name: String
  /// The declared jump-size parameters (after drift, volatility, intensity).
  var parameters: [ModelParameter]
  /// Per jump-size parameter, whether it is a log size (scaled by the sample's standard
  /// deviation in the optimizer) rather than a probability.
  var isLogSize: [Bool]
  /// Bounds of the jump-size parameters, given the sample's per-step standard deviation.
  var bounds: @Sendable (Double) -> (lower: [Double], upper: [Double])
  /// The compensator `κ` from the jump-size parameters.
  var compensator: @Sendable ([Double]) -> Double
  /// The log-likelihood of the returns at a full parameter vector in scenario units
  /// `[drift, volatility, intensity, jump sizes…]`.
  var logLikelihood: @Sendable ([Double], [Double], Double) -> Double
  /// Starting jump sizes for `λ dt` and the per-step variance, third and fourth cumulants.
  var start: @Sendable (Double, Double, Double, Double) -> Start
  /// The jump-size parameters (indices among them) that are not identified at these values
  /// (a jump direction of probability 0), to hold fixed for the standard errors.
  var unidentified: @Sendable ([Double]) -> [Int]
}

/// One asset's fit in scenario units.
struct JumpAssetResult {
  var values: [Double]
  var fit: AssetFit
  /// The maximum log-likelihood without jumps (normal returns).
  var noJumpLogLikelihood: Double
  /// `2 (ln L − ln L_no jumps)`.
  var likelihoodRatio: Double
}

/// The common maximum-likelihood fit of a jump-diffusion to one asset's per-step log returns.
///
/// The optimizer works on `[c/sd, σ√dt/sd, λ dt, jump sizes (log sizes / sd)]`, where
/// `c = (μ − λκ − σ²/2) dt` is the location of a step without jumps and `sd` the sample's
/// standard deviation, minimizing `−ln L / T` in the box `σ√dt ≥ 10⁻³ sd`, `σ ≤ 10`,
/// `0 ≤ λ dt ≤ options.maximumJumpsPerStep` (and `λ ≤ ParameterLimits.maximumJumpIntensity`),
/// the jump-size bounds, and `|μ| ≤ ParameterLimits.maximumDrift` as a constraint of the
/// objective. Standard errors: the inverse of the numerical Hessian of `−ln L` in scenario units,
/// over the parameters not on a bound (and identified).
func fitJumpDiffusion(
  _ returns: [Double], asset: String, timeStep dt: Double, law: JumpLawDefinition,
  options: JumpFitOptions
) throws(JumpFitError) -> JumpAssetResult {
  let t = Double(returns.count)
  let k1 = returns.reduce(0, +) / t
  var m2 = 0.0
  var m3 = 0.0
  var m4 = 0.0
  for x in returns {
    let e = x - k1
    m2 += e * e
    m3 += e * e * e
    m4 += e * e * e * e
  }
  m2 /= t
  m3 /= t
  m4 /= t
  let variance = m2
  let k3 = m3
  let k4 = m4 - 3 * m2 * m2
  let sd = variance.squareRoot()
  let rootDt = dt.squareRoot()
  let jumpCount = law.parameters.count
  let dimension = 3 + jumpCount
  let jumpBounds = law.bounds(sd)
  let largestPerStep = min(
    options.maximumJumpsPerStep, ParameterLimits.maximumJumpsPerStep,
    ParameterLimits.maximumJumpIntensity * dt)
  // Scenario-unit bounds of volatility, intensity and the jump sizes.
  let naturalLower = [1e-3 * sd / rootDt, 0] + jumpBounds.lower
  let naturalUpper = [ParameterLimits.maximumVolatility, largestPerStep / dt] + jumpBounds.upper

  func scale(_ j: Int) -> Double { law.isLogSize[j] ? sd : 1 }
  /// Internal vector → scenario units `[drift, volatility, intensity, jumps…]`.
  func natural(_ x: [Double]) -> [Double] {
    let sigma = x[1] * sd / rootDt
    let lambda = x[2] / dt
    let jumps = (0..<jumpCount).map { x[3 + $0] * scale($0) }
    let mu = x[0] * sd / dt + lambda * law.compensator(jumps) + 0.5 * sigma * sigma
    return [mu, sigma, lambda] + jumps
  }
  func internalPoint(_ v: [Double]) -> [Double] {
    let jumps = Array(v[3...])
    let c = (v[0] - v[2] * law.compensator(jumps) - 0.5 * v[1] * v[1]) * dt
    return [c / sd, v[1] * rootDt / sd, v[2] * dt] + (0..<jumpCount).map { jumps[$0] / scale($0) }
  }
  let lower =
    [-Double.infinity, naturalLower[0] * rootDt / sd, 0]
    + (0..<jumpCount).map { jumpBounds.lower[$0] / scale($0) }
  let upper =
    [Double.infinity, naturalUpper[0] * rootDt / sd, largestPerStep]
    + (0..<jumpCount).map { jumpBounds.upper[$0] / scale($0) }

  func objective(_ x: [Double]) -> Double {
    let v = natural(x)
    guard abs(v[0]) <= ParameterLimits.maximumDrift else { return .infinity }
    let ll = law.logLikelihood(returns, v, dt)
    return ll.isFinite ? -ll / t : .infinity
  }

  // Starts: moment-matched jump sizes for several jump rates.
  var starts: [[Double]] = []
  for perStep in options.startingJumpsPerStep where perStep <= largestPerStep {
    let s = law.start(perStep, variance, k3, k4)
    var jumps = s.jumps
    for j in 0..<jumpCount {
      jumps[j] = min(max(jumps[j], jumpBounds.lower[j]), jumpBounds.upper[j])
    }
    let diffusion = max(variance - perStep * s.jumpSecondMoment, 0.1 * variance)
    let c = k1 - perStep * s.jumpMean
    let sigma = (diffusion / dt).squareRoot()
    let lambda = perStep / dt
    let mu = c / dt + lambda * law.compensator(jumps) + 0.5 * sigma * sigma
    starts.append(internalPoint([mu, sigma, lambda] + jumps))
  }
  let minimizer = BoundedMinimizer(lower: lower, upper: upper, options: options.minimization)
  let result: MultiStartResult
  do throws(OptimizationError) {
    result = try minimizer.minimize(objective, starts: starts)
  } catch {
    throw .optimization(model: law.name, asset: asset, reason: error.description)
  }
  let best = result.best
  let values = natural(best.point)
  let logLikelihood = law.logLikelihood(returns, values, dt)
  let keys = ([.drift, .volatility, .jumpIntensity] + law.parameters).map(\.key)

  // Bounds in scenario units.
  var atBound = [Bool](repeating: false, count: dimension)
  for i in 1..<dimension { atBound[i] = best.atLowerBound[i] || best.atUpperBound[i] }
  atBound[0] = abs(values[0]) >= ParameterLimits.maximumDrift * (1 - 1e-12)
  var warnings = result.warnings
  var fixed = Set((0..<dimension).filter { atBound[$0] })
  if atBound[2] && values[2] == 0 {
    warnings.append(
      "no jumps found: the jump intensity is on its lower bound 0, so the jump sizes are not "
        + "identified (their values are the optimizer's and have no standard error)")
    for j in 0..<jumpCount { fixed.insert(3 + j) }
  } else if atBound[2] {
    warnings.append(
      "the jump intensity is on its upper bound \(values[2]) a year "
        + "(\(largestPerStep) expected jumps per step)")
  }
  for j in law.unidentified(Array(values[3...])) { fixed.insert(3 + j) }
  for i in 0..<dimension where atBound[i] && i != 2 {
    warnings.append("\(keys[i]) is on a bound of its range (\(values[i]))")
  }

  // The likelihood-ratio statistic against no jumps (the normal law of the returns, whose
  // maximum is closed-form), compared with the 95% quantile of χ² with as many degrees of
  // freedom as jump parameters (conservative: the null lies on the boundary λ = 0).
  let noJumpLogLikelihood = -0.5 * t * (log(2 * Double.pi * variance) + 1)
  let likelihoodRatio = 2 * (logLikelihood - noJumpLogLikelihood)
  if likelihoodRatio < chiSquare95[jumpCount + 1] {
    warnings.append(
      "the jumps do not improve the fit significantly over no jumps: likelihood ratio "
        + "\(likelihoodRatio) below the 95% quantile \(chiSquare95[jumpCount + 1]) of χ² with "
        + "\(jumpCount + 1) degrees of freedom")
  }

  // Standard errors from the numerical Hessian of −ln L in scenario units over the free ones.
  let free = (0..<dimension).filter { !fixed.contains($0) }
  var standardErrors = [Double?](repeating: nil, count: dimension)
  if !free.isEmpty {
    let naturalBounds: [(Double, Double)] =
      [(-ParameterLimits.maximumDrift, ParameterLimits.maximumDrift)]
      + (1..<dimension).map { (naturalLower[$0 - 1], naturalUpper[$0 - 1]) }
    let base = values
    // Steps ε^{1/4} max(|x|, a typical scale of the parameter), kept 3 steps from a bound.
    let typical =
      [sd / rootDt, sd / rootDt, 0.01 / dt] + law.isLogSize.map { $0 ? sd : 0.1 }
    let steps = free.map { i -> Double in
      let h = pow(Double.ulpOfOne, 0.25) * max(abs(base[i]), typical[i])
      let room = min(base[i] - naturalBounds[i].0, naturalBounds[i].1 - base[i])
      return min(h, room / 3)
    }
    let negativeLogLikelihood = { (y: [Double]) -> Double in
      var v = base
      for (k, i) in free.enumerated() { v[i] = y[k] }
      return -law.logLikelihood(returns, v, dt)
    }
    if steps.allSatisfy({ $0 > 0 }) {
      let hessian = numericalHessian(
        negativeLogLikelihood, at: free.map { base[$0] }, steps: steps)
      if let inverse = inverseOfPositiveDefinite(hessian) {
        for (k, i) in free.enumerated() where inverse[k][k] > 0 {
          standardErrors[i] = inverse[k][k].squareRoot()
        }
      } else {
        warnings.append(
          "the Hessian of the log-likelihood is not positive definite at the estimate: "
            + "no standard errors")
      }
    }
  }
  let parameters = (0..<dimension).map {
    ParameterEstimate(
      key: keys[$0], estimate: values[$0], standardError: standardErrors[$0],
      atBound: atBound[$0])
  }
  let fit = AssetFit(
    asset: asset, parameters: parameters, logLikelihood: logLikelihood,
    observations: returns.count, iterations: best.iterations, converged: best.converged,
    warnings: warnings)
  return JumpAssetResult(
    values: values, fit: fit, noJumpLogLikelihood: noJumpLogLikelihood,
    likelihoodRatio: likelihoodRatio)
}

/// The 95% quantiles of χ² with 0…4 degrees of freedom.
let chiSquare95 = [0, 3.841458820694124, 5.991464547107979, 7.814727903251178, 9.487729036781154]

/// Checks a sample before a fit.
func validateJumpSample(_ sample: ReturnSample, model: String, needed: Int)
  throws(JumpFitError)
{
  guard !sample.assets.isEmpty, !sample.returns.isEmpty else { throw .noAssets }
  guard sample.timeStep.isFinite, sample.timeStep > 0 else {
    throw .invalidTimeStep(sample.timeStep)
  }
  let expected = sample.returns[0].count
  for (a, series) in sample.returns.enumerated() {
    let asset = a < sample.assets.count ? sample.assets[a] : "asset \(a + 1)"
    guard series.count == expected else {
      throw .unequalLengths(model: model, asset: asset, count: series.count, expected: expected)
    }
    guard series.count >= needed else {
      throw .tooFewObservations(model: model, asset: asset, count: series.count, needed: needed)
    }
    if let bad = series.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteReturn(model: model, asset: asset, index: bad)
    }
    let mean = series.reduce(0, +) / Double(series.count)
    let ss = series.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    guard ss > 0, series.contains(where: { $0 != series[0] }) else {
      throw .constantSeries(model: model, asset: asset)
    }
  }
}

/// What a jump-diffusion fit's total log-likelihood is with several assets (fit.json's
/// `loglik_basis`, and the summary's).
let jumpLogLikelihoodBasis =
  "sum of the assets' log-likelihoods, each asset fitted alone: the correlation is a moment "
  + "estimate, outside the likelihood and the parameter count, so this total and its AIC "
  + "and BIC do not compare with the joint log-likelihood of a gbm, garch or regime fit"

func jumpYAMLList(_ values: [Double]) -> String {
  "[" + values.map(yamlNumber).joined(separator: ", ") + "]"
}

/// The one-screen summary of a jump-diffusion fit.
func jumpSummary(
  title: String, assets: [String], fits: [AssetFit], logLikelihood: Double, aic: Double,
  bic: Double, observations: Int, parameterCount: Int, correlation: [[Double]]?
) -> String {
  var out = [title]
  func cell(_ v: Double?, _ width: Int) -> String {
    SummaryText.cell(v, width, digits: 6)
  }
  for (a, fit) in fits.enumerated() {
    out.append(String(repeating: "=", count: 78))
    out.append(SummaryText.fitLine(assets[a], fit))
    out.append(
      "parameter".padding(toLength: 22, withPad: " ", startingAt: 0) + "      estimate"
        + "      std err" + "        t" + "  bound")
    out.append(String(repeating: "-", count: 78))
    for p in fit.parameters {
      let t = p.standardError.map { p.estimate / $0 }
      out.append(
        p.key.padding(toLength: 22, withPad: " ", startingAt: 0) + cell(p.estimate, 14)
          + cell(p.standardError, 13)
          + (t.map { String(format: "%9.2f", $0) } ?? "        -")
          + (p.atBound ? "  *" : ""))
    }
    for w in fit.warnings { out.append("warning: \(w)") }
  }
  out.append(String(repeating: "=", count: 78))
  if let correlation, correlation.count > 1 {
    out.append("correlation of the log returns (sample):")
    for (a, row) in correlation.enumerated() {
      out.append(
        assets[a].padding(toLength: 12, withPad: " ", startingAt: 0)
          + row.map { String(format: "%8.4f", $0) }.joined())
    }
  }
  out.append(
    "total log-likelihood \(String(format: "%.4f", logLikelihood))   AIC "
      + "\(String(format: "%.4f", aic))   BIC \(String(format: "%.4f", bic))   "
      + "nobs \(observations)   parameters \(parameterCount)")
  if assets.count > 1 { out.append("(\(jumpLogLikelihoodBasis))") }
  out.append("* on a bound of the parameter space; units: annualized, intensity per year")
  return out.joined(separator: "\n") + "\n"
}

/// The fit.json figures of one asset of a jump-diffusion fit: the compensator, the jump rate
/// per step, and the split of the variance of the annual log return into diffusion and jumps.
func jumpAssetReport(
  _ result: JumpAssetResult, compensator: Double, jumpSecondMoment: Double, returns: [Double],
  timeStep dt: Double
) -> JSONValue {
  let values = result.values
  let fit = result.fit
  let t = Double(returns.count)
  let mean = returns.reduce(0, +) / t
  let sampleVariance = returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / t
  let diffusion = values[1] * values[1]
  let jumps = values[2] * jumpSecondMoment
  return .object([
    "compensator": .number(compensator),
    "jumps_per_step": .number(values[2] * dt),
    "jump_second_moment": .number(jumpSecondMoment),
    "diffusion_variance_per_year": .number(diffusion),
    "jump_variance_per_year": .number(jumps),
    "jump_share_of_variance": .number(jumps / (diffusion + jumps)),
    "model_variance_per_year": .number(diffusion + jumps),
    "sample_variance_per_year": .number(sampleVariance / dt),
    "no_jump_loglik": .number(result.noJumpLogLikelihood),
    "likelihood_ratio_against_no_jumps": .number(result.likelihoodRatio),
    "iterations": .number(Double(fit.iterations)),
    "converged": .bool(fit.converged),
    "warnings": .array(fit.warnings.map { .string($0) }),
  ])
}

/// Fits every asset of `sample` with `law`: per asset its parameters, its fit and its entry
/// of the report, and the report of the whole fit (the shape of the Merton and Kou fits).
func fitJumpAssets<P>(
  _ sample: ReturnSample, model: String, needed: Int, law: JumpLawDefinition,
  options: JumpFitOptions, parameters: ([Double]) -> P, compensator: (P) -> Double,
  jumpSecondMoment: (P) -> Double
) throws(JumpFitError) -> (parameters: [P], fits: [AssetFit], report: [String: JSONValue]) {
  try validateJumpSample(sample, model: model, needed: needed)
  var values: [P] = []
  var fits: [AssetFit] = []
  var assetReports: [String: JSONValue] = [:]
  for (a, series) in sample.returns.enumerated() {
    let result = try fitJumpDiffusion(
      series, asset: sample.assets[a], timeStep: sample.timeStep, law: law, options: options)
    let p = parameters(result.values)
    values.append(p)
    fits.append(result.fit)
    assetReports[sample.assets[a]] = jumpAssetReport(
      result, compensator: compensator(p), jumpSecondMoment: jumpSecondMoment(p),
      returns: series, timeStep: sample.timeStep)
  }
  let report: [String: JSONValue] = [
    "time_step": .number(sample.timeStep),
    "jump_count_truncation": .number(jumpCountTruncation),
    "correlation_method": .string("sample correlation of the log returns"),
    "assets": .object(assetReports),
  ]
  return (values, fits, report)
}
