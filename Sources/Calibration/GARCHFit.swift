import Foundation
import LinearAlgebra
import Planner
import Processes
import Shocks

/// Why a GARCH-family fit failed.
public enum GARCHFitError: Error, Equatable, Sendable, CustomStringConvertible {
  case noAssets
  /// Fewer returns than the fit needs.
  case tooFewObservations(asset: String, count: Int, needed: Int)
  /// The returns of an asset do not vary.
  case constantSeries(asset: String)
  /// A return is NaN or infinite.
  case nonFiniteReturn(asset: String, index: Int)
  /// The assets' series differ in length.
  case unequalLengths(asset: String, count: Int, expected: Int)
  /// The optimizer failed (no start converged).
  case optimization(asset: String, reason: String)

  public var description: String {
    switch self {
    case .noAssets: return "garch: no assets to fit"
    case .tooFewObservations(let asset, let count, let needed):
      return "garch: \(asset) has \(count) returns; a GARCH fit needs at least \(needed)"
    case .constantSeries(let asset):
      return "garch: the returns of \(asset) are constant; a variance model cannot be fitted"
    case .nonFiniteReturn(let asset, let index):
      return "garch: return \(index + 1) of \(asset) is not a finite number"
    case .unequalLengths(let asset, let count, let expected):
      return "garch: \(asset) has \(count) returns, the first asset \(expected)"
    case .optimization(let asset, let reason):
      return "garch: the fit of \(asset) failed: \(reason)"
    }
  }
}

/// A GARCH(1,1), GJR-GARCH(1,1,1) or EGARCH(1,1,1) model with a constant mean and normal or
/// unit-variance Student-t innovations, fitted by maximum likelihood to each asset's per-step
/// log returns, with constant conditional correlation (CCC) across assets.
///
/// The model is arch's `arch_model(y, mean="Constant", vol="GARCH"|"EGARCH", p=1, o=0|1, q=1,
/// dist="normal"|"t")` (see `logLikelihood(returns:type:parameters:initialVariance:)` for the
/// recursions): the recursion starts from arch's backcast (the 0.94-weighted mean of the first
/// 75 squared deviations from the sample mean, held fixed), under arch's constraints: `ω > 0`,
/// `α ≥ 0`, `α + γ ≥ 0`, `β ≥ 0`, `α + β + γ/2 < 1` (GARCH, GJR), `0 ≤ β < 1` (EGARCH),
/// `2.05 ≤ ν ≤ 500`. The fit runs on returns scaled to unit sample standard deviation and is
/// reported in per-step decimal units; the log-likelihood is that of the decimal returns
/// (`ln L = ln L_scaled + T ln s`). Standard errors: classic, from the inverse numerical
/// Hessian of the log-likelihood, and robust (Bollerslev and Wooldridge 1992),
/// `H⁻¹ (Σ_t s_t s_tᵀ) H⁻¹` with per-return scores `s_t` by central differences; both carried
/// to decimal units by the delta method. EGARCH's `ω` is reported in the engine's convention,
/// `ω_engine = ω_arch + α (E|z| − √(2/π))`.
///
/// Several assets: each is fitted alone; the CCC correlation (Bollerslev 1990) is the sample
/// correlation of the standardized residuals `(r_t − μ)/σ_t` (the two-step estimator). The
/// total log-likelihood is the joint one of the model the engine simulates, at these
/// estimates: the assets' own plus `correlationLogLikelihood`, so that it compares with a
/// `gbm` or `regime` fit of the same assets. The engine takes one Student-t
/// ν for all assets: with several assets it is the maximum of that joint log-likelihood over ν
/// (`sharedDegreesOfFreedom`), with a profile standard error; each asset's free-ν estimate is
/// in the report.
///
/// The scenario starts from the fitted current state: `initial_variance` is the one-step-ahead
/// variance forecast `σ²_{T+1}` after the last return.
///
/// References: Bollerslev, "Generalized autoregressive conditional heteroskedasticity",
/// J. Econometrics 31, 1986; Glosten, Jagannathan, Runkle, J. Finance 48, 1993; Nelson,
/// Econometrica 59, 1991; Bollerslev and Wooldridge, Econometric Reviews 11, 1992; Bollerslev,
/// Rev. Econ. Stat. 72, 1990; K. Sheppard, arch (Python package), `arch.univariate`.
public struct GARCHFit: CalibratedModel {
  /// The fewest returns a fit accepts.
  public static let minimumObservations = 100

  public let type: GARCHProcess.VolatilityModel
  public let innovationFamily: GARCHInnovationFamily
  public let assets: [String]
  /// Per asset, the fitted parameters in the engine's units.
  public let parameters: [GARCHParameters]
  /// Per asset, the one-step-ahead variance `σ²_{T+1}` after the last return (per step).
  public let varianceForecast: [Double]
  /// Per asset, the conditional volatility `σ_T` of the last return (per step).
  public let lastVolatility: [Double]
  public let fits: [AssetFit]
  public let correlation: [[Double]]?
  /// With several assets and Student-t innovations, each asset's free-ν estimate.
  public let separateDegreesOfFreedom: [Double]?
  /// With several assets, what the correlation adds to the assets' log-likelihoods
  /// (`correlationLogLikelihood`); nil for one asset or a singular correlation.
  public let correlationPart: Double?

  public var modelKey: String { "garch" }
  /// The joint log-likelihood: the assets' own, plus the correlation's part with several.
  public var logLikelihood: Double {
    fits.reduce(0) { $0 + $1.logLikelihood } + (correlationPart ?? 0)
  }
  public var observations: Int { fits.first?.observations ?? 0 }
  public var parameterCount: Int {
    let perAsset = type == .garch ? 4 : 5
    return perAsset * assets.count + (innovationFamily == .studentT ? 1 : 0)
      + assets.count * (assets.count - 1) / 2
  }

  /// The `garch:` block of a scenario's `model:` key.
  public var scenarioModel: String {
    func line(_ p: ModelParameter, _ values: [Double]) -> String {
      "    \(p.key): [" + values.map(yamlNumber).joined(separator: ", ") + "]"
    }
    var lines = ["  garch:", "    \(ModelParameter.garchType.key): \(type.rawValue)"]
    lines.append(line(.garchMean, parameters.map(\.mean)))
    lines.append(line(.omega, parameters.map(\.omega)))
    lines.append(line(.alpha, parameters.map(\.alpha)))
    if type != .garch { lines.append(line(.gamma, parameters.map(\.gamma))) }
    lines.append(line(.beta, parameters.map(\.beta)))
    if let nu = parameters.first?.degreesOfFreedom {
      lines.append(
        "    \(ModelParameter.innovations.key): {\(ModelParameter.degreesOfFreedom.leafKey): "
          + "\(yamlNumber(nu))}")
    } else {
      lines.append("    \(ModelParameter.innovations.key): normal")
    }
    lines.append(line(.initialVariance, varianceForecast))
    // A fit on the stationarity limit starts from its forecast, which the engine accepts once
    // told that the recursion is not covariance-stationary.
    let persistent = parameters.contains { p in
      switch type {
      case .garch: p.alpha + p.beta >= 1
      case .gjr: p.alpha + p.beta + 0.5 * p.gamma >= 1
      case .egarch: abs(p.beta) >= 1
      }
    }
    if persistent { lines.append("    \(ModelParameter.allowNonstationary.key): true") }
    return lines.joined(separator: "\n") + "\n"
  }

  public var report: [String: JSONValue] {
    var forecast: [String: JSONValue] = [:]
    for (a, asset) in assets.enumerated() {
      forecast[asset] = .object([
        "variance_next": .number(varianceForecast[a]),
        "volatility_last": .number(lastVolatility[a]),
      ])
    }
    var report: [String: JSONValue] = [
      "type": .string(type.rawValue),
      "innovations": .string(innovationFamily.rawValue),
      "forecast": .object(forecast),
      "units": .string(
        "per step, decimal log returns; omega a per-step variance (egarch: log-variance "
          + "constant, news centred on E|z| of the innovation law)"),
      "backcast": .string(
        "arch: 0.94-weighted mean of the first 75 squared deviations from the sample mean"),
    ]
    if let separate = separateDegreesOfFreedom {
      report["student_t_choice"] = .string(
        "one ν for all assets, the maximum of "
          + (correlationPart == nil
            ? "the sum of the assets' log-likelihoods (the correlation is singular)"
            : "the joint log-likelihood")
          + " (each asset refitted at every ν); std_error from the profile's curvature")
      report["student_t_per_asset"] = .object(
        Dictionary(
          uniqueKeysWithValues: zip(assets, separate.map { JSONValue.number($0) })))
    }
    if let correlation {
      report["correlation_method"] = .string(
        "constant conditional correlation: sample correlation of standardized residuals")
      report["correlation"] = .array(correlation.map { .array($0.map { .number($0) }) })
      report["loglik_basis"] = .string(logLikelihoodBasis)
      report["loglik_correlation"] = correlationPart.map { .number($0) } ?? .null
    }
    return report
  }

  public var summary: String { makeSummary() }

  /// What the total log-likelihood is, with several assets.
  var logLikelihoodBasis: String {
    correlationPart == nil
      ? "sum of the assets' log-likelihoods: the correlation is singular, so the joint "
        + "density does not exist"
      : "joint: the assets' log-likelihoods plus loglik_correlation, the "
        + (innovationFamily == .normal
          ? "normal" : "multivariate Student-t (one mixing draw per step)")
        + " density of the standardized residuals under the correlation less their margins'"
  }

  /// Fits the model to every asset of `sample`.
  ///
  /// - Throws: `GARCHFitError` for fewer than `minimumObservations` returns, a constant or
  ///   non-finite series, or when no start of the optimizer converged.
  public static func fit(
    _ sample: ReturnSample, type: GARCHProcess.VolatilityModel,
    innovations family: GARCHInnovationFamily
  ) throws(GARCHFitError) -> GARCHFit {
    guard !sample.assets.isEmpty, sample.returns.count == sample.assets.count else {
      throw .noAssets
    }
    let expected = sample.returns[0].count
    for (a, series) in sample.returns.enumerated() {
      let name = sample.assets[a]
      guard series.count == expected else {
        throw .unequalLengths(asset: name, count: series.count, expected: expected)
      }
      guard series.count >= minimumObservations else {
        throw .tooFewObservations(
          asset: name, count: series.count, needed: minimumObservations)
      }
      if let bad = series.firstIndex(where: { !$0.isFinite }) {
        throw .nonFiniteReturn(asset: name, index: bad)
      }
      guard series.contains(where: { $0 != series[0] }) else {
        throw .constantSeries(asset: name)
      }
    }
    var results: [SingleAssetFit] = []
    for (a, series) in sample.returns.enumerated() {
      results.append(
        try SingleAssetFit.fit(
          series, asset: sample.assets[a], type: type, family: family, fixedNu: nil))
    }
    var separate: [Double]? = nil
    var sharedStandardError: Double? = nil
    var sharedAtBound = false
    if family == .studentT && results.count > 1 {
      separate = results.map { $0.parameters.degreesOfFreedom ?? 0 }
      let shared = try sharedDegreesOfFreedom(sample, type: type)
      results = shared.fits
      sharedStandardError = shared.standardError
      sharedAtBound = shared.atBound
    }
    var correlation: [[Double]]? = nil
    var correlationPart: Double? = nil
    if results.count > 1 {
      let residuals = results.map(\.standardizedResiduals)
      let r = sampleCorrelation(residuals)
      correlation = r
      correlationPart = correlationLogLikelihood(
        residuals: residuals, correlation: r,
        degreesOfFreedom: results[0].parameters.degreesOfFreedom)
    }
    var fits = results.map(\.fit)
    if sharedStandardError != nil || sharedAtBound {
      for a in fits.indices {
        for i in fits[a].parameters.indices
        where fits[a].parameters[i].key == ModelParameter.degreesOfFreedom.key {
          fits[a].parameters[i].standardError = sharedStandardError
          fits[a].parameters[i].atBound = sharedAtBound
        }
        if sharedAtBound {
          fits[a].warnings.append(
            "the shared student_t is on its bound \(fits[a].parameters.last?.estimate ?? 0): "
              + "the joint log-likelihood still rises beyond it (no standard error)")
        }
      }
    }
    return GARCHFit(
      type: type, innovationFamily: family, assets: sample.assets,
      parameters: results.map(\.parameters), varianceForecast: results.map(\.varianceNext),
      lastVolatility: results.map(\.volatilityLast), fits: fits,
      correlation: correlation, separateDegreesOfFreedom: separate,
      correlationPart: correlationPart)
  }

  /// The one Student-t ν of several assets that maximizes the joint log-likelihood (the
  /// profile over ν: at each ν every asset is refitted with ν held, the correlation taken from
  /// the standardized residuals, and the assets' log-likelihoods plus
  /// `correlationLogLikelihood` summed), and the fits at it. The search runs on `ln(ν − 2)`:
  /// a grid of 9 points over ν in [2.05, 500], then golden sections around the best to 1e-4.
  /// The standard error is the profile's curvature, `1/√(−J″)` by a central second
  /// difference of step `0.1 (ν − 2)` (nil if J″ ≥ 0).
  static func sharedDegreesOfFreedom(
    _ sample: ReturnSample, type: GARCHProcess.VolatilityModel
  ) throws(GARCHFitError) -> (fits: [SingleAssetFit], standardError: Double?, atBound: Bool) {
    func fits(_ nu: Double) throws(GARCHFitError) -> (joint: Double, fits: [SingleAssetFit]) {
      var fits: [SingleAssetFit] = []
      for (a, series) in sample.returns.enumerated() {
        fits.append(
          try SingleAssetFit.fit(
            series, asset: sample.assets[a], type: type, family: .studentT, fixedNu: nu))
      }
      let residuals = fits.map(\.standardizedResiduals)
      let part = correlationLogLikelihood(
        residuals: residuals, correlation: sampleCorrelation(residuals), degreesOfFreedom: nu)
      let joint = fits.reduce(0) { $0 + $1.fit.logLikelihood } + (part ?? 0)
      return (joint.isFinite ? joint : -.infinity, fits)
    }
    func nu(_ x: Double) -> Double { 2 + exp(x) }
    var cache: [Double: Double] = [:]
    func joint(_ x: Double) throws(GARCHFitError) -> Double {
      if let known = cache[x] { return known }
      let value = try fits(nu(x)).joint
      cache[x] = value
      return value
    }
    let low = log(0.05)
    let high = log(498.0)
    let grid = (0...8).map { low + (high - low) * Double($0) / 8 }
    var values: [Double] = []
    for x in grid { values.append(try joint(x)) }
    let best = values.indices.max { values[$0] < values[$1] } ?? 0
    var a = grid[max(best - 1, 0)]
    var b = grid[min(best + 1, grid.count - 1)]
    let ratio = (5.0.squareRoot() - 1) / 2
    var c = b - ratio * (b - a)
    var d = a + ratio * (b - a)
    while b - a > 1e-4 {
      if try joint(c) >= joint(d) {
        b = d
      } else {
        a = c
      }
      c = b - ratio * (b - a)
      d = a + ratio * (b - a)
    }
    // A maximum within 1e-3 of either end of the range is on arch's bound (2.05 or 500: the
    // profile still rises there): ν takes the bound, with no curvature to give an error.
    if min(0.5 * (a + b) - low, high - 0.5 * (a + b)) < 1e-3 {
      let bound = 0.5 * (a + b) - low < 1e-3 ? nu(low) : nu(high)
      return (try fits(bound).fits, nil, true)
    }
    let x = 0.5 * (a + b)
    let chosen = nu(x)
    let at = try fits(chosen)
    let h = 0.1 * (chosen - 2)
    let up = try fits(chosen + h).joint
    let down = try fits(chosen - h).joint
    let curvature = (up - 2 * at.joint + down) / (h * h)
    let standardError = curvature < 0 && curvature.isFinite ? 1 / (-curvature).squareRoot() : nil
    return (at.fits, standardError, false)
  }

  /// What a constant conditional correlation `R` adds to the sum of the assets'
  /// log-likelihoods: `Σ_t [ln f_R(z_t) − Σ_a ln f(z_{a,t})]`, with `z_t` the standardized
  /// residuals of step t (the Jacobian terms `−ln σ_{a,t}` are in the assets' own). `f_R` is
  /// the joint law the engine simulates, whose margins are the assets' `f`:
  ///
  /// - normal innovations, `N(0, R)`: `ln f_R(z) = −(k/2) ln 2π − ½ ln|R| − ½ zᵀR⁻¹z`;
  /// - Student-t, one mixing draw per step for all assets (a multivariate t with unit
  ///   variances): `ln f_R(z) = ln Γ((ν+k)/2) − ln Γ(ν/2) − (k/2) ln((ν−2)π) − ½ ln|R|
  ///   − ((ν+k)/2) ln(1 + zᵀR⁻¹z/(ν−2))`, and `f` the same with `k = 1`, `R = 1`.
  ///
  /// nil when `R`'s smallest eigenvalue is at most 1e-12 (no joint density).
  ///
  /// Reference: Bollerslev, "Modelling the coherence in short-run nominal exchange rates: a
  /// multivariate generalized ARCH model", Rev. Econ. Stat. 72, 1990 (the Gaussian case);
  /// Kotz and Nadarajah, "Multivariate t distributions and their applications", 2004.
  static func correlationLogLikelihood(
    residuals z: [[Double]], correlation r: [[Double]], degreesOfFreedom nu: Double?
  ) -> Double? {
    let k = r.count
    guard k > 1, let matrix = try? Matrix(r),
      let eigen = try? SymmetricEigen(matrix, vectors: true), let v = eigen.vectors,
      let smallest = eigen.values.first, smallest > 1e-12
    else { return nil }
    let logDeterminant = eigen.values.reduce(0) { $0 + Foundation.log($1) }
    let n = z[0].count
    var total = 0.0
    var point = Array(repeating: 0.0, count: k)
    for t in 0..<n {
      var own = 0.0
      for a in 0..<k {
        point[a] = z[a][t]
        own += point[a] * point[a]
      }
      // zᵀR⁻¹z = Σ_c (v_cᵀz)² / λ_c.
      var quadratic = 0.0
      for (c, lambda) in eigen.values.enumerated() {
        var projection = 0.0
        for a in 0..<k { projection += v[a, c] * point[a] }
        quadratic += projection * projection / lambda
      }
      if let nu {
        var margins = 0.0
        for a in 0..<k { margins += Foundation.log1p(point[a] * point[a] / (nu - 2)) }
        total +=
          -0.5 * (nu + Double(k)) * Foundation.log1p(quadratic / (nu - 2))
          + 0.5 * (nu + 1) * margins
      } else {
        total += -0.5 * (quadratic - own)
      }
    }
    total -= 0.5 * Double(n) * logDeterminant
    if let nu {
      // The constants of the joint density less those of the k margins.
      let kk = Double(k)
      let joint =
        Foundation.lgamma(0.5 * (nu + kk)) - Foundation.lgamma(0.5 * nu)
        - 0.5 * kk * Foundation.log((nu - 2) * Double.pi)
      let margin =
        Foundation.lgamma(0.5 * (nu + 1)) - Foundation.lgamma(0.5 * nu)
        - 0.5 * Foundation.log((nu - 2) * Double.pi)
      total += Double(n) * (joint - kk * margin)
    }
    return total.isFinite ? total : nil
  }

  /// The fitted model as the engine's process (to check the fit is a valid scenario model).
  public func process(initialPrices: [Double]? = nil) throws -> GARCHProcess {
    let n = assets.count
    let corr = try correlation.map { rows throws in
      try CorrelationMatrix(Matrix(rows), expectedDimension: n, repair: .error)
    }
    return try GARCHProcess(
      type: type, initialPrices: initialPrices ?? Array(repeating: 100, count: n),
      mean: parameters.map(\.mean), omega: parameters.map(\.omega),
      alpha: parameters.map(\.alpha), beta: parameters.map(\.beta),
      gamma: type == .garch ? [] : parameters.map(\.gamma),
      innovations: parameters.first?.innovations ?? .normal,
      initialVariance: .given(varianceForecast), correlation: corr)
  }

  func makeSummary() -> String {
    let name: String
    switch type {
    case .garch: name = "GARCH(1,1)"
    case .gjr: name = "GJR-GARCH(1,1,1)"
    case .egarch: name = "EGARCH(1,1,1)"
    }
    let law = innovationFamily == .normal ? "normal" : "Student-t"
    var out = [
      "\(name), constant mean, \(law) innovations: maximum likelihood "
        + "(per-step decimal units)"
    ]
    func cell(_ v: Double?, _ width: Int) -> String {
      SummaryText.cell(v, width, digits: 5)
    }
    for (a, fit) in fits.enumerated() {
      out.append(String(repeating: "=", count: 78))
      out.append(SummaryText.fitLine(assets[a], fit))
      out.append(
        "parameter" + "    estimate".leftPadded(18) + "std err".leftPadded(13)
          + "robust se".leftPadded(13) + "t".leftPadded(9) + "  bound")
      out.append(String(repeating: "-", count: 78))
      for p in fit.parameters {
        let t = p.robustStandardError.map { p.estimate / $0 }
        out.append(
          // The key within its mapping (`student_t` for `innovations.student_t`).
          String(p.key.split(separator: ".").last ?? "").padding(
            toLength: 12, withPad: " ", startingAt: 0) + cell(p.estimate, 15)
            + cell(p.standardError, 13) + cell(p.robustStandardError, 13)
            + (t.map { String(format: "%9.2f", $0) } ?? "        -")
            + (p.atBound ? "  *" : ""))
      }
      for w in fit.warnings { out.append("warning: \(w)") }
    }
    out.append(String(repeating: "=", count: 78))
    out.append(
      "total log-likelihood \(String(format: "%.4f", logLikelihood))   AIC "
        + "\(String(format: "%.4f", aic))   BIC \(String(format: "%.4f", bic))   "
        + "nobs \(observations)   parameters \(parameterCount)")
    if correlation != nil { out.append("(\(logLikelihoodBasis))") }
    out.append("* on a bound or constraint of the parameter space")
    return out.joined(separator: "\n") + "\n"
  }
}

extension String {
  fileprivate func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}

/// A number for a YAML file: Swift's shortest round-trip text, with a decimal point so every
/// YAML resolver reads it as a float (`1e-05` becomes `1.0e-05`).
func yamlNumber(_ x: Double) -> String {
  var text = "\(x)"
  if !text.contains("."), let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
    text.insert(contentsOf: ".0", at: e)
  }
  return text
}

/// The sample correlation of the columns, with a unit diagonal, exact symmetry and entries in
/// [−1, 1]; replaced by the nearest correlation matrix (Higham 2002) should rounding leave it
/// not positive semi-definite.
func sampleCorrelation(_ series: [[Double]]) -> [[Double]] {
  let n = series.count
  let t = series[0].count
  var centred = series
  for a in 0..<n {
    let m = series[a].reduce(0, +) / Double(t)
    var ss = 0.0
    for i in 0..<t {
      centred[a][i] -= m
      ss += centred[a][i] * centred[a][i]
    }
    let s = ss.squareRoot()
    for i in 0..<t { centred[a][i] /= s }
  }
  var c = Array(repeating: Array(repeating: 0.0, count: n), count: n)
  for i in 0..<n {
    c[i][i] = 1
    for j in 0..<i {
      var v = 0.0
      for k in 0..<t { v += centred[i][k] * centred[j][k] }
      v = min(max(v, -1), 1)
      c[i][j] = v
      c[j][i] = v
    }
  }
  if let m = try? Matrix(c), (try? CorrelationMatrix(m, repair: .error)) == nil,
    let repaired = try? CorrelationMatrix(m, repair: .nearest)
  {
    return repaired.matrix.rowArrays
  }
  return c
}
