import CKernels
import Randomness

/// The exponential of many doubles at once, in place: the one `exp` of every simulated price.
///
/// Method (Cody and Waite 1980; Muller, "Elementary Functions", 3rd ed., §11.3): with
/// `n = round(x / ln 2)` and `r = x − n ln 2` (`|r| ≤ ln 2 / 2`, the product `n ln 2` split into
/// a high part with trailing zero bits, exact for `|n| < 2¹¹`, and a low part),
///
///     eˣ = 2ⁿ · eʳ,    eʳ ≈ Σ_{k=0…13} rᵏ / k!,
///
/// whose truncation error, `(ln 2 / 2)¹⁴ / 14! < 5·10⁻¹⁸`, is far below one ulp. The polynomial
/// is evaluated by Estrin's scheme (Muller §6.1), whose short dependency chains keep the
/// vector units busy. `n` comes from adding and subtracting `1.5 · 2⁵²` (round to nearest, no
/// conversion instruction) and `2ⁿ` is built from its bits. Products and sums are separate IEEE
/// operations (no fused multiply-add), so the result is the same on every machine and for
/// every instruction set the compiler targets; the loop has no branch and no table, so it
/// vectorises. Against glibc's `exp`: at most 1 ulp apart, equal for about 90% of arguments
/// (`ExponentialTests`).
///
/// Arguments with `|x| > 708` (where `2ⁿ` leaves the normal range), infinities and NaN are
/// rare; a chunk that holds one is computed by fdlibm's `exp` (`PortableMath.exp`) instead.
///
/// On processors with AVX-512 the fast range is computed eight at a time by the C kernel
/// `scengine_exp_in_range` (target `CKernels`), with the same operations in the same order:
/// the Swift code is compiled for AVX2, four lanes. `ExponentialTests` holds the two to the
/// same bits.
enum Exponential {
  /// `1.5 · 2⁵²`: adding it rounds a double of magnitude below 2⁵¹ to an integer.
  static let roundingShift = 0x1.8p52
  static let log2e = 1.4426950408889634
  /// `ln 2` split: the high part has 32 significant bits, so `n · ln2High` is exact.
  static let ln2High = 0.6931471803691238
  static let ln2Low = 1.9082149292705877e-10
  /// `|x|` above this (as the bits of a positive double) takes `PortableMath.exp`.
  static let largestFastBits = (708.0).bitPattern
  static let chunk = 64

  /// Whether `exponentiate` finds the largest magnitude itself, in vector lanes, as fast as
  /// a caller could track it (processors with AVX-512): callers then pass `nil`.
  static let checksRangeInLanes = scengine_simd_level() >= 2

  /// The bits of `|x|`, which order like the magnitudes (NaN above infinity): a running
  /// `max` of them tells whether every value is in the fast range.
  @inline(__always)
  static func magnitudeBits(_ x: Double) -> UInt64 { x.bitPattern & 0x7FFF_FFFF_FFFF_FFFF }

  /// Replaces each of `count` values at `values` by its exponential.
  ///
  /// - Parameter largestMagnitudeBits: the largest `magnitudeBits` of the values, when the
  ///   caller has it at hand (it saves a pass over the values); `nil` to have it found here.
  static func exponentiate(
    _ values: UnsafeMutablePointer<Double>, count: Int, largestMagnitudeBits: UInt64? = nil
  ) {
    if let largest = largestMagnitudeBits, largest <= largestFastBits {
      inRange(values, count: count)
      return
    }
    if largestMagnitudeBits == nil && scengine_exp_if_in_range(2, values, count) != 0 { return }
    var start = 0
    while start < count {
      let end = min(start + chunk, count)
      var largest: UInt64 = 0
      for i in start..<end {
        largest = max(largest, magnitudeBits(values[i]))
      }
      if largest <= largestFastBits {
        inRange(values + start, count: end - start)
      } else {
        for i in start..<end { values[i] = PortableMath.exp(values[i]) }
      }
      start = end
    }
  }

  /// `fast` of each of `count` values at `values`, all of magnitude at most 708: by the C
  /// kernel where the processor has AVX-512 (`level`, as `scengine_simd_level`: the tests
  /// choose), by the loop here otherwise.
  @inline(__always)
  static func inRange(_ values: UnsafeMutablePointer<Double>, count: Int, level: Int32 = 2) {
    if scengine_exp_in_range(level, values, count) != 0 { return }
    for i in 0..<count { values[i] = fast(values[i]) }
  }

  /// `eˣ` for `|x| ≤ 708`.
  @inline(__always)
  static func fast(_ x: Double) -> Double {
    let shifted = x * log2e + roundingShift
    let n = shifted - roundingShift
    let r = (x - n * ln2High) - n * ln2Low
    // Estrin's scheme: eʳ = 1 + r + r²(a + r⁴(b + r⁴c)), with a, b, c built from pairs of
    // Taylor terms; the shallow dependency tree keeps the vector units busy.
    let r2 = r * r
    let r4 = r2 * r2
    let a = (0.5 + r * (1.0 / 6)) + r2 * (1.0 / 24 + r * (1.0 / 120))
    let b = (1.0 / 720 + r * (1.0 / 5_040)) + r2 * (1.0 / 40_320 + r * (1.0 / 362_880))
    let c =
      (1.0 / 3_628_800 + r * (1.0 / 39_916_800))
      + r2 * (1.0 / 479_001_600 + r * (1.0 / 6_227_020_800))
    let p = 1 + (r + r2 * (a + r4 * (b + r4 * c)))
    // The low bits of `shifted` hold n (two's complement): 2ⁿ has exponent field n + 1023.
    let exponent = shifted.bitPattern &- roundingShift.bitPattern &+ 1023
    return p * Double(bitPattern: exponent &<< 52)
  }
}
