import LinearAlgebra
import Randomness
import Testing

@testable import Shocks

/// The correlated shocks are `L z` summed in one fixed order, for every number of assets: the
/// same bits on every CPU and instruction set.
@Suite("Correlated shocks: fixed order of additions")
struct CorrelatedShockBitsTests {
  /// The shocks of `path` by the plain loop: the path's normals (a generator with the
  /// identity) times `Lᵀ`, row by row.
  static func plainShocks(
    _ correlation: CorrelationMatrix, seed: UInt64, path: Int, steps: Int
  ) -> [Double] {
    let n = correlation.dimension
    var normals = try! CorrelatedShockGenerator(correlation: .identity(n), seed: seed)
      .shocks(paths: path..<(path + 1), steps: steps)
    correlation.factor.lower.elements.withUnsafeBufferPointer { l in
      normals.withUnsafeMutableBufferPointer {
        CorrelatedShockGenerator.multiplySmall(
          $0.baseAddress!, rowCount: steps, lower: l.baseAddress!, n: n)
      }
    }
    return normals
  }

  static func firstDifference(_ observed: [Double], _ expected: [Double]) -> String? {
    guard
      let i = observed.indices.first(where: { observed[$0].bitPattern != expected[$0].bitPattern })
    else { return nil }
    return "value \(i): expected \(expected[i]), observed \(observed[i]), tolerance 0 ulp"
  }

  @Test("Shocks equal the plain loop bit for bit", arguments: [3, 8, 9, 50, 130])
  func equalPlainLoop(n: Int) throws {
    let correlation = try CorrelationMatrix.constant(0.4, dimension: n)
    let generator = try CorrelatedShockGenerator(correlation: correlation, seed: 7)
    let steps = 37
    for path in [0, 5, 1_000_003] {
      let observed = generator.shocks(paths: path..<(path + 1), steps: steps)
      let expected = Self.plainShocks(correlation, seed: 7, path: path, steps: steps)
      let difference = Self.firstDifference(observed, expected)
      #expect(difference == nil, "n = \(n), path \(path): \(difference ?? "")")
    }
  }

  @Test("With a schedule, each step equals its own factor's shocks", arguments: [5, 50])
  func scheduleTakesEachStepsFactor(n: Int) throws {
    let factors = [
      try CorrelationMatrix.constant(0.3, dimension: n),
      try CorrelationMatrix.constant(0.7, dimension: n), .identity(n),
    ]
    let generator = try CorrelatedShockGenerator(factors: CorrelationFactors(factors), seed: 11)
    let steps = 29
    let schedule = (0..<steps).map { UInt16(($0 / 3 + $0 % 2) % 3) }
    var observed = [Double](repeating: .nan, count: steps * n)
    observed.withUnsafeMutableBufferPointer { out in
      schedule.withUnsafeBufferPointer {
        generator.fill(path: 4, steps: steps, into: out.baseAddress!, factorByStep: $0.baseAddress)
      }
    }
    let alone = factors.map { Self.plainShocks($0, seed: 11, path: 4, steps: steps) }
    for t in 0..<steps {
      let expected = Array(alone[Int(schedule[t])][(t * n)..<((t + 1) * n)])
      let difference = Self.firstDifference(Array(observed[(t * n)..<((t + 1) * n)]), expected)
      #expect(difference == nil, "step \(t), factor \(schedule[t]): \(difference ?? "")")
    }
  }
}
