import Foundation
import Processes

/// The law of the standardized innovations of a GARCH fit.
public enum GARCHInnovationFamily: String, Sendable, CaseIterable {
  /// Standard normal.
  case normal
  /// Student-t scaled to unit variance, degrees of freedom estimated (`student_t`).
  case studentT = "student_t"
}

/// GARCH(1,1)-family parameters of one asset in the engine's units and conventions: per-step
/// decimal log returns, `mean` per step, `omega` a per-step variance constant (GARCH, GJR) or
/// the constant of the log-variance recursion with the news term centred on `E|z|` of the
/// innovation law (EGARCH), as in `GARCHProcess`.
public struct GARCHParameters: Sendable, Equatable {
  public var mean: Double
  public var omega: Double
  public var alpha: Double
  /// The asymmetry (GJR, EGARCH); 0 for GARCH.
  public var gamma: Double
  public var beta: Double
  /// The Student-t degrees of freedom; nil for normal innovations.
  public var degreesOfFreedom: Double?

  public init(
    mean: Double, omega: Double, alpha: Double, gamma: Double = 0, beta: Double,
    degreesOfFreedom: Double? = nil
  ) {
    self.mean = mean
    self.omega = omega
    self.alpha = alpha
    self.gamma = gamma
    self.beta = beta
    self.degreesOfFreedom = degreesOfFreedom
  }

  /// The innovation law, as `GARCHProcess` takes it.
  public var innovations: GARCHProcess.Innovations {
    degreesOfFreedom.map { .studentT(degreesOfFreedom: $0) } ?? .normal
  }
}

/// The Gaussian EGARCH centring `E|z| = √(2/π)` that arch uses for every innovation law.
let normalMeanAbsolute = (2 / Double.pi).squareRoot()

/// arch's backcast of the variance recursion: `Σ_{i<τ} w_i e_i²` with `w_i ∝ 0.94^i`,
/// `τ = min(75, T)`, `e` the deviations of the returns from their sample mean.
func archBackcast(_ returns: [Double]) -> Double {
  let mean = returns.reduce(0, +) / Double(returns.count)
  let tau = min(75, returns.count)
  var weight = 1.0
  var total = 0.0
  var sum = 0.0
  for i in 0..<tau {
    let e = returns[i] - mean
    sum += weight * e * e
    total += weight
    weight *= 0.94
  }
  return sum / total
}

/// The log-likelihood of a GARCH(1,1)-family model with a constant mean, in arch's
/// parametrization (`arch_model(..., mean="Constant", p=1, o=0|1, q=1)`): for GARCH and GJR
///
///     σ²_t = ω + (α + γ 1[ε_{t−1} < 0]) ε²_{t−1} + β σ²_{t−1},   ε_t = y_t − μ
///
/// and for EGARCH (Nelson 1991, with arch's Gaussian centring)
///
///     ln σ²_t = ω + α (|z_{t−1}| − √(2/π)) + γ z_{t−1} + β ln σ²_{t−1},   z_t = ε_t / σ_t
///
/// summing `ln f(ε_t / σ_t) − ½ ln σ²_t` with `f` the standard normal or unit-variance
/// Student-t density. `start` is `σ²_1` (GARCH, GJR) or `ln σ²_1` (EGARCH). The inner loop does
/// not allocate; logarithms of the normal and t terms are taken of running products, flushed
/// long before they could leave the range of a `Double`.
struct GARCHKernel {
  var type: GARCHProcess.VolatilityModel
  var studentT: Bool

  /// `θ = [μ, ω, α, γ, β, ν]` (γ ignored for GARCH, ν for normal). Returns the log-likelihood
  /// (−∞ where a variance is not positive and finite) and the variance of the step after the
  /// last return; fills `individual` (per-return log-likelihood) and `variances` (σ²_t) when
  /// given.
  func evaluate(
    _ data: UnsafeBufferPointer<Double>, _ theta: [Double], start: Double,
    individual: UnsafeMutablePointer<Double>? = nil,
    variances: UnsafeMutablePointer<Double>? = nil
  ) -> (logLikelihood: Double, next: Double) {
    let mu = theta[0]
    let omega = theta[1]
    let alpha = theta[2]
    let gamma = type == .garch ? 0 : theta[3]
    let beta = theta[4]
    let nu = theta[5]
    let n = data.count
    let halfLogTwoPi = 0.5 * log(2 * Double.pi)
    // Student-t: ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(π(ν−2)) − ½ ln σ² − (ν+1)/2 ln(1 + ε²/(σ²(ν−2))).
    let tConstant =
      studentT ? lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(Double.pi * (nu - 2)) : 0
    let tPower = (nu + 1) / 2
    let tScale = studentT ? 1 / (nu - 2) : 0
    if studentT && !(nu > 2) { return (-.infinity, .nan) }
    var quadratic = 0.0  // Σ ε²/σ² (normal)
    var logVariance = 0.0  // Σ ln σ², from running products
    var logTail = 0.0  // Σ ln(1 + z²/(ν−2)), from running products
    var product = 1.0
    var tailProduct = 1.0
    let large = 1e150
    let small = 1e-150
    switch type {
    case .garch, .gjr:
      var h = start
      for t in 0..<n {
        guard h > 0 && h < .infinity else { return (-.infinity, .nan) }
        let e = data[t] - mu
        let e2 = e * e
        let ratio = e2 / h
        if studentT {
          let term = 1 + ratio * tScale
          if let individual {
            individual[t] = tConstant - 0.5 * log(h) - tPower * log(term)
          }
          tailProduct *= term
          if tailProduct > large {
            logTail += log(tailProduct)
            tailProduct = 1
          }
        } else {
          quadratic += ratio
          if let individual { individual[t] = -halfLogTwoPi - 0.5 * (log(h) + ratio) }
        }
        product *= h
        if product > large || product < small {
          logVariance += log(product)
          product = 1
        }
        variances?[t] = h
        h = omega + (alpha + (e < 0 ? gamma : 0)) * e2 + beta * h
      }
      logVariance += log(product)
      logTail += log(tailProduct)
      let total =
        studentT
        ? Double(n) * tConstant - 0.5 * logVariance - tPower * logTail
        : -Double(n) * halfLogTwoPi - 0.5 * (logVariance + quadratic)
      let next = h > 0 && h < .infinity ? h : .nan
      return (total.isNaN ? -.infinity : total, next)
    case .egarch:
      var lnh = start
      var sumLogVariance = 0.0
      for t in 0..<n {
        guard lnh < 700 && lnh > -700 else { return (-.infinity, .nan) }
        let e = data[t] - mu
        let z = e * exp(-0.5 * lnh)
        let z2 = z * z
        sumLogVariance += lnh
        if studentT {
          let term = 1 + z2 * tScale
          if let individual { individual[t] = tConstant - 0.5 * lnh - tPower * log(term) }
          tailProduct *= term
          if tailProduct > large {
            logTail += log(tailProduct)
            tailProduct = 1
          }
        } else {
          quadratic += z2
          if let individual { individual[t] = -halfLogTwoPi - 0.5 * (lnh + z2) }
        }
        variances?[t] = exp(lnh)
        lnh = omega + alpha * (abs(z) - normalMeanAbsolute) + gamma * z + beta * lnh
      }
      logTail += log(tailProduct)
      let total =
        studentT
        ? Double(n) * tConstant - 0.5 * sumLogVariance - tPower * logTail
        : -Double(n) * halfLogTwoPi - 0.5 * (sumLogVariance + quadratic)
      let next = lnh < 700 && lnh > -700 ? exp(lnh) : .nan
      return (total.isNaN ? -.infinity : total, next)
    }
  }

  /// arch's start of the recursion from the backcast `b` (a variance): `σ²_1 = ω + (α + γ/2 +
  /// β) b` (GARCH, GJR), `ln σ²_1 = ω + β ln b` (EGARCH).
  func start(_ theta: [Double], backcast: Double) -> Double {
    switch type {
    case .garch: return theta[1] + (theta[2] + theta[4]) * backcast
    case .gjr: return theta[1] + (theta[2] + 0.5 * theta[3] + theta[4]) * backcast
    case .egarch: return theta[1] + theta[4] * log(backcast)
    }
  }
}

extension GARCHFit {
  /// The log-likelihood of per-step decimal log returns under GARCH(1,1)-family parameters in
  /// the engine's conventions (the model `GARCHProcess` simulates), the recursion the fit
  /// maximizes:
  ///
  ///     r_t = μ + σ_t z_t,  z_t ~ N(0, 1) or unit-variance Student-t(ν)
  ///     GARCH/GJR: σ²_{t+1} = ω + (α + γ 1[ε_t < 0]) ε_t² + β σ²_t
  ///     EGARCH:    ln σ²_{t+1} = ω + α (|z_t| − E|z|) + γ z_t + β ln σ²_t
  ///
  /// with `E|z|` of the innovation law, and `ln L = Σ_t [ln f(z_t) − ½ ln σ²_t]`.
  ///
  /// - Parameters:
  ///   - initialVariance: `σ²_1`, the variance of the first return; when nil, arch's backcast
  ///     as in the fit (`b` = the 0.94-weighted mean of the first 75 squared deviations from the
  ///     sample mean; `σ²_1 = ω + (α + γ/2 + β) b`, EGARCH `ln σ²_1 = ω + β ln b`, with arch's
  ///     EGARCH constant `ω − α (E|z| − √(2/π))`).
  /// - Returns: the log-likelihood, `−∞` where a variance is not positive and finite.
  public static func logLikelihood(
    returns: [Double], type: GARCHProcess.VolatilityModel, parameters p: GARCHParameters,
    initialVariance: Double? = nil
  ) -> Double {
    guard !returns.isEmpty else { return 0 }
    let kernel = GARCHKernel(type: type, studentT: p.degreesOfFreedom != nil)
    let theta = archTheta(type: type, parameters: p)
    let start: Double
    if let v = initialVariance {
      start = type == .egarch ? log(v) : v
    } else {
      start = kernel.start(theta, backcast: archBackcast(returns))
    }
    return returns.withUnsafeBufferPointer { kernel.evaluate($0, theta, start: start).0 }
  }

  /// `[μ, ω, α, γ, β, ν]` in arch's parametrization (EGARCH ω centred on √(2/π)).
  static func archTheta(type: GARCHProcess.VolatilityModel, parameters p: GARCHParameters)
    -> [Double]
  {
    var omega = p.omega
    if type == .egarch {
      omega -= p.alpha * (GARCHProcess.expectedAbsolute(p.innovations) - normalMeanAbsolute)
    }
    return [p.mean, omega, p.alpha, type == .garch ? 0 : p.gamma, p.beta, p.degreesOfFreedom ?? 0]
  }
}

extension GARCHKernel {
  /// The log-likelihood and its analytic gradient with respect to `θ = [μ, ω, α, γ, β, ν]`
  /// (zeros for the parameters the model lacks), the recursion started from arch's backcast
  /// `b` (`start(_:backcast:)`), held fixed. The derivatives of `σ²_t` (GARCH, GJR) or
  /// `ln σ²_t` (EGARCH) follow their own recursions alongside the variance (Fiorentini,
  /// Calzolari, Panattoni, J. Applied Econometrics 11, 1996); no allocation in the loop.
  func gradient(_ data: UnsafeBufferPointer<Double>, _ theta: [Double], backcast b: Double)
    -> (logLikelihood: Double, gradient: [Double])
  {
    let failed = (-Double.infinity, [Double](repeating: .nan, count: 6))
    let mu = theta[0]
    let omega = theta[1]
    let alpha = theta[2]
    let gamma = type == .garch ? 0 : theta[3]
    let beta = theta[4]
    let nu = theta[5]
    if studentT && !(nu > 2) { return failed }
    let n = data.count
    let tScale = studentT ? 1 / (nu - 2) : 0
    let c = (nu + 1) / 2
    var logVariance = 0.0
    var logTail = 0.0
    var quadratic = 0.0
    var product = 1.0
    var tailProduct = 1.0
    var gMu = 0.0
    var gOmega = 0.0
    var gAlpha = 0.0
    var gGamma = 0.0
    var gBeta = 0.0
    var gNu = 0.0
    let large = 1e150
    let small = 1e-150
    switch type {
    case .garch, .gjr:
      var h = start(theta, backcast: b)
      var dMu = 0.0
      var dOmega = 1.0
      var dAlpha = b
      var dGamma = type == .gjr ? 0.5 * b : 0
      var dBeta = b
      for t in 0..<n {
        guard h > 0 && h < .infinity else { return failed }
        let e = data[t] - mu
        let e2 = e * e
        let inverse = 1 / h
        let dldh: Double
        let direct: Double
        if studentT {
          let q = e2 * inverse * tScale
          let term = 1 + q
          let share = q / term
          dldh = (-0.5 + c * share) * inverse
          direct = 2 * c * e * inverse * tScale / term
          gNu += share
          tailProduct *= term
          if tailProduct > large {
            logTail += log(tailProduct)
            tailProduct = 1
          }
        } else {
          let r = e2 * inverse
          quadratic += r
          dldh = -0.5 * (1 - r) * inverse
          direct = e * inverse
        }
        product *= h
        if product > large || product < small {
          logVariance += log(product)
          product = 1
        }
        gMu += direct + dldh * dMu
        gOmega += dldh * dOmega
        gAlpha += dldh * dAlpha
        gGamma += dldh * dGamma
        gBeta += dldh * dBeta
        let negative = e < 0 && type == .gjr
        let a = alpha + (negative ? gamma : 0)
        dMu = -2 * a * e + beta * dMu
        dOmega = 1 + beta * dOmega
        dAlpha = e2 + beta * dAlpha
        dGamma = (negative ? e2 : 0) + beta * dGamma
        dBeta = h + beta * dBeta
        h = omega + a * e2 + beta * h
      }
    case .egarch:
      var lnh = start(theta, backcast: b)
      var dMu = 0.0
      var dOmega = 1.0
      var dAlpha = 0.0
      var dGamma = 0.0
      var dBeta = log(b)
      var sumLogVariance = 0.0
      for t in 0..<n {
        guard lnh < 700 && lnh > -700 else { return failed }
        let e = data[t] - mu
        let s = exp(-0.5 * lnh)
        let z = e * s
        let z2 = z * z
        sumLogVariance += lnh
        let dldl: Double  // ∂ℓ/∂ ln σ²
        let direct: Double  // ∂ℓ/∂μ at fixed σ²
        if studentT {
          let q = z2 * tScale
          let term = 1 + q
          let share = q / term
          dldl = -0.5 + c * share
          direct = 2 * c * z * s * tScale / term
          gNu += share
          tailProduct *= term
          if tailProduct > large {
            logTail += log(tailProduct)
            tailProduct = 1
          }
        } else {
          quadratic += z2
          dldl = -0.5 * (1 - z2)
          direct = z * s
        }
        gMu += direct + dldl * dMu
        gOmega += dldl * dOmega
        gAlpha += dldl * dAlpha
        gGamma += dldl * dGamma
        gBeta += dldl * dBeta
        // ∂z/∂x = −z/2 ∂lnσ²/∂x (− s for μ); the news g(z) = α(|z| − √(2/π)) + γ z.
        let slope = (z > 0 ? alpha : z < 0 ? -alpha : 0) + gamma
        let half = -0.5 * z * slope
        let absz = abs(z)
        dMu = half * dMu - slope * s + beta * dMu
        dOmega = 1 + half * dOmega + beta * dOmega
        dAlpha = (absz - normalMeanAbsolute) + half * dAlpha + beta * dAlpha
        dGamma = z + half * dGamma + beta * dGamma
        dBeta = lnh + half * dBeta + beta * dBeta
        lnh = omega + alpha * (absz - normalMeanAbsolute) + gamma * z + beta * lnh
      }
      logVariance = sumLogVariance
    }
    if type != .egarch { logVariance += log(product) }
    logTail += log(tailProduct)
    let count = Double(n)
    let total: Double
    if studentT {
      let constant = lgamma(c) - lgamma(nu / 2) - 0.5 * log(Double.pi * (nu - 2))
      total = count * constant - 0.5 * logVariance - c * logTail
      // ∂/∂ν: n C'(ν) − ½ Σ ln(1 + q_t) + c/(ν − 2) Σ q_t/(1 + q_t).
      let derivative = 0.5 * digamma(c) - 0.5 * digamma(nu / 2) - 0.5 * tScale
      gNu = count * derivative - 0.5 * logTail + c * tScale * gNu
    } else {
      total = -count * 0.5 * log(2 * Double.pi) - 0.5 * (logVariance + quadratic)
      gNu = 0
    }
    guard total.isFinite else { return failed }
    return (total, [gMu, gOmega, gAlpha, type == .garch ? 0 : gGamma, gBeta, gNu])
  }
}

/// The digamma function ψ(x) for x > 0: recurrence up to x ≥ 6, then the asymptotic series
/// (Abramowitz and Stegun 6.3.18), error below 1e-13.
func digamma(_ x: Double) -> Double {
  var x = x
  var result = 0.0
  while x < 6 {
    result -= 1 / x
    x += 1
  }
  let f = 1 / (x * x)
  result +=
    log(x) - 0.5 / x
    - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))))
  return result
}
