import Foundation

/// The parameters of Merton's (1976) jump-diffusion for one asset, in a scenario file's units:
/// `drift` μ and `volatility` σ annualized, `intensity` λ in jumps per year, and the normal law
/// `N(jumpMean, jumpStandardDeviation²)` of one log jump.
public struct MertonParameters: Sendable, Equatable {
  public var drift: Double
  public var volatility: Double
  public var intensity: Double
  public var jumpMean: Double
  public var jumpStandardDeviation: Double

  public init(
    drift: Double, volatility: Double, intensity: Double, jumpMean: Double,
    jumpStandardDeviation: Double
  ) {
    self.drift = drift
    self.volatility = volatility
    self.intensity = intensity
    self.jumpMean = jumpMean
    self.jumpStandardDeviation = jumpStandardDeviation
  }

  /// The compensator `κ = E[e^Y] − 1 = exp(m + d²/2) − 1`.
  public var compensator: Double {
    exp(jumpMean + 0.5 * jumpStandardDeviation * jumpStandardDeviation) - 1
  }
}

/// The parameters of Kou's (2002) double-exponential jump-diffusion for one asset, in a scenario
/// file's units: `drift` μ and `volatility` σ annualized, `intensity` λ in jumps per year; a
/// log jump is `+Exp` with mean `upMean` (`1/η₁`) with probability `upProbability`, else `−Exp`
/// with mean `downMean` (`1/η₂`).
public struct KouParameters: Sendable, Equatable {
  public var drift: Double
  public var volatility: Double
  public var intensity: Double
  public var upProbability: Double
  public var upMean: Double
  public var downMean: Double

  public init(
    drift: Double, volatility: Double, intensity: Double, upProbability: Double, upMean: Double,
    downMean: Double
  ) {
    self.drift = drift
    self.volatility = volatility
    self.intensity = intensity
    self.upProbability = upProbability
    self.upMean = upMean
    self.downMean = downMean
  }

  /// The compensator `κ = p/(1 − up_mean) + (1 − p)/(1 + down_mean) − 1` (needs `up_mean < 1`).
  public var compensator: Double {
    upProbability / (1 - upMean) + (1 - upProbability) / (1 + downMean) - 1
  }
}

/// The omitted Poisson mass below which the jump count of a step is truncated in the densities.
public let jumpCountTruncation = 1e-12

/// `P(N = n)` for `N ~ Poisson(mean)`, `n = 0…n_max`, with `n_max` the first count whose
/// omitted upper tail `P(N > n_max)` is below `jumpCountTruncation` (a single term for a zero
/// mean).
func truncatedPoissonWeights(mean: Double) -> [Double] {
  guard mean > 0 else { return [1] }
  var weights: [Double] = []
  var term = exp(-mean)
  var cumulative = 0.0
  var n = 0
  // The tail is summed from the mode on, where the terms decrease, to avoid 1 − (1 − ε).
  while true {
    weights.append(term)
    cumulative += term
    if Double(n) > mean {
      // Upper tail beyond n, bounded by a geometric series of ratio mean/(n + 2).
      let next = term * mean / Double(n + 1)
      let ratio = mean / Double(n + 2)
      if next / (1 - ratio) < jumpCountTruncation { break }
    }
    if n > 100_000 { break }
    n += 1
    term *= mean / Double(n)
  }
  return weights
}

/// `ln Σ exp(terms)`, ignoring `-∞` terms.
@inline(__always)
func logSumExp(_ terms: UnsafeBufferPointer<Double>) -> Double {
  var largest = -Double.infinity
  for t in terms where t > largest { largest = t }
  guard largest > -.infinity else { return -.infinity }
  if largest == .infinity { return .infinity }
  var sum = 0.0
  for t in terms { sum += exp(t - largest) }
  return largest + log(sum)
}

private let halfLogTwoPi = 0.5 * log(2 * Double.pi)

// MARK: - Merton

/// The log-densities of per-step log returns under Merton's jump-diffusion,
///
///     f(x) = Σ_n P(N = n) φ(x; c + n m, s² + n d²),
///
/// `c = (μ − λκ − σ²/2) dt`, `s² = σ² dt`, `N ~ Poisson(λ dt)` truncated where the omitted mass
/// is below `jumpCountTruncation` (Merton 1976; Press 1967).
///
/// - Returns: per return, `ln f(x_t)`; `-∞` or NaN for parameters outside the model.
public func mertonLogDensities(
  _ returns: [Double], parameters q: MertonParameters, timeStep dt: Double
) -> [Double] {
  let c = (q.drift - q.intensity * q.compensator - 0.5 * q.volatility * q.volatility) * dt
  let s2 = q.volatility * q.volatility * dt
  let d2 = q.jumpStandardDeviation * q.jumpStandardDeviation
  let weights = truncatedPoissonWeights(mean: q.intensity * dt)
  let count = weights.count
  var logWeight = [Double](repeating: 0, count: count)
  var inverseVariance = [Double](repeating: 0, count: count)
  var location = [Double](repeating: 0, count: count)
  for n in 0..<count {
    let v = s2 + Double(n) * d2
    logWeight[n] = log(weights[n]) - halfLogTwoPi - 0.5 * log(v)
    inverseVariance[n] = 1 / v
    location[n] = c + Double(n) * q.jumpMean
  }
  var out = [Double](repeating: 0, count: returns.count)
  var terms = [Double](repeating: 0, count: count)
  terms.withUnsafeMutableBufferPointer { t in
    for (i, x) in returns.enumerated() {
      for n in 0..<count {
        let y = x - location[n]
        t[n] = logWeight[n] - 0.5 * y * y * inverseVariance[n]
      }
      out[i] = logSumExp(UnsafeBufferPointer(t))
    }
  }
  return out
}

/// The log-likelihood `Σ_t ln f(x_t)` of per-step log returns under Merton's jump-diffusion
/// (see `mertonLogDensities(_:parameters:timeStep:)`): the law the engine's `JumpDiffusion`
/// simulates a step from.
public func mertonLogLikelihood(
  _ returns: [Double], parameters: MertonParameters, timeStep: Double
) -> Double {
  mertonLogDensities(returns, parameters: parameters, timeStep: timeStep).reduce(0, +)
}

// MARK: - Kou

/// The scaled Hermite functions `G_n(z) = e^{z²/2} Hh_n(z) = (1/n!) ∫₀^∞ uⁿ e^{−zu − u²/2} du`
/// for `n = 0…count−1`, as logarithms, where `Hh_n` are the functions of Kou (2002, eq. B.2;
/// Abramowitz and Stegun 7.2.11), `n Hh_n = Hh_{n−2} − z Hh_{n−1}`, `Hh_{−1}(z) = e^{−z²/2}`,
/// `Hh_0(z) = √(2π) Φ(−z)`.
///
/// For `z < 0` the forward recursion adds positive terms and is stable; it runs on `Hh_n` and the
/// result is `ln Hh_n(z)` (flag `scaled` false: the caller adds `z²/2`, which can be huge).
/// For small `z ≥ 0` the forward recursion on `G_n` loses about `2 z √n / ln 10` digits, which
/// is accepted up to `e¹²` (relative error about 10⁻¹¹). Otherwise `Hh_n(z)` is the minimal solution of the recursion and
/// the ratios `r_n = G_n/G_{n−1} = 1/(z + (n + 1) r_{n+1})` are computed backwards (a continued
/// fraction, Gautschi 1967), started far enough above `count` at their asymptotic value
/// `2/(z + √(z² + 4(n + 1)))` that the start's error is damped by `e^{−25}`; `G_{−1} = 1`.
///
/// - Returns: whether the values are `ln G_n` (true) or `ln Hh_n` (false).
@inline(__always)
func logScaledHermite(_ z: Double, count: Int, into out: UnsafeMutableBufferPointer<Double>)
  -> Bool
{
  if z < 0 {
    var previous = exp(-0.5 * z * z)
    var current = (Double.pi / 2).squareRoot() * erfc(z / 2.0.squareRoot())
    out[0] = log(current)
    if count > 1 {
      for n in 1..<count {
        let next = (previous - z * current) / Double(n)
        previous = current
        current = next
        out[n] = log(current)
      }
    }
    return false
  }
  if 2 * z * Double(count).squareRoot() <= 12 {
    var previous = 1.0
    var current = (Double.pi / 2).squareRoot() * exp(0.5 * z * z) * erfc(z / 2.0.squareRoot())
    out[0] = log(current)
    var stable = true
    if count > 1 {
      for n in 1..<count {
        let next = (previous - z * current) / Double(n)
        if !(next > 0) {
          stable = false
          break
        }
        previous = current
        current = next
        out[n] = log(current)
      }
    }
    if stable { return true }
  }
  // Backward ratios from m, chosen so that Π (n + 1) r_n² ≈ Π (1 − z r_n) < e^{−25}: with
  // q_n = √(z² + 4n), Σ_{count}^{m} z r_n ≥ ∫ z q/(z + q) dq = z [q − z ln(z + q)] between
  // q_count and q_m; q_m solves that = 25 by a few fixed-point steps.
  let qc = (z * z + 4 * Double(count)).squareRoot()
  var qm = qc + 25 / z
  for _ in 0..<4 { qm = qc + 25 / z + z * log((z + qm) / (z + qc)) }
  let m = count + 1 + Int(min(((qm * qm - z * z) / 4 - Double(count)).rounded(.up), 100_000))
  var ratio = 2 / (z + (z * z + 4 * Double(m + 1)).squareRoot())
  var n = m
  while n >= count {
    ratio = 1 / (z + Double(n + 1) * ratio)
    n -= 1
  }
  // ratio = r_count; continue to r_0, keeping the logs of r_0 … r_{count−1}.
  while n >= 0 {
    ratio = 1 / (z + Double(n + 1) * ratio)
    out[n] = log(ratio)
    n -= 1
  }
  for k in 1..<max(count, 1) { out[k] += out[k - 1] }
  return true
}

/// The log-densities of `s Z + Γ(k, η)` (a normal plus a Gamma sum of `k` exponentials of rate
/// `η`) at `y`, `k = 1…count`, into `out[0..<count]`:
///
///     f_k(y) = ηᵏ s^{k−1} e^{η²s²/2 − ηy} Hh_{k−1}(ηs − y/s) / √(2π)     (Kou 2002, Prop. B.3)
///
/// evaluated as `ηᵏ s^{k−1} e^{−y²/(2s²)} G_{k−1}(z) / √(2π)` for `z = ηs − y/s ≥ 0`.
@inline(__always)
func logNormalGammaDensities(
  _ y: Double, s: Double, rate eta: Double, count: Int,
  into out: UnsafeMutableBufferPointer<Double>
) {
  guard count > 0 else { return }
  let z = eta * s - y / s
  let scaled = logScaledHermite(z, count: count, into: out)
  let exponent = scaled ? -0.5 * (y / s) * (y / s) : 0.5 * eta * eta * s * s - eta * y
  let logEta = log(eta)
  let logS = log(s)
  for k in 1...count {
    out[k - 1] += Double(k) * logEta + Double(k - 1) * logS - halfLogTwoPi + exponent
  }
}

/// For `n` double-exponential jumps, the probabilities `P_{n,k}` and `Q_{n,k}` (`k = 1…n`)
/// that their sum is distributed as `+Γ(k, η₁)` or `−Γ(k, η₂)` (Kou 2002, Prop. B.1):
///
///     P_{n,k} = Σ_{i=k}^{n−1} C(n−k−1, i−k) C(n, i) a^{i−k} b^{n−i} pⁱ q^{n−i},  P_{n,n} = pⁿ,
///     Q_{n,k} = Σ_{i=k}^{n−1} C(n−k−1, i−k) C(n, i) a^{n−i} b^{i−k} p^{n−i} qⁱ,  Q_{n,n} = qⁿ,
///
/// `a = η₁/(η₁ + η₂)`, `b = η₂/(η₁ + η₂)`, `q = 1 − p`.
/// - Returns: per count `n = 0…nMax`, `(P, Q)` indexed by `k` (index 0 unused).
func kouJumpSumWeights(
  maximumCount nMax: Int, upProbability p: Double, upMean: Double, downMean: Double
) -> [(up: [Double], down: [Double])] {
  let q = 1 - p
  let a = downMean / (upMean + downMean)  // η₁/(η₁ + η₂)
  let b = upMean / (upMean + downMean)
  var binomial = [[Double]](repeating: [], count: nMax + 1)
  for n in 0...nMax {
    var row = [Double](repeating: 1, count: n + 1)
    if n >= 2 { for k in 1..<n { row[k] = binomial[n - 1][k - 1] + binomial[n - 1][k] } }
    binomial[n] = row
  }
  func power(_ x: Double, _ k: Int) -> Double { k == 0 ? 1 : pow(x, Double(k)) }
  var result: [(up: [Double], down: [Double])] = [([0], [0])]
  if nMax == 0 { return result }
  for n in 1...nMax {
    var up = [Double](repeating: 0, count: n + 1)
    var down = [Double](repeating: 0, count: n + 1)
    if n >= 2 {
      for k in 1..<n {
        var pu = 0.0
        var qd = 0.0
        for i in k..<n {
          let c = binomial[n - k - 1][i - k] * binomial[n][i]
          pu += c * power(a, i - k) * power(b, n - i) * power(p, i) * power(q, n - i)
          qd += c * power(a, n - i) * power(b, i - k) * power(p, n - i) * power(q, i)
        }
        up[k] = pu
        down[k] = qd
      }
    }
    up[n] = power(p, n)
    down[n] = power(q, n)
    result.append((up, down))
  }
  return result
}

/// The log-densities of per-step log returns under Kou's double-exponential jump-diffusion,
///
///     f(x) = P(N = 0) φ(x; c, s²)
///            + Σ_{k ≥ 1} [A_k f⁺_k(x − c) + B_k f⁻_k(x − c)],
///     A_k = Σ_{n ≥ k} P(N = n) P_{n,k},  B_k = Σ_{n ≥ k} P(N = n) Q_{n,k},
///
/// `c = (μ − λκ − σ²/2) dt`, `s = σ √dt`, `f⁺_k` the density of `sZ + Γ(k, η₁)`, `f⁻_k(y)` that
/// of `sZ − Γ(k, η₂)` at `y` (= `f⁺_k` at `−y` with rate `η₂`), `N ~ Poisson(λ dt)` truncated
/// where the omitted mass is below `jumpCountTruncation`. The sum of `n` double-exponential
/// jumps is the mixture of Gamma laws of Kou (2002, Prop. B.1), and a normal plus a Gamma law
/// has the closed form of Prop. B.3 with the `Hh` functions (see `logScaledHermite`).
///
/// - Returns: per return, `ln f(x_t)`.
public func kouLogDensities(
  _ returns: [Double], parameters q: KouParameters, timeStep dt: Double
) -> [Double] {
  let c = (q.drift - q.intensity * q.compensator - 0.5 * q.volatility * q.volatility) * dt
  let s = q.volatility * dt.squareRoot()
  let weights = truncatedPoissonWeights(mean: q.intensity * dt)
  let nMax = weights.count - 1
  let sums = kouJumpSumWeights(
    maximumCount: nMax, upProbability: q.upProbability, upMean: q.upMean, downMean: q.downMean)
  var logA = [Double](repeating: -.infinity, count: nMax + 1)
  var logB = [Double](repeating: -.infinity, count: nMax + 1)
  if nMax >= 1 {
    for k in 1...nMax {
      var a = 0.0
      var b = 0.0
      for n in k...nMax {
        a += weights[n] * sums[n].up[k]
        b += weights[n] * sums[n].down[k]
      }
      logA[k] = log(a)
      logB[k] = log(b)
    }
  }
  let logNoJump = log(weights[0]) - halfLogTwoPi - log(s)
  let eta1 = 1 / q.upMean
  let eta2 = 1 / q.downMean
  var out = [Double](repeating: 0, count: returns.count)
  var up = [Double](repeating: 0, count: max(nMax, 1))
  var down = [Double](repeating: 0, count: max(nMax, 1))
  var terms = [Double](repeating: 0, count: 2 * nMax + 1)
  up.withUnsafeMutableBufferPointer { up in
    down.withUnsafeMutableBufferPointer { down in
      terms.withUnsafeMutableBufferPointer { t in
        for (i, x) in returns.enumerated() {
          let y = x - c
          t[0] = logNoJump - 0.5 * (y / s) * (y / s)
          if nMax >= 1 {
            logNormalGammaDensities(y, s: s, rate: eta1, count: nMax, into: up)
            logNormalGammaDensities(-y, s: s, rate: eta2, count: nMax, into: down)
            for k in 1...nMax {
              t[2 * k - 1] = logA[k] + up[k - 1]
              t[2 * k] = logB[k] + down[k - 1]
            }
          }
          out[i] = logSumExp(UnsafeBufferPointer(t))
        }
      }
    }
  }
  return out
}

/// The log-likelihood `Σ_t ln f(x_t)` of per-step log returns under Kou's jump-diffusion (see
/// `kouLogDensities(_:parameters:timeStep:)`): the law the engine's `JumpDiffusion` simulates a
/// step from.
public func kouLogLikelihood(_ returns: [Double], parameters: KouParameters, timeStep: Double)
  -> Double
{
  kouLogDensities(returns, parameters: parameters, timeStep: timeStep).reduce(0, +)
}
