import LinearAlgebra
import Randomness
import Testing

@testable import Shocks

/// `Sampling.antithetic` at the generator: the shocks of path 2i + 1 are the exact negatives
/// of path 2i's, for normal and Student-t shocks, small and blocked products, and a schedule of
/// factors; even paths keep plain Monte Carlo's shocks.
@Suite("Antithetic shocks")
struct AntitheticShockTests {
  @Test(
    "odd paths are the exact negatives of even paths",
    arguments: [(3, false), (3, true), (50, false), (50, true)])
  func exactNegatives(n: Int, studentT: Bool) throws {
    let factors = CorrelationFactors([
      try CorrelationMatrix.constant(0.4, dimension: n),
      try CorrelationMatrix.constant(-0.8 / Double(n), dimension: n),
    ])
    let distribution: CorrelatedShockGenerator.Distribution =
      studentT ? .studentT(degreesOfFreedom: 4) : .normal
    let antithetic = try CorrelatedShockGenerator(
      factors: factors, seed: 99, distribution: distribution, sampling: .antithetic)
    let plain = try CorrelatedShockGenerator(
      factors: factors, seed: 99, distribution: distribution)
    let steps = 21
    let schedule: [UInt16] = (0..<steps).map { UInt16($0 % 3 == 0 ? 1 : 0) }
    func shocks(_ g: CorrelatedShockGenerator, _ path: Int) -> [Double] {
      var out = [Double](repeating: .nan, count: steps * n)
      out.withUnsafeMutableBufferPointer { o in
        schedule.withUnsafeBufferPointer { s in
          g.fill(path: path, steps: steps, into: o.baseAddress!, factorByStep: s.baseAddress!)
        }
      }
      return out
    }
    for even in [0, 6, 4_000_000_000] {
      let a = shocks(antithetic, even)
      let b = shocks(antithetic, even + 1)
      let mismatch = a.indices.first { b[$0].bitPattern != (-a[$0]).bitPattern }
      #expect(
        mismatch == nil,
        """
        n \(n), path \(even + 1), value \(mismatch ?? -1): expected −(path \(even)'s), \
        observed \(mismatch.map { b[$0] } ?? 0), tolerance 0
        """)
      #expect(a == shocks(plain, even), "n \(n): even path \(even) differs from plain sampling")
      #expect(b != shocks(plain, even + 1), "n \(n): odd path \(even + 1) kept its own stream")
    }
    #expect(antithetic.streamPath(7) == 6 && antithetic.streamPath(6) == 6)
    #expect(plain.streamPath(7) == 7)
  }
}
