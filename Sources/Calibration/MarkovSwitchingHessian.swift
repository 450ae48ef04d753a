import Foundation

/// Newton steps on the exact log-likelihood from the EM solution, and the numerical Hessian
/// whose inverse is the covariance of the estimates.
///
/// The parameters are, per regime, the per-step means and deviations of each asset and the
/// correlations `ρ_ab` (`a < b`), then the off-diagonal transition probabilities `P_ij` by row
/// (`P_ii = 1 − Σ_{j≠i} P_ij`). Deviations held at the variance floor, probabilities within
/// 1e-7 of 0 (a whole row when `P_ii` is) and correlations within 1e-6 of ±1 stay fixed: they
/// are on the boundary, where the Hessian says nothing. The Hessian is by central differences
/// with steps of 1e-4 times each parameter's scale (the deviation for means and deviations,
/// `1 − ρ²` for correlations, `min(P_ij, P_ii)` for probabilities).
struct MarkovSwitchingHessian {
  let em: MarkovSwitchingEM
  let floor: [Double]
  /// Beyond this many free parameters no Hessian is formed (2p² likelihood evaluations).
  static let maximumFree = 80

  struct Result {
    var state: MarkovSwitchingState
    /// The covariance of all parameters (`count × count`, row-major; 0 for the fixed ones).
    var covariance: [Double]?
    var free: [Bool]
    var converged: Bool
    var warnings: [String]
  }

  func vector(_ s: MarkovSwitchingState) -> [Double] {
    let n = s.assets
    let k = s.regimes
    var theta: [Double] = []
    for r in 0..<k {
      let sd = (0..<n).map { s.covariance[(r * n + $0) * n + $0].squareRoot() }
      theta += (0..<n).map { s.mean[r * n + $0] }
      theta += sd
      for a in 0..<n {
        for b in (a + 1)..<max(n, a + 1) {
          theta.append(s.covariance[(r * n + a) * n + b] / (sd[a] * sd[b]))
        }
      }
    }
    for i in 0..<k {
      for j in 0..<k where j != i { theta.append(s.transition[i * k + j]) }
    }
    return theta
  }

  /// The state of `theta`; nil outside the parameter space.
  func state(_ theta: [Double], like s: MarkovSwitchingState) -> MarkovSwitchingState? {
    let n = s.assets
    let k = s.regimes
    var out = s
    var x = 0
    for r in 0..<k {
      for a in 0..<n { out.mean[r * n + a] = theta[x + a] }
      x += n
      let sd = Array(theta[x..<(x + n)])
      x += n
      for a in 0..<n {
        guard sd[a] > 0, sd[a] * sd[a] >= floor[a] * (1 - 1e-12) else { return nil }
        out.covariance[(r * n + a) * n + a] = sd[a] * sd[a]
        for b in (a + 1)..<max(n, a + 1) {
          let rho = theta[x]
          x += 1
          guard abs(rho) < 1 else { return nil }
          out.covariance[(r * n + a) * n + b] = rho * sd[a] * sd[b]
          out.covariance[(r * n + b) * n + a] = rho * sd[a] * sd[b]
        }
      }
    }
    for i in 0..<k {
      var stay = 1.0
      for j in 0..<k where j != i {
        let p = theta[x]
        x += 1
        guard p >= 0 else { return nil }
        out.transition[i * k + j] = p
        stay -= p
      }
      guard stay >= 0 else { return nil }
      out.transition[i * k + i] = stay
    }
    return out
  }

  func value(_ theta: [Double], like s: MarkovSwitchingState) -> Double {
    guard var candidate = state(theta, like: s),
      let ll = em.logLikelihood(&candidate), ll.isFinite
    else { return -.infinity }
    return ll
  }

  /// Which parameters are free, and their difference steps.
  func freedom(_ s: MarkovSwitchingState, _ theta: [Double]) -> (free: [Bool], step: [Double]) {
    let n = s.assets
    let k = s.regimes
    var free: [Bool] = []
    var step: [Double] = []
    var x = 0
    for _ in 0..<k {
      for a in 0..<n {
        let sd = theta[x + n + a]
        free.append(true)
        step.append(1e-4 * sd)
      }
      x += n
      for a in 0..<n {
        let sd = theta[x + a]
        free.append(sd * sd > floor[a] * (1 + 1e-3))
        step.append(1e-4 * sd)
      }
      x += n
      for _ in 0..<(n * (n - 1) / 2) {
        let rho = theta[x]
        x += 1
        free.append(abs(rho) < 1 - 1e-6)
        step.append(1e-4 * (1 - rho * rho))
      }
    }
    for i in 0..<k {
      let stay = s.transition[i * k + i]
      for j in 0..<k where j != i {
        let p = theta[x]
        x += 1
        free.append(p > 1e-7 && stay > 1e-7)
        step.append(1e-4 * min(p, stay))
      }
    }
    return (free, step)
  }

  func finish(_ start: MarkovSwitchingState) -> Result {
    var theta = vector(start)
    var current = start
    let (free, _) = freedom(start, theta)
    let index = free.indices.filter { free[$0] }
    let p = index.count
    guard p <= Self.maximumFree else {
      return Result(
        state: start, covariance: nil, free: free, converged: false,
        warnings: [
          "\(p) free parameters: no Hessian formed (at most \(Self.maximumFree)); no standard errors"
        ])
    }
    var warnings: [String] = []
    for _ in 0..<10 {
      let step = freedom(current, theta).step
      let f0 = value(theta, like: current)
      guard f0.isFinite else { break }
      var g = [Double](repeating: 0, count: p)
      var h = [Double](repeating: 0, count: p * p)
      var plus = [Double](repeating: 0, count: p)
      var minus = [Double](repeating: 0, count: p)
      var finite = true
      for (x, i) in index.enumerated() {
        var up = theta
        up[i] += step[i]
        var down = theta
        down[i] -= step[i]
        plus[x] = value(up, like: current)
        minus[x] = value(down, like: current)
        finite = finite && plus[x].isFinite && minus[x].isFinite
        g[x] = (plus[x] - minus[x]) / (2 * step[i])
        h[x * p + x] = (plus[x] - 2 * f0 + minus[x]) / (step[i] * step[i])
      }
      for (x, i) in index.enumerated() {
        for (y, j) in index.enumerated() where y > x {
          var e = [Double](repeating: 0, count: 4)
          for (c, (si, sj)) in [(1.0, 1.0), (1, -1), (-1, 1), (-1, -1)].enumerated() {
            var v = theta
            v[i] += si * step[i]
            v[j] += sj * step[j]
            e[c] = value(v, like: current)
          }
          finite = finite && e.allSatisfy(\.isFinite)
          let hxy = (e[0] - e[1] - e[2] + e[3]) / (4 * step[i] * step[j])
          h[x * p + y] = hxy
          h[y * p + x] = hxy
        }
      }
      guard finite else {
        warnings.append("the Hessian could not be formed (a step left the parameter space)")
        break
      }
      let negative = h.map { -$0 }
      guard let inverse = Self.inverseSPD(negative, p) else {
        warnings.append(
          "the Hessian is not negative definite at the optimum: no standard errors")
        break
      }
      var delta = [Double](repeating: 0, count: p)
      for x in 0..<p { delta[x] = (0..<p).reduce(0.0) { $0 + inverse[x * p + $1] * g[$1] } }
      let decrement = 0.5 * zip(g, delta).reduce(0.0) { $0 + $1.0 * $1.1 }
      if decrement <= 1e-9 * max(abs(f0), 1) {
        var covariance = [Double](repeating: 0, count: free.count * free.count)
        for (x, i) in index.enumerated() {
          for (y, j) in index.enumerated() { covariance[i * free.count + j] = inverse[x * p + y] }
        }
        // The last, tiny Newton step, kept if it helps (the Hessian barely changes over it).
        var trial = theta
        for (x, i) in index.enumerated() { trial[i] += delta[x] }
        if value(trial, like: current) > f0, let next = state(trial, like: current) {
          current = next
        }
        return Result(
          state: current, covariance: covariance, free: free, converged: true,
          warnings: warnings)
      }
      var alpha = 1.0
      var moved = false
      while alpha > 1e-8 {
        var trial = theta
        for (x, i) in index.enumerated() { trial[i] += alpha * delta[x] }
        if value(trial, like: current) > f0, let next = state(trial, like: current) {
          theta = trial
          current = next
          moved = true
          break
        }
        alpha *= 0.5
      }
      if !moved {
        warnings.append("Newton steps found no higher likelihood than the EM solution")
        break
      }
    }
    return Result(state: current, covariance: nil, free: free, converged: false, warnings: warnings)
  }

  /// The inverse of a symmetric positive definite matrix by its Cholesky factor; nil if not
  /// positive definite.
  static func inverseSPD(_ a: [Double], _ p: Int) -> [Double]? {
    var l = [Double](repeating: 0, count: p * p)
    for i in 0..<p {
      for j in 0...i {
        var s = a[i * p + j]
        for m in 0..<j { s -= l[i * p + m] * l[j * p + m] }
        if i == j {
          guard s > 0 else { return nil }
          l[i * p + i] = s.squareRoot()
        } else {
          l[i * p + j] = s / l[j * p + j]
        }
      }
    }
    // A⁻¹ column by column: solve L y = e, Lᵀ x = y.
    var inv = [Double](repeating: 0, count: p * p)
    var y = [Double](repeating: 0, count: p)
    for c in 0..<p {
      for i in 0..<p {
        var s = i == c ? 1.0 : 0.0
        for m in 0..<i { s -= l[i * p + m] * y[m] }
        y[i] = s / l[i * p + i]
      }
      for i in stride(from: p - 1, through: 0, by: -1) {
        var s = y[i]
        for m in (i + 1)..<max(p, i + 1) { s -= l[m * p + i] * inv[m * p + c] }
        inv[i * p + c] = s / l[i * p + i]
      }
    }
    return inv
  }
}
