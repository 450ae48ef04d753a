import CKernels
import Foundation
import Randomness
import Testing

@testable import Processes

/// The vectorised exponential of the price paths against the C library's `exp`.
@Suite("Vectorised exponential")
struct ExponentialTests {
  /// The distance in units in the last place between two positive finite doubles.
  static func ulps(_ a: Double, _ b: Double) -> Int64 {
    abs(Int64(bitPattern: a.bitPattern) &- Int64(bitPattern: b.bitPattern))
  }

  @Test(
    "within 1 ulp of libm over the range of log prices and log returns",
    arguments: [(-1.0, 1.0), (-20.0, 20.0), (-700.0, 700.0), (0.0, 15.0)])
  func accuracy(range: (Double, Double)) {
    var rng = PathStream(seed: 11, path: 0)
    let count = 200_000
    var values = (0..<count).map { _ in range.0 + (range.1 - range.0) * rng.nextOpenUnit() }
    let expected = values.map { Foundation.exp($0) }
    values.withUnsafeMutableBufferPointer {
      Exponential.exponentiate($0.baseAddress!, count: count)
    }
    var worst: Int64 = 0
    var equal = 0
    var worstAt = 0.0
    for i in 0..<count {
      let u = Self.ulps(values[i], expected[i])
      if u > worst { (worst, worstAt) = (u, values[i]) }
      if u == 0 { equal += 1 }
    }
    #expect(
      worst <= 1,
      "expected at most 1 ulp from libm exp, observed \(worst) ulp (at exp = \(worstAt)); tolerance 1 ulp"
    )
    #expect(
      Double(equal) / Double(count) >= 0.8,
      "expected at least 80% equal to libm, observed \(Double(equal) / Double(count))")
  }

  @Test("arguments outside the fast range take the C library's exp")
  func edges() {
    let inputs: [Double] = [
      0, -0.0, 1, 708, 708.5, 709.78, 710, 1000, -708, -720, -745.2, -746, -1000,
      .infinity, -.infinity, .nan, 1e-300, -1e-300,
    ]
    // Each value alone, and each within a chunk of ordinary values.
    for x in inputs {
      var alone = [x]
      alone.withUnsafeMutableBufferPointer { Exponential.exponentiate($0.baseAddress!, count: 1) }
      var mixed = [0.5, x, 4.6]
      mixed.withUnsafeMutableBufferPointer { Exponential.exponentiate($0.baseAddress!, count: 3) }
      for result in [alone[0], mixed[1]] {
        if x.isNaN {
          #expect(result.isNaN, "exp(nan): expected nan, observed \(result)")
        } else {
          #expect(
            Self.ulps(result, Foundation.exp(x)) <= 1,
            "exp(\(x)): expected \(Foundation.exp(x)), observed \(result), tolerance 1 ulp")
        }
      }
      #expect(
        Self.ulps(mixed[0], Foundation.exp(0.5)) <= 1
          && Self.ulps(mixed[2], Foundation.exp(4.6)) <= 1)
    }
  }

  @Test("a largest magnitude given by the caller gives the same results, in and out of range")
  func givenLargest() {
    for values in [[0.1, -3, 4.6, 700], [0.1, 800, -1], [1, .nan, 2], [-750, 0]] as [[Double]] {
      let largest = values.map(Exponential.magnitudeBits).max()!
      var found = values
      found.withUnsafeMutableBufferPointer {
        Exponential.exponentiate($0.baseAddress!, count: $0.count)
      }
      var given = values
      given.withUnsafeMutableBufferPointer {
        Exponential.exponentiate($0.baseAddress!, count: $0.count, largestMagnitudeBits: largest)
      }
      #expect(
        zip(found, given).allSatisfy { $0.bitPattern == $1.bitPattern },
        "exp of \(values): \(found) without the largest magnitude, \(given) with it")
    }
  }

  @Test("the result does not depend on how the values are split into calls")
  func splitting() {
    var rng = PathStream(seed: 3, path: 1)
    let values = (0..<1_000).map { _ in 10 * rng.nextOpenUnit() - 5 }
    var whole = values
    whole.withUnsafeMutableBufferPointer { Exponential.exponentiate($0.baseAddress!, count: 1_000) }
    var pieces = values
    pieces.withUnsafeMutableBufferPointer { p in
      var start = 0
      for size in [1, 7, 64, 65, 3, 860] {
        Exponential.exponentiate(p.baseAddress! + start, count: size)
        start += size
      }
    }
    #expect(whole == pieces)
  }

  /// The range check of `scengine_exp_if_in_range` (what `exponentiate` tries first when the
  /// caller gives no largest magnitude): one value beyond ±708, infinite or NaN, in the vector
  /// lanes or in the tail after them, and the values are left alone; ±708 itself is in range.
  @Test("the AVX-512 range check refuses every value outside ±708 and leaves the values alone")
  func rangeCheck() {
    let above = (708.0 as Double).nextUp
    let outside: [Double] = [above, -above, 1e300, .infinity, -.infinity, .nan]
    let avx512 = scengine_simd_level() >= 2
    for count in [1, 7, 8, 9, 16, 17, 252] {
      for position in Set([0, count / 2, count - 1]) {
        for bad in outside {
          var values = (0..<count).map { Double($0 % 13) - 6 }
          values[position] = bad
          let before = values
          let done = values.withUnsafeMutableBufferPointer {
            scengine_exp_if_in_range(2, $0.baseAddress!, count)
          }
          #expect(
            done == 0 && zip(values, before).allSatisfy { $0.bitPattern == $1.bitPattern },
            "count \(count), \(bad) at \(position): expected 0, unchanged; observed \(done)")
        }
        var values = (0..<count).map { Double($0 % 13) - 6 }
        values[position] = position % 2 == 0 ? 708 : -708
        let expected = values.map(Exponential.fast)
        let done = values.withUnsafeMutableBufferPointer {
          scengine_exp_if_in_range(2, $0.baseAddress!, count)
        }
        #expect(
          done == (avx512 ? 1 : 0),
          "count \(count), ±708 at \(position): expected \(avx512 ? 1 : 0), observed \(done)")
        if done == 1 {
          #expect(zip(values, expected).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
      }
    }
  }

  /// The AVX-512 kernel, where the processor has it, must give `fast`'s bits: over the whole
  /// fast range, near the halfway points of `x / ln 2` where `n` changes, at the range's ends,
  /// and for counts around its eight lanes.
  @Test("the AVX-512 kernel equals the Swift loop bit for bit")
  func kernelEqualsSwift() {
    var rng = PathStream(seed: 17, path: 5)
    var values: [Double] = [0, -0.0, 708, -708, 1e-300, -1e-300, 0.5, -0.5]
    for _ in 0..<100_000 { values.append(1416 * rng.nextOpenUnit() - 708) }
    for _ in 0..<20_000 { values.append(2 * rng.nextOpenUnit() - 1) }
    for k in -1_000...1_000 {
      let half = (Double(k) + 0.5) * 0.693_147_180_559_945_3
      values += [half.nextDown, half, half.nextUp]
    }
    let expected = values.map(Exponential.fast)
    for count in [values.count, 1, 7, 8, 9, 15, 16, 17] {
      var got = Array(values.prefix(count))
      let level = got.withUnsafeMutableBufferPointer {
        Exponential.inRange($0.baseAddress!, count: count, level: 2)
        return scengine_simd_level()
      }
      let differing = (0..<count).filter { got[$0].bitPattern != expected[$0].bitPattern }
      let first = differing.first.map { values[$0] } ?? 0
      let differ = differing.count
      #expect(
        differ == 0, "level \(level), count \(count): \(differ) differ, first at x = \(first)")
    }
  }
}
