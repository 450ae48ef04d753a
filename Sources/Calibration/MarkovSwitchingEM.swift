import Foundation

/// The EM algorithm of a Gaussian Markov switching model with the regime of the first return
/// drawn from the stationary distribution of the transition matrix.
///
/// E-step: the Hamilton filter and the Kim smoother give `γ_t(k) = P(s_t = k | r_1 … r_T)` and
/// `C_ij = Σ_t P(s_t = i, s_{t+1} = j | r_1 … r_T)`. M-step: the regime means and covariances
/// are the `γ`-weighted moments (closed form); the transition matrix maximizes
/// `Σ_ij C_ij log P_ij + Σ_k γ_1(k) log π_k(P)` (the second term from the stationary start),
/// by Newton steps on the row logits from the closed-form `C_ij / Σ_j C_ij`. Every step raises
/// the exact likelihood (Dempster, Laird and Rubin 1977; Hamilton 1990, "Analysis of time
/// series subject to changes in regime", Journal of Econometrics 45).
struct MarkovSwitchingEM {
  let kernel: MarkovSwitchingKernel
  /// Per asset, the smallest variance a regime may take.
  let floor: [Double]
  let tolerance: Double
  let maximumIterations: Int

  struct Outcome {
    var state: MarkovSwitchingState
    var logLikelihood: Double
    var iterations: Int
    var converged: Bool
    /// Regimes whose variance was held at the floor at the last step.
    var floored: Set<Int>
  }

  func run(from start: MarkovSwitchingState) -> Outcome? {
    var state = start
    var ll = -Double.infinity
    var floored = Set<Int>()
    var iterations = 0
    while iterations < maximumIterations {
      guard let value = logLikelihood(&state), value.isFinite else { return nil }
      iterations += 1
      let change = value - ll
      ll = value
      if abs(change) <= tolerance * max(abs(value), 1) {
        return Outcome(
          state: state, logLikelihood: ll, iterations: iterations, converged: true,
          floored: floored)
      }
      kernel.smooth(transition: state.transition)
      _ = kernel.weightedMoments(into: &state, minimumWeight: 1e-10 * Double(kernel.count))
      floored = applyFloor(&state)
      state.transition = transitionStep(current: state.transition)
    }
    guard let value = logLikelihood(&state), value.isFinite else { return nil }
    return Outcome(
      state: state, logLikelihood: value, iterations: iterations, converged: false,
      floored: floored)
  }

  /// The exact log-likelihood (stationary start) of `state`; nil when its covariances cannot
  /// be factored even after raising their diagonals to the floor.
  func logLikelihood(_ state: inout MarkovSwitchingState) -> Double? {
    if !kernel.setEmissions(state) {
      let n = state.assets
      for r in 0..<state.regimes {
        for a in 0..<n { state.covariance[(r * n + a) * n + a] += floor[a] }
      }
      guard kernel.setEmissions(state) else { return nil }
    }
    guard let pi = TransitionAlgebra.stationary(state.transition, regimes: state.regimes) else {
      return nil
    }
    return kernel.filter(transition: state.transition, initial: pi)
  }

  /// Raises variances below the floor to it; returns the regimes so held.
  func applyFloor(_ state: inout MarkovSwitchingState) -> Set<Int> {
    let n = state.assets
    var held = Set<Int>()
    for r in 0..<state.regimes {
      for a in 0..<n where !(state.covariance[(r * n + a) * n + a] >= floor[a]) {
        state.covariance[(r * n + a) * n + a] = floor[a]
        held.insert(r)
      }
    }
    return held
  }

  /// The M-step for the transition matrix from the smoother's expected counts.
  func transitionStep(current: [Double]) -> [Double] {
    let k = kernel.regimes
    let counts = Array(UnsafeBufferPointer(start: kernel.transitions, count: k * k))
    let first = Array(UnsafeBufferPointer(start: kernel.smoothed, count: k))
    return TransitionAlgebra.maximize(counts: counts, first: first, current: current, regimes: k)
  }
}

/// The stationary distribution of a transition matrix, its derivative, and the transition
/// M-step under a stationary start.
enum TransitionAlgebra {
  /// Logits are kept in `[−limit, limit]` so that no probability underflows to 0.
  static let limit = 45.0

  /// `π` with `π (I − P + 𝟙𝟙ᵀ) = 𝟙ᵀ`; nil for a reducible chain.
  static func stationary(_ p: [Double], regimes k: Int) -> [Double]? {
    var a = [Double](repeating: 1, count: k * k)
    for i in 0..<k {
      for j in 0..<k { a[i * k + j] += (i == j ? 1 : 0) - p[i * k + j] }
    }
    guard let inverse = invert(a, k) else { return nil }
    var pi = (0..<k).map { j in (0..<k).reduce(0.0) { $0 + inverse[$1 * k + j] } }
    for j in 0..<k { pi[j] = max(pi[j], 1e-300) }
    let total = pi.reduce(0, +)
    return pi.map { $0 / total }
  }

  /// The inverse of a row-major `k × k` matrix by Gauss–Jordan elimination with partial
  /// pivoting; nil when singular.
  static func invert(_ m: [Double], _ k: Int) -> [Double]? {
    var a = m
    var inv = [Double](repeating: 0, count: k * k)
    for i in 0..<k { inv[i * k + i] = 1 }
    for col in 0..<k {
      var pivot = col
      for r in col..<k where abs(a[r * k + col]) > abs(a[pivot * k + col]) { pivot = r }
      guard abs(a[pivot * k + col]) > 1e-14 else { return nil }
      if pivot != col {
        for c in 0..<k {
          a.swapAt(col * k + c, pivot * k + c)
          inv.swapAt(col * k + c, pivot * k + c)
        }
      }
      let d = 1 / a[col * k + col]
      for c in 0..<k {
        a[col * k + c] *= d
        inv[col * k + c] *= d
      }
      for r in 0..<k where r != col {
        let f = a[r * k + col]
        if f == 0 { continue }
        for c in 0..<k {
          a[r * k + c] -= f * a[col * k + c]
          inv[r * k + c] -= f * inv[col * k + c]
        }
      }
    }
    return inv
  }

  /// `P` from row logits (`a[i·K + i]` is 0).
  static func probabilities(_ logits: [Double], regimes k: Int) -> [Double] {
    var p = [Double](repeating: 0, count: k * k)
    for i in 0..<k {
      var top = -Double.infinity
      for j in 0..<k { top = max(top, logits[i * k + j]) }
      var s = 0.0
      for j in 0..<k {
        let e = exp(logits[i * k + j] - top)
        p[i * k + j] = e
        s += e
      }
      for j in 0..<k { p[i * k + j] /= s }
    }
    return p
  }

  /// `Σ_ij C_ij log P_ij + Σ_k γ_1(k) log π_k(P)`.
  static func objective(_ p: [Double], counts: [Double], first: [Double], regimes k: Int)
    -> Double
  {
    var q = 0.0
    for (c, x) in zip(counts, p) where c > 0 { q += c * log(x) }
    guard let pi = stationary(p, regimes: k) else { return -.infinity }
    for j in 0..<k where first[j] > 0 { q += first[j] * log(pi[j]) }
    return q
  }

  /// The transition matrix that maximizes `objective`: Newton steps on the row logits, the
  /// curvature of the counts' term (`−N_i (diag P_i − P_i P_iᵀ)`) standing for the Hessian,
  /// with the exact gradient (`∂π/∂P_il = π_i Z_l·`, `Z = (I − P + 𝟙π)⁻¹`), from the
  /// closed-form `C_ij / N_i`. Returns `current` when nothing beats it.
  static func maximize(counts: [Double], first: [Double], current: [Double], regimes k: Int)
    -> [Double]
  {
    var logits = [Double](repeating: 0, count: k * k)
    for i in 0..<k {
      let total = (0..<k).reduce(0.0) { $0 + counts[i * k + $1] }
      for j in 0..<k {
        let pij = total > 0 ? counts[i * k + j] / total : current[i * k + j]
        let pii = total > 0 ? counts[i * k + i] / total : current[i * k + i]
        logits[i * k + j] = i == j ? 0 : clamp(log(pij) - log(pii))
      }
    }
    var p = probabilities(logits, regimes: k)
    var q = objective(p, counts: counts, first: first, regimes: k)
    for _ in 0..<50 {
      guard let pi = stationary(p, regimes: k) else { break }
      // Z = (I − P + 𝟙π)⁻¹ and the weights γ_1(k) / π_k of the stationary term.
      var m = [Double](repeating: 0, count: k * k)
      for i in 0..<k {
        for j in 0..<k { m[i * k + j] = (i == j ? 1 : 0) - p[i * k + j] + pi[j] }
      }
      guard let z = invert(m, k) else { break }
      let w = (0..<k).map { first[$0] / pi[$0] }
      // (Z w)_l, and Σ_m P_im (Z w)_m per row.
      let zw = (0..<k).map { l in (0..<k).reduce(0.0) { $0 + z[l * k + $1] * w[$1] } }
      var step = [Double](repeating: 0, count: k * k)
      for i in 0..<k {
        let total = (0..<k).reduce(0.0) { $0 + counts[i * k + $1] }
        let mean = (0..<k).reduce(0.0) { $0 + p[i * k + $1] * zw[$1] }
        let free = (0..<k).filter { $0 != i }
        let g = free.map { l in
          counts[i * k + l] - total * p[i * k + l] + pi[i] * p[i * k + l] * (zw[l] - mean)
        }
        // −H = N_i (diag p − p pᵀ) on the free logits, with a small ridge.
        let f = free.count
        var h = [Double](repeating: 0, count: f * f)
        for (x, l) in free.enumerated() {
          for (y, l2) in free.enumerated() {
            h[x * f + y] =
              max(total, 1e-8) * ((x == y ? p[i * k + l] : 0) - p[i * k + l] * p[i * k + l2])
          }
          h[x * f + x] += 1e-10 * max(total, 1)
        }
        guard let hinv = invert(h, f) else { continue }
        for (x, l) in free.enumerated() {
          step[i * k + l] = (0..<f).reduce(0.0) { $0 + hinv[x * f + $1] * g[$1] }
        }
      }
      var alpha = 1.0
      var accepted = false
      while alpha > 1e-6 {
        let trial = zip(logits, step).map { clamp($0 + alpha * $1) }
        let pt = probabilities(trial, regimes: k)
        let qt = objective(pt, counts: counts, first: first, regimes: k)
        if qt > q {
          let gain = qt - q
          logits = trial
          p = pt
          q = qt
          accepted = gain > 1e-14 * max(abs(q), 1)
          break
        }
        alpha *= 0.5
      }
      if !accepted { break }
    }
    let old = objective(current, counts: counts, first: first, regimes: k)
    return q >= old ? p : current
  }

  static func clamp(_ x: Double) -> Double {
    guard !x.isNaN else { return 0 }
    return min(max(x, -limit), limit)
  }
}
