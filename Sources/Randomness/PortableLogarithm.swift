/// The natural logarithm with the same bits on every CPU: the samplers' `−log U`.
///
/// The C library's `log` is chosen at run time by CPU (glibc 2.36 on x86-64: an FMA build on
/// Haswell and later, SSE2 on older CPUs), and the variants round about one argument in 17,000
/// differently; a sampler that calls it could give other bits on another node. This is
/// fdlibm's `__ieee754_log` (Sun Microsystems, 1993; the algorithm of FreeBSD's and musl's
/// `log`), whose products and sums are separate IEEE operations (Swift emits no fused
/// multiply-add unless asked to), so the result depends only on the argument.
///
/// Method: `x = 2ᵏ (1 + f)` with `√2/2 < 1 + f < √2`; with `s = f / (2 + f)`,
///
///     log(1 + f) = f − s (f − R),   R = 2s²/3 + 2s⁴/5 + … (a minimax polynomial in s²,
///                                    |error| < 2⁻⁵⁸·⁴⁵),
///
/// and `k · ln 2` is added as a high part exact for every `k` and a low part. Error below
/// 1 ulp (`PortableLogarithmTests` compares it with glibc's `log`).
///
/// Special values: `log(±0) = −∞`, `log(x < 0) = NaN`, `log(+∞) = +∞`, `log(NaN) = NaN`;
/// subnormal arguments are scaled by 2⁵⁴ first.
public enum PortableLogarithm {
  static let ln2High = 6.93147180369123816490e-01
  static let ln2Low = 1.90821492927058770002e-10
  static let lg1 = 6.666666666666735130e-01
  static let lg2 = 3.999999999940941908e-01
  static let lg3 = 2.857142874366239149e-01
  static let lg4 = 2.222219843214978396e-01
  static let lg5 = 1.818357216161805012e-01
  static let lg6 = 1.531383769920937332e-01
  static let lg7 = 1.479819860511658591e-01

  /// `ln x`.
  @inlinable
  public static func log(_ x: Double) -> Double { compute(x) }

  @usableFromInline
  static func compute(_ argument: Double) -> Double {
    var x = argument
    var hx = Int32(truncatingIfNeeded: x.bitPattern >> 32)
    var k: Int32 = 0
    if hx < 0x0010_0000 {
      // x < 2⁻¹⁰²², zero, negative or NaN with the sign bit.
      if x == 0 { return -.infinity }
      if x < 0 || x.isNaN { return .nan }
      k -= 54
      x *= 0x1p54
      hx = Int32(truncatingIfNeeded: x.bitPattern >> 32)
    }
    if hx >= 0x7FF0_0000 { return x + x }
    k += (hx >> 20) - 1023
    hx &= 0x000F_FFFF
    let i = (hx + 0x95F64) & 0x0010_0000
    // Normalise x or x/2 into [√2/2, √2).
    let high = UInt64(UInt32(bitPattern: hx | (i ^ 0x3FF0_0000)))
    x = Double(bitPattern: (high << 32) | (x.bitPattern & 0xFFFF_FFFF))
    k += i >> 20
    let f = x - 1.0
    let dk = Double(k)
    if (0x000F_FFFF & (2 + hx)) < 3 {
      // |f| < 2⁻²⁰.
      if f == 0 { return k == 0 ? 0 : dk * ln2High + dk * ln2Low }
      let r = f * f * (0.5 - 0.33333333333333333 * f)
      return k == 0 ? f - r : dk * ln2High - ((r - dk * ln2Low) - f)
    }
    let s = f / (2.0 + f)
    let z = s * s
    let w = z * z
    let t1 = w * (lg2 + w * (lg4 + w * lg6))
    let t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)))
    let r = t2 + t1
    // fdlibm returns `f − (hfsq − s·(hfsq + R))` and `f − s·(f − R)` when k = 0; with k = 0
    // the forms below give the same bits (`dk · ln2High` and `dk · ln2Low` are +0, and
    // `a − b = −(b − a)` exactly for a non-zero difference, which it is here: |f| ≥ 2⁻²⁰), so
    // one form serves every k. The two forms are both computed and one is chosen, without a
    // branch: which one depends on the mantissa, and a branch on it mispredicts half the time.
    let hfsq = 0.5 * f * f
    let wide = ((hx - 0x6147A) | (0x6B851 - hx)) > 0
    let subtracted = wide ? hfsq - (s * (hfsq + r) + dk * ln2Low) : s * (f - r) - dk * ln2Low
    return dk * ln2High - (subtracted - f)
  }
}
