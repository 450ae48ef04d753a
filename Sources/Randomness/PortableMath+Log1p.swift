extension PortableMath {
  /// `ln(1 + x)`, accurate for small `x`: fdlibm's `log1p`.
  ///
  /// Method: `1 + x = 2ᵏ (1 + f)` with `√2/2 < 1 + f < √2`; when `k ≠ 0`, `u = 1 + x` is
  /// rounded and the correction `c ≈ ((1 + x) − u) / u` is added back. With `s = f / (2 + f)`,
  ///
  ///     log(1 + f) = f − (f²/2 − s (f²/2 + R)),   R = Lp1 s² + … + Lp7 s¹⁴
  ///
  /// (the minimax polynomial of `PortableLogarithm`, error below 2⁻⁵⁸·⁴⁵), and
  /// `log1p(x) = k ln 2 + log(1 + f)` with `ln 2` split in a high part exact for every `k`
  /// and a low part. Error below 1 ulp.
  ///
  /// Special values: `log1p(−1) = −∞`, `log1p(x < −1) = NaN`, `log1p(+∞) = +∞`,
  /// `log1p(NaN) = NaN`, `log1p(±0) = ±0`.
  @inlinable
  public static func log1p(_ x: Double) -> Double { computeLog1p(x) }

  @usableFromInline
  static func computeLog1p(_ x: Double) -> Double {
    let hx = highWord(x)
    let ax = hx & 0x7FFF_FFFF
    var k: Int32 = 1
    var f = 0.0
    var hu: Int32 = 0
    var c = 0.0
    if hx < 0x3FDA_827A {
      // 1 + x < √2.
      if ax >= 0x3FF0_0000 {
        // x ≤ −1 (or NaN with the sign bit).
        if x == -1 { return -.infinity }
        return .nan
      }
      if ax < 0x3E20_0000 {
        // |x| < 2⁻²⁹.
        if ax < 0x3C90_0000 { return x }
        return x - x * x * 0.5
      }
      if hx > 0 || hx <= Int32(bitPattern: 0xBFD2_BEC4) {
        // √2/2 ≤ 1 + x < √2: k = 0 and f = x exactly.
        k = 0
        f = x
        hu = 1
      }
    }
    if hx >= 0x7FF0_0000 { return x + x }
    if k != 0 {
      var u: Double
      if hx < 0x4340_0000 {
        u = 1.0 + x
        hu = highWord(u)
        k = (hu >> 20) - 1023
        c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0)  // correction term
        c /= u
      } else {
        u = x
        hu = highWord(u)
        k = (hu >> 20) - 1023
        c = 0
      }
      hu &= 0x000F_FFFF
      if hu < 0x6A09E {
        // u < √2: normalise u.
        u = settingHighWord(u, hu | 0x3FF0_0000)
      } else {
        // normalise u / 2.
        k += 1
        u = settingHighWord(u, hu | 0x3FE0_0000)
        hu = (0x0010_0000 - hu) >> 2
      }
      f = u - 1.0
    }
    let dk = Double(k)
    let halfSquare = 0.5 * f * f
    if hu == 0 {
      // |f| < 2⁻²⁰.
      if f == 0 {
        if k == 0 { return 0 }
        c += dk * ln2Low
        return dk * ln2High + c
      }
      let r = halfSquare * (1.0 - 0.66666666666666666 * f)
      return k == 0 ? f - r : dk * ln2High - ((r - (dk * ln2Low + c)) - f)
    }
    let s = f / (2.0 + f)
    let z = s * s
    let lg1 = PortableLogarithm.lg1
    let lg2 = PortableLogarithm.lg2
    let lg3 = PortableLogarithm.lg3
    let lg4 = PortableLogarithm.lg4
    let lg5 = PortableLogarithm.lg5
    let lg6 = PortableLogarithm.lg6
    let lg7 = PortableLogarithm.lg7
    let r = z * (lg1 + z * (lg2 + z * (lg3 + z * (lg4 + z * (lg5 + z * (lg6 + z * lg7))))))
    if k == 0 { return f - (halfSquare - s * (halfSquare + r)) }
    return dk * ln2High - ((halfSquare - (s * (halfSquare + r) + (dk * ln2Low + c))) - f)
  }
}
