import Foundation
import Processes

/// The maximum-likelihood fit of one asset (see `GARCHFit`).
struct SingleAssetFit {
  var parameters: GARCHParameters
  var fit: AssetFit
  var varianceNext: Double
  var volatilityLast: Double
  var standardizedResiduals: [Double]

  /// The optimizer's coordinates `u`: GARCH `[μ, ω, α, P, (ν)]`, GJR `[μ, ω, α, δ, P, (ν)]`
  /// with `δ = α + γ` and the persistence `P = α + γ/2 + β`, EGARCH `[μ, ω, α, γ, β, (ν)]`, so
  /// that `α ≥ 0`, `α + γ ≥ 0` and `P ≤ 1` are bounds of a box (the optimizer then stops on
  /// them exactly, and moves along them); `β ≥ 0` (GARCH, GJR), rarely binding, is left to the
  /// objective. Mapped to arch's `θ = [μ, ω, α, γ, β, ν]`.
  struct Layout {
    var type: GARCHProcess.VolatilityModel
    var estimateNu: Bool
    var fixedNu: Double

    var count: Int { (type == .garch ? 4 : 5) + (estimateNu ? 1 : 0) }
    var betaIndex: Int { type == .garch ? 3 : 4 }

    func theta(_ u: [Double]) -> [Double] {
      switch type {
      case .garch:
        return [u[0], u[1], u[2], 0, u[3] - u[2], estimateNu ? u[4] : fixedNu]
      case .gjr:
        let gamma = u[3] - u[2]
        return [u[0], u[1], u[2], gamma, u[4] - u[2] - 0.5 * gamma, estimateNu ? u[5] : fixedNu]
      case .egarch:
        return [u[0], u[1], u[2], u[3], u[4], estimateNu ? u[5] : fixedNu]
      }
    }

    func u(_ theta: [Double]) -> [Double] {
      var u: [Double]
      switch type {
      case .garch: u = [theta[0], theta[1], theta[2], theta[2] + theta[4]]
      case .gjr:
        u = [
          theta[0], theta[1], theta[2], theta[2] + theta[3],
          theta[2] + 0.5 * theta[3] + theta[4],
        ]
      case .egarch: u = [theta[0], theta[1], theta[2], theta[3], theta[4]]
      }
      if estimateNu { u.append(theta[5]) }
      return u
    }

    /// The indices in `θ` of the reported parameters, in the order mean, omega, alpha,
    /// (gamma), beta, (student_t).
    var reported: [Int] {
      (type == .garch ? [0, 1, 2, 4] : [0, 1, 2, 3, 4]) + (estimateNu ? [5] : [])
    }
  }

  static func fit(
    _ returns: [Double], asset: String, type: GARCHProcess.VolatilityModel,
    family: GARCHInnovationFamily, fixedNu: Double?
  ) throws(GARCHFitError) -> SingleAssetFit {
    let n = returns.count
    let count = Double(n)
    let sampleMean = returns.reduce(0, +) / count
    let variance = returns.reduce(0) { $0 + ($1 - sampleMean) * ($1 - sampleMean) } / count
    guard variance > 0 else { throw .constantSeries(asset: asset) }
    // Fit on y = s r, unit sample standard deviation.
    let scale = 1 / variance.squareRoot()
    let y = returns.map { $0 * scale }
    let yMean = sampleMean * scale
    let backcast = archBackcast(y)
    let studentT = family == .studentT
    let kernel = GARCHKernel(type: type, studentT: studentT)
    let layout = Layout(
      type: type, estimateNu: studentT && fixedNu == nil, fixedNu: fixedNu ?? 0)
    let meanSquare = y.reduce(0) { $0 + ($1 - yMean) * ($1 - yMean) } / count

    // The objective computes the gradient in the same pass (it costs less than a second pass)
    // and keeps it for the optimizer's gradient call at the same point.
    let cache = GradientCache()
    func objectiveAndGradient(_ u: [Double]) -> Double {
      let theta = layout.theta(u)
      if type != .egarch && theta[4] < 0 { return .infinity }
      let (ll, g) = y.withUnsafeBufferPointer { kernel.gradient($0, theta, backcast: backcast) }
      guard ll.isFinite else { return .infinity }
      // ∂(−ln L / T)/∂u (GARCH: β = P − α; GJR: γ = δ − α, β = P − α/2 − δ/2).
      var du: [Double]
      switch type {
      case .garch: du = [g[0], g[1], g[2] - g[4], g[4]]
      case .gjr: du = [g[0], g[1], g[2] - g[3] - 0.5 * g[4], g[3] - 0.5 * g[4], g[4]]
      case .egarch: du = [g[0], g[1], g[2], g[3], g[4]]
      }
      if layout.estimateNu { du.append(g[5]) }
      cache.point = u
      cache.gradient = du.map { -$0 / count }
      return -ll / count
    }
    let objective: ([Double]) -> Double = { objectiveAndGradient($0) }
    let gradient: ([Double]) -> [Double] = { u in
      if cache.point != u { _ = objectiveAndGradient(u) }
      return cache.point == u ? cache.gradient : Array(repeating: .nan, count: u.count)
    }

    // Bounds (arch's, on the unit-variance scale).
    var lower: [Double]
    var upper: [Double]
    switch type {
    case .garch:
      lower = [yMean - 10, 1e-8 * meanSquare, 0, 0]
      upper = [yMean + 10, 10 * meanSquare, 1, 1]
    case .gjr:
      lower = [yMean - 10, 1e-8 * meanSquare, 0, 0, 0]
      upper = [yMean + 10, 10 * meanSquare, 1, 3, 1]
    case .egarch:
      let lnv = log(meanSquare)
      lower = [yMean - 10, lnv - log(10000.0), -10, -10, 0]
      upper = [yMean + 10, lnv + log(10000.0), 10, 10, 1]
    }
    if layout.estimateNu {
      lower.append(2.05)
      upper.append(500)
    }
    let starts = startingValues(
      y: y, mean: yMean, backcast: backcast, kernel: kernel, layout: layout,
      meanSquare: meanSquare
    ).map { layout.u($0) }
    // EGARCH's likelihood can rise for thousands of iterations toward beta = 1 on returns
    // that no GARCH effect explains (the README's example): 1,000 stopped every start short.
    let minimizer = BoundedMinimizer(
      lower: lower, upper: upper, options: MinimizationOptions(maximumIterations: 10000))
    let multi: MultiStartResult
    do {
      // Every start explores its basin for a few iterations; the best one is refined.
      multi = try minimizer.minimize(
        objective, starts: starts, screeningIterations: 8, gradient: gradient)
    } catch {
      throw .optimization(asset: asset, reason: error.description)
    }
    let best = multi.best
    let theta = layout.theta(best.point)
    var warnings = multi.warnings

    // Log-likelihood, forecast and standardized residuals at the estimate.
    var variances = Array(repeating: 0.0, count: n)
    let start = kernel.start(theta, backcast: backcast)
    let (llScaled, nextScaled) = y.withUnsafeBufferPointer { data in
      variances.withUnsafeMutableBufferPointer { v in
        kernel.evaluate(data, theta, start: start, variances: v.baseAddress)
      }
    }
    let standardized = (0..<n).map { (y[$0] - theta[0]) / variances[$0].squareRoot() }
    let logScale = log(scale)

    // Standard errors on the fitting scale, in θ restricted to the reported parameters.
    let reported = layout.reported
    let k = reported.count
    let point = reported.map { theta[$0] }
    func full(_ v: [Double]) -> [Double] {
      var t = theta
      for (i, index) in reported.enumerated() { t[index] = v[i] }
      return t
    }
    // EGARCH's news term |z_t| puts a kink in the log-likelihood wherever μ crosses a return,
    // and the estimate tends to sit on one: differences over the default step (about 1e-7 on
    // this scale) then measure the kink, not the curvature, and the standard error of μ came
    // out 6 to 60 times too small. Its step is one naive standard error, 1/√n (the returns
    // have unit variance here): it spans about √n kinks, whose jumps have mean zero and
    // cancel, while the likelihood is quadratic at that scale.
    var steps = gradientSteps(at: point)
    if type == .egarch { steps[0] = max(steps[0], 1 / Double(n).squareRoot()) }
    let hessian = numericalHessian(
      gradient: { v in
        let g = y.withUnsafeBufferPointer { kernel.gradient($0, full(v), backcast: backcast).1 }
        return reported.map { g[$0] }
      }, at: point, steps: steps)
    let information = hessian.map { $0.map { -$0 } }
    var classic: [[Double]]? = nil
    var robust: [[Double]]? = nil
    if information.allSatisfy({ $0.allSatisfy(\.isFinite) }),
      let inverse = inverseOfPositiveDefinite(information)
    {
      classic = inverse
      let outer = scoreOuterProduct(
        y: y, kernel: kernel, backcast: backcast, point: point, steps: steps, full: full)
      if let outer {
        robust = sandwich(inverse, outer)
      }
    } else {
      warnings.append(
        "the Hessian of the log-likelihood is not negative definite at the estimate: "
          + "standard errors are not reported")
    }

    // To decimal units: values and the Jacobian of the map (delta method).
    let nu = studentT ? theta[5] : nil
    let innovations: GARCHProcess.Innovations =
      nu.map { .studentT(degreesOfFreedom: $0) } ?? .normal
    let meanAbsolute = GARCHProcess.expectedAbsolute(innovations)
    var omega = theta[1]
    var jacobian = (0..<k).map { i in (0..<k).map { j in i == j ? 1.0 : 0.0 } }
    jacobian[0][0] = 1 / scale
    switch type {
    case .garch, .gjr:
      omega = theta[1] / (scale * scale)
      jacobian[1][1] = 1 / (scale * scale)
    case .egarch:
      // ln σ²_r = ln σ²_y − 2 ln s: ω_arch = ω_y − 2 (1 − β) ln s; engine centring on E|z|.
      omega =
        theta[1] - 2 * (1 - theta[4]) * logScale + theta[2] * (meanAbsolute - normalMeanAbsolute)
      jacobian[1][4] = 2 * logScale
      jacobian[1][2] = meanAbsolute - normalMeanAbsolute
      if layout.estimateNu, let nu {
        let h = 1e-5 * nu
        let slope =
          (GARCHProcess.expectedAbsolute(.studentT(degreesOfFreedom: nu + h))
            - GARCHProcess.expectedAbsolute(.studentT(degreesOfFreedom: nu - h))) / (2 * h)
        jacobian[1][k - 1] = theta[2] * slope
      }
    }
    let parameters = GARCHParameters(
      mean: theta[0] / scale, omega: omega, alpha: theta[2],
      gamma: type == .garch ? 0 : theta[3], beta: theta[4], degreesOfFreedom: nu)
    let classicDecimal = classic.map { transform($0, jacobian) }
    let robustDecimal = robust.map { transform($0, jacobian) }

    // Bounds and constraints reached.
    var atBound = Array(repeating: false, count: k)
    let onBound = best.boundIndices
    var boundNotes: [String] = []
    // The declared parameters, in the order of u (EGARCH's ω, α, β share GARCH's keys).
    let declared: [ModelParameter] =
      [.garchMean, .omega, .alpha] + (type == .garch ? [] : [.gamma]) + [.beta]
      + (layout.estimateNu ? [.degreesOfFreedom] : [])
    let keys = declared.map(\.key)
    for i in onBound {
      // u and the reported parameters share their order; GJR's δ = α + γ marks gamma.
      atBound[i] = true
      let value = best.point[i]
      if type == .gjr && i == 3 {
        boundNotes.append("alpha + gamma is on its bound 0 (the constraint alpha + gamma >= 0)")
      } else if type != .egarch && i == layout.betaIndex {
        let persistence = theta[2] + theta[4] + 0.5 * theta[3]
        boundNotes.append(
          "the persistence alpha + beta + gamma/2 = \(persistence) is on its bound "
            + "\(value) (at 1 the engine needs allow_nonstationary)")
      } else {
        boundNotes.append("\(keys[i]) is on its bound \(value) (fitting scale)")
      }
    }
    if type != .egarch && theta[4] < 1e-8 {
      atBound[layout.betaIndex] = true
      boundNotes.append("beta is on its bound 0 (the constraint beta >= 0)")
    }
    warnings += boundNotes
    var estimates: [ParameterEstimate] = []
    let values =
      [parameters.mean, parameters.omega, parameters.alpha]
      + (type == .garch ? [] : [parameters.gamma]) + [parameters.beta]
      + (layout.estimateNu ? [nu ?? 0] : [])
    for i in 0..<k {
      let se = classicDecimal.map { $0[i][i] }.flatMap { $0 >= 0 ? $0.squareRoot() : nil }
      let rse = robustDecimal.map { $0[i][i] }.flatMap { $0 >= 0 ? $0.squareRoot() : nil }
      estimates.append(
        ParameterEstimate(
          key: keys[i], estimate: values[i], standardError: se, robustStandardError: rse,
          atBound: atBound[i]))
    }
    if let fixed = fixedNu {
      estimates.append(ParameterEstimate(key: ModelParameter.degreesOfFreedom.key, estimate: fixed))
      warnings.append(
        "student_t held at \(fixed), the joint maximum over the assets (one ν for all assets)")
    }
    if type == .egarch && theta[4] >= 1 - 1e-9 {
      warnings.append("beta is at 1: the engine needs |beta| < 1 (allow_nonstationary)")
    }
    let assetFit = AssetFit(
      asset: asset, parameters: estimates, logLikelihood: llScaled + count * logScale,
      observations: n, iterations: best.iterations, converged: best.converged,
      warnings: warnings)
    return SingleAssetFit(
      parameters: parameters, fit: assetFit, varianceNext: nextScaled / (scale * scale),
      volatilityLast: variances[n - 1].squareRoot() / scale,
      standardizedResiduals: standardized)
  }

  /// arch's starting values, the best of its grid by the Gaussian log-likelihood at the sample
  /// mean, followed by two more: the best grid point with another β, and a common choice.
  static func startingValues(
    y: [Double], mean: Double, backcast: Double, kernel: GARCHKernel, layout: Layout,
    meanSquare: Double
  ) -> [[Double]] {
    let gaussian = GARCHKernel(type: kernel.type, studentT: false)
    var candidates: [(theta: [Double], ll: Double, beta: Double)] = []
    let alphas = [0.01, 0.05, 0.1, 0.2]
    switch kernel.type {
    case .garch, .gjr:
      let gammas = kernel.type == .gjr ? alphas : [0.0]
      for alpha in alphas {
        for gamma in gammas {
          for agb in [0.5, 0.7, 0.9, 0.98] {
            let beta = agb - alpha - 0.5 * gamma
            candidates.append(([mean, (1 - agb) * meanSquare, alpha, gamma, beta, 0], 0, beta))
          }
        }
      }
    case .egarch:
      let target = log(meanSquare)
      for alpha in alphas {
        for gamma in [-0.1, 0.0, 0.1] {
          for beta in [0.5, 0.7, 0.9, 0.98] {
            candidates.append(([mean, (1 - beta) * target, alpha, gamma, beta, 0], 0, beta))
          }
        }
      }
    }
    for i in candidates.indices {
      let theta = candidates[i].theta
      let start = gaussian.start(theta, backcast: backcast)
      let ll = y.withUnsafeBufferPointer { gaussian.evaluate($0, theta, start: start).0 }
      candidates[i].ll = ll.isFinite && theta[4] >= 0 ? ll : -.infinity
    }
    candidates.sort { $0.ll > $1.ll }
    var chosen = [candidates[0].theta]
    if let other = candidates.first(where: { $0.beta != candidates[0].beta && $0.ll > -.infinity })
    {
      chosen.append(other.theta)
    }
    switch kernel.type {
    case .garch: chosen.append([mean, 0.05 * meanSquare, 0.08, 0, 0.9, 0])
    case .gjr: chosen.append([mean, 0.05 * meanSquare, 0.03, 0.1, 0.9, 0])
    case .egarch: chosen.append([mean, 0.02 * log(meanSquare), 0.1, -0.1, 0.97, 0])
    }
    if layout.estimateNu {
      // arch: from the kurtosis k of the standardized residuals, max((4k − 6)/(k − 3), 4),
      // 12 when k ≤ 3.75.
      let first = chosen[0]
      var variances = Array(repeating: 0.0, count: y.count)
      let start = gaussian.start(first, backcast: backcast)
      _ = y.withUnsafeBufferPointer { data in
        variances.withUnsafeMutableBufferPointer { v in
          gaussian.evaluate(data, first, start: start, variances: v.baseAddress)
        }
      }
      let z = (0..<y.count).map { (y[$0] - mean) / variances[$0].squareRoot() }
      let zMean = z.reduce(0, +) / Double(z.count)
      var m2 = 0.0
      var m4 = 0.0
      for v in z {
        let d = (v - zMean) * (v - zMean)
        m2 += d
        m4 += d * d
      }
      m2 /= Double(z.count)
      m4 /= Double(z.count)
      let kurtosis = m4 / (m2 * m2)
      let nu = kurtosis > 3.75 ? max((4 * kurtosis - 6) / (kurtosis - 3), 4) : 12
      let nus = [nu, 8, nu]
      for i in chosen.indices { chosen[i][5] = nus[i] }
    } else {
      for i in chosen.indices { chosen[i][5] = layout.fixedNu }
    }
    return chosen
  }

  /// `Σ_t s_t s_tᵀ` with per-return scores `s_t` by central differences of `steps`; nil if a
  /// score is not finite.
  static func scoreOuterProduct(
    y: [Double], kernel: GARCHKernel, backcast: Double, point: [Double], steps: [Double],
    full: ([Double]) -> [Double]
  ) -> [[Double]]? {
    let n = y.count
    let k = point.count
    var scores = Array(repeating: Array(repeating: 0.0, count: n), count: k)
    var up = Array(repeating: 0.0, count: n)
    var down = Array(repeating: 0.0, count: n)
    func perReturn(_ theta: [Double], into out: inout [Double]) -> Double {
      let start = kernel.start(theta, backcast: backcast)
      return y.withUnsafeBufferPointer { data in
        out.withUnsafeMutableBufferPointer { o in
          kernel.evaluate(data, theta, start: start, individual: o.baseAddress).0
        }
      }
    }
    for i in 0..<k {
      let h = steps[i]
      var p = point
      p[i] = point[i] + h
      guard perReturn(full(p), into: &up).isFinite else { return nil }
      p[i] = point[i] - h
      guard perReturn(full(p), into: &down).isFinite else { return nil }
      for t in 0..<n { scores[i][t] = (up[t] - down[t]) / (2 * h) }
    }
    var outer = Array(repeating: Array(repeating: 0.0, count: k), count: k)
    for i in 0..<k {
      for j in 0...i {
        var v = 0.0
        for t in 0..<n { v += scores[i][t] * scores[j][t] }
        outer[i][j] = v
        outer[j][i] = v
      }
    }
    return outer
  }
}

/// The gradient at the point of the last finite objective value.
private final class GradientCache {
  var point: [Double] = []
  var gradient: [Double] = []
}

/// `A B A` for symmetric `A`, `B`.
func sandwich(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
  transform(b, a)
}

/// `J C Jᵀ`.
func transform(_ c: [[Double]], _ j: [[Double]]) -> [[Double]] {
  let n = j.count
  let m = c.count
  var jc = Array(repeating: Array(repeating: 0.0, count: m), count: n)
  for i in 0..<n {
    for l in 0..<m {
      var v = 0.0
      for r in 0..<m { v += j[i][r] * c[r][l] }
      jc[i][l] = v
    }
  }
  var out = Array(repeating: Array(repeating: 0.0, count: n), count: n)
  for i in 0..<n {
    for l in 0..<n {
      var v = 0.0
      for r in 0..<m { v += jc[i][r] * j[l][r] }
      out[i][l] = v
    }
  }
  return out
}
