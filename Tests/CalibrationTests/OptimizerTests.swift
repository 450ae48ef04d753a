import Calibration
import Foundation
import Testing

@Suite struct OptimizerTests {
  static func rosenbrock(_ x: [Double]) -> Double {
    var f = 0.0
    for i in 0..<(x.count - 1) {
      let a = x[i + 1] - x[i] * x[i]
      let b = 1 - x[i]
      f += 100 * a * a + b * b
    }
    return f
  }

  @Test func rosenbrockUnboundedWithNumericalGradients() throws {
    for start in [[-1.2, 1.0], [2.0, -1.5, 0.5, 3.0]] {
      let minimizer = BoundedMinimizer(unboundedDimension: start.count)
      let result = try minimizer.minimize(Self.rosenbrock, from: start)
      #expect(result.converged, "message: \(result.message)")
      for (i, v) in result.point.enumerated() {
        #expect(abs(v - 1) < 1e-5, "x[\(i)]: expected 1, observed \(v), tolerance 1e-5")
      }
      #expect(result.value < 1e-10, "expected 0, observed \(result.value), tolerance 1e-10")
      #expect(result.boundIndices.isEmpty)
    }
  }

  @Test func rosenbrockWithAnalyticGradient() throws {
    let minimizer = BoundedMinimizer(unboundedDimension: 2)
    let gradient: ([Double]) -> [Double] = { x in
      [
        -400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]),
        200 * (x[1] - x[0] * x[0]),
      ]
    }
    let result = try minimizer.minimize(Self.rosenbrock, from: [-1.2, 1], gradient: gradient)
    #expect(result.converged, "message: \(result.message)")
    #expect(
      abs(result.point[0] - 1) < 1e-6 && abs(result.point[1] - 1) < 1e-6,
      "expected (1, 1), observed \(result.point), tolerance 1e-6")
  }

  /// Minimum of (x−2)² + (y+1)² + x y/2 on [0, 1] × [0, 5]: x on its upper bound 1, y on its
  /// lower bound 0 (the unconstrained y given x = 1 is −1.25).
  @Test func boundedQuadraticEndsOnTheBounds() throws {
    let f: ([Double]) -> Double = { p in
      let (x, y) = (p[0], p[1])
      return (x - 2) * (x - 2) + (y + 1) * (y + 1) + 0.5 * x * y
    }
    let minimizer = BoundedMinimizer(lower: [0, 0], upper: [1, 5])
    let result = try minimizer.minimize(f, from: [0.5, 3])
    #expect(result.converged, "message: \(result.message)")
    #expect(result.point == [1, 0], "expected [1, 0], observed \(result.point)")
    #expect(result.atUpperBound == [true, false])
    #expect(result.atLowerBound == [false, true])
    #expect(result.boundIndices == [0, 1])
  }

  /// One component on a bound, the other interior: min (x+1)² + (y−0.3)² + 0.2 x y, x ≥ 0.
  @Test func mixedBoundAndInteriorOptimum() throws {
    let f: ([Double]) -> Double = { p in
      (p[0] + 1) * (p[0] + 1) + (p[1] - 0.3) * (p[1] - 0.3) + 0.2 * p[0] * p[1]
    }
    let minimizer = BoundedMinimizer(lower: [0, -.infinity], upper: [.infinity, .infinity])
    let result = try minimizer.minimize(f, from: [3, -2])
    #expect(result.converged)
    #expect(
      result.point[0] == 0 && abs(result.point[1] - 0.3) < 1e-7,
      "expected (0, 0.3), observed \(result.point), tolerance 1e-7")
    #expect(result.boundIndices == [0])
  }

  /// A GARCH-like constraint x + y < 1 given by an infinite objective outside it: the
  /// unconstrained minimum (0.8, 0.6) is infeasible, the constrained one is interior to the
  /// box, just inside the line x + y = 1 (minimum of the quadratic plus a log barrier).
  @Test func infeasibleRegionIsAvoided() throws {
    var infeasibleCalls = 0
    let f: ([Double]) -> Double = { p in
      let (x, y) = (p[0], p[1])
      guard x + y < 1 else {
        infeasibleCalls += 1
        return .infinity
      }
      return (x - 0.8) * (x - 0.8) + (y - 0.6) * (y - 0.6) - 0.01 * log(1 - x - y)
    }
    let minimizer = BoundedMinimizer(lower: [0, 0], upper: [1, 1])
    let result = try minimizer.minimize(f, from: [0.1, 0.1])
    #expect(result.converged, "message: \(result.message)")
    #expect(result.point[0] + result.point[1] < 1)
    // Stationarity: 2(x − 0.8) = 2(y − 0.6) = −0.01/s with s = 1 − x − y, so x − y = 0.2,
    // x = 0.8 − 0.005/s and s = −0.4 + 0.01/s, i.e. s² + 0.4 s − 0.01 = 0.
    let s = (-0.4 + (0.16 + 0.04).squareRoot()) / 2
    let x = 0.8 - 0.005 / s
    #expect(abs(result.point[0] - x) < 1e-5, "expected \(x), observed \(result.point[0])")
    #expect(abs(result.point[0] - result.point[1] - 0.2) < 1e-5)
    #expect(infeasibleCalls > 0, "the search never met the infeasible region")
  }

  @Test func infeasibleStartIsAnError() {
    let minimizer = BoundedMinimizer(lower: [0], upper: [1])
    #expect(throws: OptimizationError.self) {
      try minimizer.minimize({ _ in .infinity }, from: [0.5])
    }
    #expect(throws: OptimizationError.self) {
      try BoundedMinimizer(lower: [1], upper: [0]).minimize({ $0[0] }, from: [0.5])
    }
  }

  @Test func multiStartCountsConvergedRunsAndWarns() throws {
    // Two local minima of (x² − 1)² + 0.1 x: the left one, near −1, is lower.
    let f: ([Double]) -> Double = { p in
      let x = p[0]
      return x > 3 ? .infinity : (x * x - 1) * (x * x - 1) + 0.1 * x
    }
    let minimizer = BoundedMinimizer(lower: [-5], upper: [5])
    let result = try minimizer.minimize(f, starts: [[0.8], [4], [-0.7]])
    #expect(result.convergedCount == 2)
    #expect(result.warnings.count == 1, "warnings: \(result.warnings)")
    #expect(result.best.point[0] < -0.9, "expected the left minimum, got \(result.best.point)")
    #expect(throws: OptimizationError.self) {
      try minimizer.minimize(f, starts: [[4], [3.5]])
    }
    var limited = minimizer
    limited.options.maximumIterations = 1
    #expect(throws: OptimizationError.self) {
      try limited.minimize(Self.rosenbrock, starts: [[-1.2, 1]])
    }
  }

  /// A tilted double well, `(x² − 1)² + 0.3 x + (y − 2)²`: its global minimum lies in the
  /// left well (x ≈ −1.04); starts in both wells, screened for a few iterations, end in the
  /// global one, at the point a full run from there reaches.
  @Test func screenedStartsRefineTheBestBasin() throws {
    let f: ([Double]) -> Double = { p in
      let x = p[0]
      let y = p[1]
      return (x * x - 1) * (x * x - 1) + 0.3 * x + (y - 2) * (y - 2)
    }
    let minimizer = BoundedMinimizer(lower: [-3, -5], upper: [3, 5])
    let starts = [[1.2, 0], [-1.3, 4], [0.9, -3]]
    let screened = try minimizer.minimize(f, starts: starts, screeningIterations: 3)
    let full = try minimizer.minimize(f, starts: starts)
    #expect(screened.best.converged)
    #expect(
      abs(screened.best.point[0] - full.best.point[0]) < 1e-6
        && abs(screened.best.point[1] - 2) < 1e-6,
      "expected the left well's minimum \(full.best.point), observed \(screened.best.point)")
    #expect(
      abs(screened.best.value - full.best.value) <= 1e-12 * max(1, abs(full.best.value)),
      "expected \(full.best.value), observed \(screened.best.value), tolerance 1e-12 relative")
    #expect(screened.best.point[0] < -1, "the global minimum is in the left well")
    #expect(screened.runs.count == 3 && screened.convergedCount >= 1)
  }

  @Test func numericalHessianOfAQuadraticAndItsInverse() throws {
    let f: ([Double]) -> Double = { p in
      3 * p[0] * p[0] + 2 * p[0] * p[1] + p[1] * p[1] + 7 * p[1] + exp(p[2])
    }
    let h = numericalHessian(f, at: [0.4, -1.3, 0])
    let expected: [[Double]] = [[6, 2, 0], [2, 2, 0], [0, 0, 1]]
    for i in 0..<3 {
      for j in 0..<3 {
        #expect(
          abs(h[i][j] - expected[i][j]) < 1e-5,
          "H[\(i)][\(j)]: expected \(expected[i][j]), observed \(h[i][j]), tolerance 1e-5")
      }
    }
    let inverse = try #require(inverseOfPositiveDefinite(expected))
    #expect(abs(inverse[0][0] - 0.25) < 1e-12 && abs(inverse[0][1] + 0.25) < 1e-12)
    #expect(abs(inverse[1][1] - 0.75) < 1e-12 && abs(inverse[2][2] - 1) < 1e-12)
    #expect(inverseOfPositiveDefinite([[1, 2], [2, 1]]) == nil)
    let g = numericalGradient(f, at: [0.4, -1.3, 0])
    #expect(abs(g[0] - (2.4 - 2.6)) < 1e-7 && abs(g[1] - (0.8 - 2.6 + 7)) < 1e-7)
  }
}
