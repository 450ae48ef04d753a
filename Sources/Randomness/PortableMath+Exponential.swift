extension PortableMath {
  @usableFromInline static let p1 = 1.66666666666666019037e-01
  @usableFromInline static let p2 = -2.77777777770155933842e-03
  @usableFromInline static let p3 = 6.61375632143793436117e-05
  @usableFromInline static let p4 = -1.65339022054652515390e-06
  @usableFromInline static let p5 = 4.13813679705723846039e-08

  /// `eˣ`, fdlibm's `__ieee754_exp`.
  ///
  /// Method: `x = k ln 2 + r` with `|r| ≤ ln 2 / 2`, `r` held as `hi − lo` (the product
  /// `k ln 2` split so that its high part is exact). With `R(r²) = r (eʳ + 1) / (eʳ − 1)`
  /// approximated by a degree-5 polynomial in `r²` (Remez; error below 2⁻⁵⁹),
  ///
  ///     eʳ = 1 + r + r c / (2 − c),   c = r − (P1 r² + P2 r⁴ + … + P5 r¹⁰),
  ///
  /// and `eˣ = 2ᵏ eʳ`. Error below 1 ulp.
  ///
  /// Special values: `e^+∞ = +∞`, `e^−∞ = 0`, `e^NaN = NaN`; `+∞` above 709.78, 0 below
  /// −745.13; subnormal results are rounded twice (scaled by 2¹⁰⁰⁰, then by 2⁻¹⁰⁰⁰).
  @inlinable
  public static func exp(_ x: Double) -> Double { computeExp(x) }

  @usableFromInline
  static func computeExp(_ argument: Double) -> Double {
    var x = argument
    let signed = highWord(x)
    let negative = signed < 0
    let hx = signed & 0x7FFF_FFFF
    if hx >= 0x4086_2E42 {
      // |x| ≥ 709.78, infinite or NaN.
      if hx >= 0x7FF0_0000 {
        if x.isNaN { return x + x }
        return negative ? 0 : x
      }
      if x > overflowThreshold { return .infinity }
      if x < underflowThreshold { return 0 }
    }
    var high = 0.0
    var low = 0.0
    var k: Int32 = 0
    if hx > 0x3FD6_2E42 {
      // |x| > ln 2 / 2.
      if hx < 0x3FF0_A2B2 {
        // and |x| < 1.5 ln 2: k = ±1.
        high = negative ? x + ln2High : x - ln2High
        low = negative ? -ln2Low : ln2Low
        k = negative ? -1 : 1
      } else {
        k = Int32(log2e * x + (negative ? -0.5 : 0.5))
        let t = Double(k)
        high = x - t * ln2High
        low = t * ln2Low
      }
      x = high - low
    } else if hx < 0x3E30_0000 {
      // |x| < 2⁻²⁸.
      return 1 + x
    }
    if k == 0 {
      let t = x * x
      let c = x - t * (p1 + t * (p2 + t * (p3 + t * (p4 + t * p5))))
      return 1 - ((x * c) / (c - 2.0) - x)
    }
    return reducedExp(high: high, low: low, k: k)
  }

  /// `2ᵏ e^(high − low)` for `|high − low| ≤ ln 2 / 2` (about), `k ≠ 0`: the second half of
  /// `exp`.
  @inline(__always) @usableFromInline
  static func reducedExp(high: Double, low: Double, k: Int32) -> Double {
    let x = high - low
    let t = x * x
    let c = x - t * (p1 + t * (p2 + t * (p3 + t * (p4 + t * p5))))
    let y = 1 - ((low - (x * c) / (2.0 - c)) - high)
    if k >= -1021 {
      if k == 1024 { return y * 2.0 * 0x1p1023 }
      return y * powerOfTwo(k)
    }
    return y * powerOfTwo(k + 1000) * 0x1p-1000
  }

  /// `e^(a + b)` for an `a` with at most 50 significant bits at or above 2⁻⁴⁰ (so that
  /// `a − k ln2High` is exact) and a small correction `b` (`|b| < 1`), without rounding
  /// `a + b` first: `b` joins the low part of the reduced argument. For `−813 < a + b < 709`
  /// (the range of `erfc`'s use); with one rounding less than `exp(a) · exp(b)`.
  @usableFromInline
  static func exp(_ a: Double, plus b: Double) -> Double {
    let sum = a + b
    if sum > overflowThreshold { return .infinity }
    if sum < underflowThreshold { return 0 }
    let k = Int32(log2e * sum + (sum < 0 ? -0.5 : 0.5))
    let t = Double(k)
    let high = a - t * ln2High
    let low = t * ln2Low - b
    if k == 0 {
      let x = high - low
      let tt = x * x
      let c = x - tt * (p1 + tt * (p2 + tt * (p3 + tt * (p4 + tt * p5))))
      return 1 - ((low - (x * c) / (2.0 - c)) - high)
    }
    return reducedExp(high: high, low: low, k: k)
  }

  @usableFromInline static let q1 = -3.33333333333331316428e-02
  @usableFromInline static let q2 = 1.58730158725481460165e-03
  @usableFromInline static let q3 = -7.93650757867487942473e-05
  @usableFromInline static let q4 = 4.00821782732936239552e-06
  @usableFromInline static let q5 = -2.01099218183624371326e-07

  /// `eˣ − 1`, accurate for small `x`: fdlibm's `expm1`.
  ///
  /// Method: `x = k ln 2 + r` as for `exp`, with a correction `c` for the rounding of `r`.
  /// With `r (eʳ + 1) / (eʳ − 1) = 2 + r²/6 · R1(r²)` and `R1` a degree-5 polynomial in `r²`
  /// (Remez; error below 2⁻⁶¹),
  ///
  ///     expm1(r) = r + r²/2 + r³/2 · (3 − (R1 + R1 r/2)) / (6 − r (3 − R1 r/2)),
  ///
  /// corrected by `c + r c`, and `expm1(x) = 2ᵏ (expm1(r) + 1) − 1` arranged by the size of
  /// `k` so as to lose nothing to cancellation. Error below 1 ulp.
  ///
  /// Special values: `expm1(+∞) = +∞`, `expm1(−∞) = −1`, `expm1(NaN) = NaN`; `−1` below
  /// `−56 ln 2`, `+∞` above 709.78; `expm1(±0) = ±0`.
  @inlinable
  public static func expm1(_ x: Double) -> Double { computeExpm1(x) }

  @usableFromInline
  static func computeExpm1(_ argument: Double) -> Double {
    var x = argument
    let signed = highWord(x)
    let negative = signed < 0
    let hx = signed & 0x7FFF_FFFF
    if hx >= 0x4043_687A {
      // |x| ≥ 56 ln 2.
      if hx >= 0x4086_2E42 {
        if hx >= 0x7FF0_0000 {
          if x.isNaN { return x + x }
          return negative ? -1 : x
        }
        if x > overflowThreshold { return .infinity }
      }
      if negative { return -1 }
    }
    var k: Int32 = 0
    var c = 0.0
    if hx > 0x3FD6_2E42 {
      // |x| > ln 2 / 2.
      var high: Double
      var low: Double
      if hx < 0x3FF0_A2B2 {
        high = negative ? x + ln2High : x - ln2High
        low = negative ? -ln2Low : ln2Low
        k = negative ? -1 : 1
      } else {
        k = Int32(log2e * x + (negative ? -0.5 : 0.5))
        let t = Double(k)
        high = x - t * ln2High
        low = t * ln2Low
      }
      x = high - low
      c = (high - x) - low
    } else if hx < 0x3C90_0000 {
      // |x| < 2⁻⁵⁴.
      return x
    }
    let halfX = 0.5 * x
    let halfSquare = x * halfX
    let r1 =
      1 + halfSquare
      * (q1 + halfSquare * (q2 + halfSquare * (q3 + halfSquare * (q4 + halfSquare * q5))))
    var t = 3.0 - r1 * halfX
    var e = halfSquare * ((r1 - t) / (6.0 - x * t))
    if k == 0 { return x - (x * e - halfSquare) }
    e = x * (e - c) - c
    e -= halfSquare
    if k == -1 { return 0.5 * (x - e) - 0.5 }
    if k == 1 {
      if x < -0.25 { return -2.0 * (e - (x + 0.5)) }
      return 1 + 2.0 * (x - e)
    }
    if k <= -2 || k > 56 {
      // eˣ − 1 from eˣ suffices.
      var y = 1 - (e - x)
      if k == 1024 { y = y * 2.0 * 0x1p1023 } else { y = y * powerOfTwo(k) }
      return y - 1
    }
    var y: Double
    if k < 20 {
      t = double(high: 0x3FF0_0000 - (0x20_0000 >> k), low: 0)  // 1 − 2⁻ᵏ
      y = t - (e - x)
    } else {
      t = double(high: (0x3FF - k) << 20, low: 0)  // 2⁻ᵏ
      y = x - (e + t)
      y += 1
    }
    return y * powerOfTwo(k)
  }
}
