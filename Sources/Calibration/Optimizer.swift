import Foundation

/// Why a minimization could not run or gave no usable result.
public enum OptimizationError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The bounds, the start or the analytic gradient do not have the dimension of the problem,
  /// or a lower bound exceeds its upper bound.
  case invalidProblem(String)
  /// The objective is not finite at the (projected) start.
  case infeasibleStart([Double])
  /// No start converged; the messages of each start.
  case noStartConverged([String])

  public var description: String {
    switch self {
    case .invalidProblem(let why): return "invalid minimization problem: \(why)"
    case .infeasibleStart(let x):
      return "the objective is not finite at the start \(x)"
    case .noStartConverged(let messages):
      return "no start of the optimizer converged: " + messages.joined(separator: "; ")
    }
  }
}

/// The stopping rules of `BoundedMinimizer`.
public struct MinimizationOptions: Sendable, Equatable {
  /// The largest number of quasi-Newton iterations.
  public var maximumIterations: Int
  /// Convergence when the objective changes by at most this, relative to `max(|f|, 1)`,
  /// over two successive iterations while the projected gradient is below
  /// `looseGradientTolerance`, or over four successive iterations regardless.
  public var functionTolerance: Double
  /// Convergence when the infinity norm of the projected gradient `P(x − g) − x` is at most
  /// this times `max(|f|, 1)`.
  public var gradientTolerance: Double
  /// See `functionTolerance`; also the projected gradient (relative to `max(|f|, 1)`) below
  /// which a line search that cannot decrease the objective any further counts as converged.
  public var looseGradientTolerance: Double

  public init(
    maximumIterations: Int = 1000, functionTolerance: Double = 1e-11,
    gradientTolerance: Double = 1e-9, looseGradientTolerance: Double = 1e-4
  ) {
    self.maximumIterations = maximumIterations
    self.functionTolerance = functionTolerance
    self.gradientTolerance = gradientTolerance
    self.looseGradientTolerance = looseGradientTolerance
  }
}

/// The outcome of one run of `BoundedMinimizer`.
public struct MinimizationResult: Sendable, Equatable {
  /// The best point found (inside the box).
  public var point: [Double]
  /// The objective at `point`.
  public var value: Double
  /// The gradient at `point` (numerical unless an analytic one was given).
  public var gradient: [Double]
  /// Quasi-Newton iterations taken.
  public var iterations: Int
  /// Evaluations of the objective.
  public var evaluations: Int
  /// Whether a convergence rule was met (rather than the iteration limit or a failed search).
  public var converged: Bool
  /// Per parameter, whether it ended on its lower bound.
  public var atLowerBound: [Bool]
  /// Per parameter, whether it ended on its upper bound.
  public var atUpperBound: [Bool]
  /// Which rule stopped the run.
  public var message: String

  /// The indices of the parameters that ended on a bound.
  public var boundIndices: [Int] {
    atLowerBound.indices.filter { atLowerBound[$0] || atUpperBound[$0] }
  }
}

/// The runs of `BoundedMinimizer.minimize(_:starts:gradient:)` from several starts.
public struct MultiStartResult: Sendable {
  /// The converged run with the lowest objective.
  public var best: MinimizationResult
  /// Every run, in the order of the starts (nil where the start was infeasible).
  public var runs: [MinimizationResult?]
  /// How many runs converged.
  public var convergedCount: Int
  /// Starts that were infeasible or did not converge, in words.
  public var warnings: [String]
}

/// A quasi-Newton minimizer of a smooth function of a few (up to about 20) parameters on a box
/// `lower ≤ x ≤ upper` (bounds may be infinite), with general inequality constraints expressed
/// by the objective itself: it returns `+∞` or NaN outside the feasible region, and the line
/// search backtracks from such points, so every accepted point is feasible.
///
/// The method is a projected BFGS with an active set on the box, in the spirit of L-BFGS-B
/// (Byrd, Lu, Nocedal, Zhu, "A limited memory algorithm for bound constrained optimization",
/// SIAM J. Sci. Comput. 16, 1995) with a dense Hessian approximation: at each iterate the
/// parameters on a bound whose gradient points outward are held fixed, the Newton step
/// `B_FF d_F = −g_F` is solved on the free ones with the BFGS approximation `B` of the Hessian
/// (Nocedal and Wright, "Numerical Optimization", 2nd ed., §6.1; updates skipped when
/// `sᵀy ≤ 0`), and a backtracking Armijo search along the projected path `P(x + t d)` accepts
/// the step. Gradients are central differences with steps `ε^{1/3} max(|x_i|, 1)` (one-sided
/// next to a bound or an infeasible point) unless an analytic gradient is supplied.
public struct BoundedMinimizer: Sendable {
  public var lower: [Double]
  public var upper: [Double]
  public var options: MinimizationOptions

  /// - Parameters:
  ///   - lower: per parameter, the lower bound (`-.infinity` for none).
  ///   - upper: per parameter, the upper bound (`.infinity` for none).
  public init(lower: [Double], upper: [Double], options: MinimizationOptions = .init()) {
    self.lower = lower
    self.upper = upper
    self.options = options
  }

  /// An unbounded minimizer of `dimension` parameters.
  public init(unboundedDimension dimension: Int, options: MinimizationOptions = .init()) {
    self.init(
      lower: Array(repeating: -.infinity, count: dimension),
      upper: Array(repeating: .infinity, count: dimension), options: options)
  }

  public var dimension: Int { lower.count }

  /// The point of the box nearest to `x`.
  public func project(_ x: [Double]) -> [Double] {
    var p = x
    for i in p.indices { p[i] = min(max(p[i], lower[i]), upper[i]) }
    return p
  }

  func validate(_ start: [Double]) throws(OptimizationError) {
    let n = lower.count
    guard n > 0 else { throw .invalidProblem("no parameters") }
    guard upper.count == n else {
      throw .invalidProblem("\(n) lower bounds but \(upper.count) upper bounds")
    }
    guard start.count == n else {
      throw .invalidProblem("a start of \(start.count) values for \(n) parameters")
    }
    for i in 0..<n where !(lower[i] <= upper[i]) || lower[i].isNaN || upper[i].isNaN {
      throw .invalidProblem("parameter \(i): lower bound \(lower[i]) above upper \(upper[i])")
    }
    for i in 0..<n where !start[i].isFinite {
      throw .invalidProblem("parameter \(i) of the start is \(start[i])")
    }
  }

  /// Minimizes `objective` from `start` (projected onto the box first).
  ///
  /// - Parameters:
  ///   - objective: the function; `+∞` or NaN marks an infeasible point.
  ///   - gradient: an analytic gradient, if known.
  /// - Throws: `OptimizationError.invalidProblem` for inconsistent dimensions or bounds,
  ///   `.infeasibleStart` when the objective is not finite at the start.
  public func minimize(
    _ objective: ([Double]) -> Double, from start: [Double],
    gradient analytic: (([Double]) -> [Double])? = nil
  ) throws(OptimizationError) -> MinimizationResult {
    try validate(start)
    let n = dimension
    var evaluations = 0
    func f(_ x: [Double]) -> Double {
      evaluations += 1
      let v = objective(x)
      return v.isNaN ? .infinity : v
    }
    func grad(_ x: [Double], _ fx: Double) -> [Double] {
      if let analytic {
        let g = analytic(x)
        return g.count == n ? g : Array(repeating: .nan, count: n)
      }
      return boxGradient(x, fx, evaluate: f)
    }
    var x = project(start)
    var fx = f(x)
    guard fx < .infinity else { throw .infeasibleStart(x) }
    var g = grad(x, fx)
    var hessian = identity(n)  // B, the BFGS approximation of the Hessian
    var scaled = false
    var smallChanges = 0
    var iterations = 0
    var converged = false
    var message = "the iteration limit \(options.maximumIterations) was reached"
    var resets = 0
    while iterations < options.maximumIterations {
      let scale = max(abs(fx), 1)
      let pg = projectedGradientNorm(x, g)
      if pg <= options.gradientTolerance * scale {
        converged = true
        message = "the projected gradient is below \(options.gradientTolerance)"
        break
      }
      iterations += 1
      // The active set: on a bound with the gradient pointing out of the box.
      var free = [Int]()
      for i in 0..<n {
        let outLow = x[i] <= lower[i] && g[i] > 0
        let outHigh = x[i] >= upper[i] && g[i] < 0
        if !(outLow || outHigh) && g[i].isFinite { free.append(i) }
      }
      if free.isEmpty {
        converged = true
        message = "every parameter is held on a bound"
        break
      }
      var d = Array(repeating: 0.0, count: n)
      let reduced = free.map { i in free.map { j in hessian[i * n + j] } }
      let rhs = free.map { -g[$0] }
      if let step = choleskySolve(reduced, rhs) {
        for (k, i) in free.enumerated() { d[i] = step[k] }
      }
      var slope = zip(g, d).reduce(0) { $0 + $1.0 * $1.1 }
      if !(slope < 0) {
        // Not a descent direction: restart from steepest descent.
        hessian = identity(n)
        scaled = false
        d = Array(repeating: 0, count: n)
        for i in free { d[i] = -g[i] }
        slope = zip(g, d).reduce(0) { $0 + $1.0 * $1.1 }
      }
      // The first step of a steepest descent is at most 1 in the infinity norm scaled to x.
      var t = 1.0
      if !scaled {
        var largest = 0.0
        for i in 0..<n { largest = max(largest, abs(d[i]) / max(abs(x[i]), 1)) }
        if largest > 0.1 { t = 0.1 / largest }
      }
      // Backtracking Armijo search along the projected path.
      var accepted: (x: [Double], f: Double)? = nil
      for _ in 0..<60 {
        var trial = x
        for i in 0..<n { trial[i] = x[i] + t * d[i] }
        trial = project(trial)
        if trial == x { break }
        let ft = f(trial)
        var decrease = 0.0
        for i in 0..<n { decrease += g[i] * (trial[i] - x[i]) }
        if ft < .infinity && ft <= fx + 1e-4 * min(decrease, 0) && ft <= fx {
          accepted = (trial, ft)
          break
        }
        if ft < .infinity {
          // Quadratic interpolation of the minimum along the ray, kept in [0.1 t, 0.5 t].
          let curvature = ft - fx - t * slope
          let next = curvature > 0 ? -slope * t * t / (2 * curvature) : 0.5 * t
          t = min(max(next, 0.1 * t), 0.5 * t)
        } else {
          t *= 0.25
        }
      }
      guard let step = accepted else {
        if resets == 0 && scaled {
          // Retry once from a fresh Hessian approximation.
          hessian = identity(n)
          scaled = false
          resets += 1
          continue
        }
        converged = pg <= options.looseGradientTolerance * scale
        message =
          converged
          ? "no further decrease is possible (projected gradient \(pg))"
          : "the line search failed (projected gradient \(pg))"
        break
      }
      resets = 0
      let xNew = step.x
      let fNew = step.f
      let gNew = grad(xNew, fNew)
      let s = (0..<n).map { xNew[$0] - x[$0] }
      let y = (0..<n).map { gNew[$0] - g[$0] }
      let sy = zip(s, y).reduce(0) { $0 + $1.0 * $1.1 }
      let yy = y.reduce(0) { $0 + $1 * $1 }
      let ss = s.reduce(0) { $0 + $1 * $1 }
      if sy > 1e-12 * (yy * ss).squareRoot() && y.allSatisfy(\.isFinite) {
        if !scaled {
          // Shanno–Phua scaling of the initial approximation.
          hessian = identity(n).map { $0 * yy / sy }
          scaled = true
        }
        bfgsUpdate(&hessian, s: s, y: y, sy: sy, n: n)
      }
      let change = abs(fx - fNew) / max(abs(fx), abs(fNew), 1)
      x = xNew
      fx = fNew
      g = gNew
      if change <= options.functionTolerance {
        smallChanges += 1
        let loose = projectedGradientNorm(x, g) <= options.looseGradientTolerance * scale
        if (smallChanges >= 2 && loose) || smallChanges >= 4 {
          converged = true
          message = "the objective changed by less than \(options.functionTolerance)"
          break
        }
      } else {
        smallChanges = 0
      }
    }
    return MinimizationResult(
      point: x, value: fx, gradient: g, iterations: iterations, evaluations: evaluations,
      converged: converged, atLowerBound: (0..<n).map { x[$0] <= lower[$0] },
      atUpperBound: (0..<n).map { x[$0] >= upper[$0] }, message: message)
  }

  /// Minimizes `objective` from each of `starts` and keeps the converged run with the lowest
  /// value.
  ///
  /// - Returns: the best run, every run, how many converged, and a warning per start that was
  ///   infeasible or did not converge.
  /// - Throws: `OptimizationError.noStartConverged` when no start converged;
  ///   `.invalidProblem` for inconsistent dimensions.
  public func minimize(
    _ objective: ([Double]) -> Double, starts: [[Double]],
    gradient: (([Double]) -> [Double])? = nil
  ) throws(OptimizationError) -> MultiStartResult {
    guard !starts.isEmpty else { throw .invalidProblem("no starts") }
    var runs: [MinimizationResult?] = []
    var warnings: [String] = []
    var messages: [String] = []
    for (k, start) in starts.enumerated() {
      do {
        let run = try minimize(objective, from: start, gradient: gradient)
        runs.append(run)
        if !run.converged {
          warnings.append("start \(k + 1) of \(starts.count) did not converge: \(run.message)")
          messages.append("start \(k + 1): \(run.message)")
        }
      } catch .infeasibleStart(let x) {
        runs.append(nil)
        warnings.append("start \(k + 1) of \(starts.count) is infeasible: \(x)")
        messages.append("start \(k + 1) is infeasible")
      }
    }
    let good = runs.compactMap { $0 }.filter(\.converged)
    guard let best = good.min(by: { $0.value < $1.value }) else {
      throw .noStartConverged(messages)
    }
    return MultiStartResult(
      best: best, runs: runs, convergedCount: good.count, warnings: warnings)
  }

  /// Minimizes `objective` from several starts the way global multi-start methods spend
  /// their effort: every start takes at most `screeningIterations` quasi-Newton iterations,
  /// then the lowest of them runs on to convergence (and, should it not converge, the next
  /// lowest). The starts explore the basins; only the best basin is refined, so that a fit of
  /// several starts costs little more than one.
  ///
  /// - Returns: the refined run as `best`; in `runs` the screened runs, the refined one in its
  ///   start's place; `convergedCount` the runs that converged (the refined one, and any start
  ///   that converged within the screening).
  /// - Throws: `OptimizationError.noStartConverged` when no refined run converged.
  public func minimize(
    _ objective: ([Double]) -> Double, starts: [[Double]], screeningIterations: Int,
    gradient: (([Double]) -> [Double])? = nil
  ) throws(OptimizationError) -> MultiStartResult {
    guard !starts.isEmpty else { throw .invalidProblem("no starts") }
    var screen = self
    screen.options.maximumIterations = max(1, screeningIterations)
    var runs: [MinimizationResult?] = []
    var warnings: [String] = []
    for (k, start) in starts.enumerated() {
      do {
        runs.append(try screen.minimize(objective, from: start, gradient: gradient))
      } catch .infeasibleStart(let x) {
        runs.append(nil)
        warnings.append("start \(k + 1) of \(starts.count) is infeasible: \(x)")
      }
    }
    let order = runs.indices.filter { runs[$0].map { !$0.value.isNaN } ?? false }
      .sorted { runs[$0]!.value < runs[$1]!.value }
    var messages: [String] = []
    for k in order {
      let screened = runs[k]!
      let refined =
        screened.converged
        ? screened : try minimize(objective, from: screened.point, gradient: gradient)
      guard refined.converged else {
        messages.append("start \(k + 1): \(refined.message)")
        warnings.append("start \(k + 1) of \(starts.count) did not converge: \(refined.message)")
        continue
      }
      runs[k] = refined
      let converged = runs.compactMap { $0 }.filter(\.converged).count
      return MultiStartResult(
        best: refined, runs: runs, convergedCount: converged, warnings: warnings)
    }
    throw .noStartConverged(messages)
  }

  /// The infinity norm of `P(x − g) − x`, the projected gradient.
  func projectedGradientNorm(_ x: [Double], _ g: [Double]) -> Double {
    var norm = 0.0
    for i in x.indices {
      let moved = min(max(x[i] - g[i], lower[i]), upper[i]) - x[i]
      norm = max(norm, moved.isNaN ? .infinity : abs(moved))
    }
    return norm
  }

  /// The central-difference gradient, one-sided next to a bound or an infeasible point.
  func boxGradient(_ x: [Double], _ fx: Double, evaluate f: ([Double]) -> Double) -> [Double] {
    let n = x.count
    var g = Array(repeating: 0.0, count: n)
    var p = x
    let base = cbrt(Double.ulpOfOne)
    for i in 0..<n {
      var h = base * max(abs(x[i]), 1)
      let room = upper[i] - lower[i]
      if room < 2 * h { h = room / 2 }
      guard h > 0 else { continue }
      let canUp = x[i] + h <= upper[i]
      let canDown = x[i] - h >= lower[i]
      var up = Double.infinity
      var down = Double.infinity
      if canUp {
        p[i] = x[i] + h
        up = f(p)
      }
      if canDown {
        p[i] = x[i] - h
        down = f(p)
      }
      p[i] = x[i]
      if up < .infinity && down < .infinity {
        g[i] = (up - down) / (2 * h)
      } else if up < .infinity {
        g[i] = (up - fx) / h
      } else if down < .infinity {
        g[i] = (fx - down) / h
      } else {
        g[i] = 0
      }
    }
    return g
  }
}

/// The central-difference gradient of `f` at `x`, steps `ε^{1/3} max(|x_i|, 1)`.
public func numericalGradient(_ f: ([Double]) -> Double, at x: [Double]) -> [Double] {
  let minimizer = BoundedMinimizer(unboundedDimension: x.count)
  return minimizer.boxGradient(x, f(x), evaluate: f)
}

/// The numerical Hessian of `f` at `x` (for standard errors from the inverse Hessian of a
/// log-likelihood), row-major `n × n`, symmetric.
///
/// Central differences with steps `h_i = ε^{1/4} max(|x_i|, 0.1)`:
/// `H_ij = [f(x + h_i e_i + h_j e_j) − f(x + h_i e_i − h_j e_j) − f(x − h_i e_i + h_j e_j)
/// + f(x − h_i e_i − h_j e_j)] / (4 h_i h_j)` (for `i = j` the steps are `±2 h_i`), the rule of
/// statsmodels' `approx_hess3` that arch uses (Abramowitz and Stegun 25.3.26). The function
/// must be finite within `2 h` of `x`.
///
/// - Parameter steps: per parameter, the step `h_i`, if the default does not suit.
public func numericalHessian(
  _ f: ([Double]) -> Double, at x: [Double], steps: [Double]? = nil
) -> [[Double]] {
  let n = x.count
  let h = steps ?? x.map { pow(Double.ulpOfOne, 0.25) * max(abs($0), 0.1) }
  var hessian = Array(repeating: Array(repeating: 0.0, count: n), count: n)
  var p = x
  func at(_ i: Int, _ si: Double, _ j: Int, _ sj: Double) -> Double {
    p[i] += si * h[i]
    p[j] += sj * h[j]
    let v = f(p)
    p[i] = x[i]
    p[j] = x[j]
    return v
  }
  for i in 0..<n {
    for j in i..<n {
      let value =
        (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1))
        / (4 * h[i] * h[j])
      hessian[i][j] = value
      hessian[j][i] = value
    }
  }
  return hessian
}

/// The inverse of a symmetric positive definite matrix (row arrays) by Cholesky factorization;
/// nil when it is not positive definite.
public func inverseOfPositiveDefinite(_ a: [[Double]]) -> [[Double]]? {
  let n = a.count
  var inverse = Array(repeating: Array(repeating: 0.0, count: n), count: n)
  guard let factor = cholesky(a) else { return nil }
  for column in 0..<n {
    var e = Array(repeating: 0.0, count: n)
    e[column] = 1
    let solved = choleskySolve(factor: factor, e)
    for row in 0..<n { inverse[row][column] = solved[row] }
  }
  for i in 0..<n {
    for j in (i + 1)..<max(n, i + 1) {
      let v = 0.5 * (inverse[i][j] + inverse[j][i])
      inverse[i][j] = v
      inverse[j][i] = v
    }
  }
  return inverse
}

private func identity(_ n: Int) -> [Double] {
  var m = Array(repeating: 0.0, count: n * n)
  for i in 0..<n { m[i * n + i] = 1 }
  return m
}

/// `B ← B − (B s)(B s)ᵀ / sᵀBs + y yᵀ / sᵀy` (row-major `n × n`).
private func bfgsUpdate(_ b: inout [Double], s: [Double], y: [Double], sy: Double, n: Int) {
  var bs = Array(repeating: 0.0, count: n)
  for i in 0..<n {
    var v = 0.0
    for j in 0..<n { v += b[i * n + j] * s[j] }
    bs[i] = v
  }
  let sbs = zip(s, bs).reduce(0) { $0 + $1.0 * $1.1 }
  guard sbs > 0 else { return }
  for i in 0..<n {
    for j in 0..<n {
      b[i * n + j] += -bs[i] * bs[j] / sbs + y[i] * y[j] / sy
    }
  }
}

/// The lower Cholesky factor of a symmetric matrix, nil unless positive definite.
private func cholesky(_ a: [[Double]]) -> [[Double]]? {
  let n = a.count
  var l = Array(repeating: Array(repeating: 0.0, count: n), count: n)
  for j in 0..<n {
    var d = a[j][j]
    for k in 0..<j { d -= l[j][k] * l[j][k] }
    guard d > 0 && d.isFinite else { return nil }
    let root = d.squareRoot()
    l[j][j] = root
    for i in (j + 1)..<max(n, j + 1) {
      var v = a[i][j]
      for k in 0..<j { v -= l[i][k] * l[j][k] }
      l[i][j] = v / root
    }
  }
  return l
}

private func choleskySolve(factor l: [[Double]], _ b: [Double]) -> [Double] {
  let n = b.count
  var y = b
  for i in 0..<n {
    var v = y[i]
    for k in 0..<i { v -= l[i][k] * y[k] }
    y[i] = v / l[i][i]
  }
  for i in stride(from: n - 1, through: 0, by: -1) {
    var v = y[i]
    for k in (i + 1)..<max(n, i + 1) { v -= l[k][i] * y[k] }
    y[i] = v / l[i][i]
  }
  return y
}

private func choleskySolve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
  guard let l = cholesky(a) else { return nil }
  let x = choleskySolve(factor: l, b)
  return x.allSatisfy(\.isFinite) ? x : nil
}

/// The Hessian of a function with a known gradient, by central differences of the gradient:
/// `H_ij = [g_i(x + h_j e_j) − g_i(x − h_j e_j)] / (2 h_j)` with `h_j = ε^{1/3} max(|x_j|, 0.1)`
/// (`gradientSteps(at:)`) unless `steps` are given, symmetrized, row-major `n × n`. The gradient
/// must be finite within `h` of `x`.
public func numericalHessian(
  gradient: ([Double]) -> [Double], at x: [Double], steps: [Double]? = nil
) -> [[Double]] {
  let n = x.count
  let steps = steps ?? gradientSteps(at: x)
  var columns: [[Double]] = []
  var p = x
  for j in 0..<n {
    let h = steps[j]
    p[j] = x[j] + h
    let up = gradient(p)
    p[j] = x[j] - h
    let down = gradient(p)
    p[j] = x[j]
    columns.append((0..<n).map { (up[$0] - down[$0]) / (2 * h) })
  }
  var hessian = Array(repeating: Array(repeating: 0.0, count: n), count: n)
  for i in 0..<n {
    for j in 0..<n { hessian[i][j] = 0.5 * (columns[j][i] + columns[i][j]) }
  }
  return hessian
}

/// The default steps of `numericalHessian(gradient:at:steps:)`: `ε^{1/3} max(|x_j|, 0.1)`.
public func gradientSteps(at x: [Double]) -> [Double] {
  x.map { cbrt(Double.ulpOfOne) * max(abs($0), 0.1) }
}
