import Testing

@testable import Randomness

@Suite("Brownian bridge")
struct BrownianBridgeTests {
  static let sizes = [1, 2, 3, 7, 252]

  /// The increments of `bridge` for `normals`, contiguous.
  static func increments(_ bridge: BrownianBridge, _ normals: [Double]) -> [Double] {
    var out = [Double](repeating: .nan, count: bridge.steps)
    normals.withUnsafeBufferPointer { input in
      out.withUnsafeMutableBufferPointer { output in
        bridge.increments(
          from: input.baseAddress!, stride: 1, into: output.baseAddress!, stride: 1)
      }
    }
    return out
  }

  @Test("The increments sum to √N z₀, the terminal value", arguments: sizes)
  func terminal(steps: Int) {
    let bridge = BrownianBridge(steps: steps)
    var stream = PathStream(seed: 17, path: steps)
    for _ in 0..<100 {
      let z = (0..<steps).map { _ in stream.nextStandardNormal() }
      let sum = Self.increments(bridge, z).reduce(0, +)
      let expected = Double(steps).squareRoot() * z[0]
      let tolerance = 1e-13 * Double(steps) * max(1, abs(expected))
      #expect(
        abs(sum - expected) <= tolerance,
        "N = \(steps): expected \(expected), observed \(sum), tolerance \(tolerance)")
    }
  }

  @Test("Normal 0 alone gives equal increments z₀/√N (a straight line to W_N)")
  func firstNormalOnly() {
    for steps in Self.sizes {
      var z = [Double](repeating: 0, count: steps)
      z[0] = 2
      let expected = 2 / Double(steps).squareRoot()
      for (t, dw) in Self.increments(BrownianBridge(steps: steps), z).enumerated() {
        #expect(
          abs(dw - expected) < 1e-13, "N = \(steps), step \(t + 1): \(dw), expected \(expected)")
      }
    }
  }

  @Test("Order of importance for N = 8: W₈, W₄, W₂, W₆, W₁, W₃, W₅, W₇")
  func order() {
    let bridge = BrownianBridge(steps: 8)
    #expect(bridge.target.map { $0 + 1 } == [8, 4, 2, 6, 1, 3, 5, 7])
    // N = 5: W₅, W₂ (the left of the two middles of 0…5), W₁, W₃ (in 2…5), W₄.
    #expect(BrownianBridge(steps: 5).target.map { $0 + 1 } == [5, 2, 1, 3, 4])
  }

  @Test("Cov(W_t, W_s) = min(t, s): the bridge's matrix times its transpose", arguments: sizes)
  func covariance(steps: Int) {
    let bridge = BrownianBridge(steps: steps)
    // Column k: the path W built from the unit vector e_k.
    var paths: [[Double]] = []
    for k in 0..<steps {
      var e = [Double](repeating: 0, count: steps)
      e[k] = 1
      var w = 0.0
      paths.append(
        Self.increments(bridge, e).map { dw in
          w += dw
          return w
        })
    }
    var worst = 0.0
    for t in 0..<steps {
      for s in 0...t {
        var c = 0.0
        for k in 0..<steps { c += paths[k][t] * paths[k][s] }
        let expected = Double(s + 1)
        worst = max(worst, abs(c - expected))
        if abs(c - expected) > 1e-12 * Double(steps) {
          Issue.record("N = \(steps): Cov(W_\(t + 1), W_\(s + 1)) = \(c), expected \(expected)")
          return
        }
      }
    }
    print("N = \(steps): largest covariance error \(worst)")
  }

  @Test("Strided input and output give the same increments")
  func strides() {
    let bridge = BrownianBridge(steps: 7)
    var stream = PathStream(seed: 3, path: 0)
    let z = (0..<21).map { _ in stream.nextStandardNormal() }
    var out = [Double](repeating: .nan, count: 14)
    z.withUnsafeBufferPointer { input in
      out.withUnsafeMutableBufferPointer { output in
        bridge.increments(from: input.baseAddress!, stride: 3, into: output.baseAddress!, stride: 2)
      }
    }
    let contiguous = Self.increments(bridge, stride(from: 0, to: 21, by: 3).map { z[$0] })
    #expect(stride(from: 0, to: 14, by: 2).map { out[$0] } == contiguous)
  }

  @Test(
    "With iid normal inputs the increments have mean 0, variance 1 and no correlation",
    arguments: [7, 16])
  func moments(steps: Int) {
    let bridge = BrownianBridge(steps: steps)
    let paths = 100_000 / steps + 1
    var stream = PathStream(seed: 20_261_203, path: steps)
    var sample = [[Double]](repeating: [], count: steps)
    for _ in 0..<paths {
      let z = (0..<steps).map { _ in stream.nextStandardNormal() }
      for (t, dw) in Self.increments(bridge, z).enumerated() { sample[t].append(dw) }
    }
    for t in 0..<steps {
      expectMeanAndVariance(
        "N = \(steps) step \(t + 1)", of: sample[t], mean: 0, variance: 1, excessKurtosis: 0)
      for s in 0..<t {
        var c = 0.0
        for i in 0..<paths { c += sample[t][i] * sample[s][i] }
        // Of the mean of a product of independent N(0, 1): standard error 1/√n.
        expectWithinStandardErrors(
          "N = \(steps) E[ΔW_\(t + 1) ΔW_\(s + 1)]", observed: c / Double(paths), expected: 0,
          standardError: 1 / Double(paths).squareRoot())
      }
    }
  }
}
