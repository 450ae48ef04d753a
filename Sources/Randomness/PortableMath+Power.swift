extension PortableMath {
  @usableFromInline enum PowerConstants {
    // (3/2)(log x − 2s − 2s³/3) as a polynomial in s².
    static let l1 = 5.99999999999994648725e-01
    static let l2 = 4.28571428578550184252e-01
    static let l3 = 3.33333329818377432918e-01
    static let l4 = 2.72728123808534006489e-01
    static let l5 = 2.30660745775561754067e-01
    static let l6 = 2.06975017800338417784e-01
    static let ln2 = 6.93147180559945286227e-01
    static let ln2High = 6.93147182464599609375e-01
    static let ln2Low = -1.90465429995776804525e-09
    /// `−(1024 − log₂(largest finite + ½ ulp))`.
    static let overflowTail = 8.0085662595372944372e-17
    /// `2 / (3 ln 2)`, whole and split.
    static let cp = 9.61796693925975554329e-01
    static let cpHigh = 9.61796700954437255859e-01
    static let cpLow = -7.02846165095275826516e-09
    /// `1 / ln 2` split: a 24-bit high part and the tail.
    static let invLn2High = 1.44269502162933349609e+00
    static let invLn2Low = 1.92596299112661746887e-08
    /// `log₂ 1.5` split.
    static let log2OfOneAndHalfHigh = 5.84962487220764160156e-01
    static let log2OfOneAndHalfLow = 1.35003920212974897128e-08
  }

  /// `xʸ`: fdlibm's `__ieee754_pow`.
  ///
  /// Method: with `x = 2ⁿ (1 + f)`, `log₂ x` is computed in two pieces `t1 + t2` (`t1` with 29
  /// trailing zero bits) from `s = (x − 1)/(x + 1)` or `(x − 1.5)/(x + 1.5)` and a
  /// degree-6 polynomial in `s²`; `y log₂ x = m + y'` (`|y'| ≤ ½`) is formed in simulated
  /// double precision (`y` split likewise), and `xʸ = 2ᵐ e^{y' ln 2}` with the rational
  /// approximation of `exp`. "Nearly rounded" (Sun's words): the error stays near 1 ulp, and
  /// integer powers of integers are exact when representable.
  ///
  /// Special values (C99 Annex F): `x⁰ = 1` and `1ʸ = 1` even for NaN; NaN if either argument
  /// is NaN otherwise; `(x < 0)^(non-integer) = NaN`; `(−x)^(odd integer) = −(xʸ)`;
  /// `(±0)^(y < 0) = +∞` (`−∞` for odd `y` and `−0`); `(|x| < 1)^+∞ = 0`, `(|x| > 1)^+∞ = +∞`,
  /// `(−1)^±∞ = 1`; overflow to `±∞`, underflow to `±0`.
  @inlinable
  public static func pow(_ x: Double, _ y: Double) -> Double { computePow(x, y) }

  // The statements follow fdlibm's line by line (its names kept as locals), so that the
  // order of every rounding is that of the reference.
  @usableFromInline
  static func computePow(_ x: Double, _ y: Double) -> Double {
    typealias C = PowerConstants
    let hx = highWord(x)
    let lx = lowWord(x)
    let hy = highWord(y)
    let ly = lowWord(y)
    var ix = hx & 0x7FFF_FFFF
    let iy = hy & 0x7FFF_FFFF

    // x⁰ = 1, and 1ʸ = 1 even if y is NaN.
    if iy == 0 && ly == 0 { return 1 }
    if hx == 0x3FF0_0000 && lx == 0 { return 1 }
    if x.isNaN || y.isNaN { return (x + 0.0) + (y + 0.0) }

    // For x < 0: 0 if y is not an integer, 1 if an odd one, 2 if an even one.
    var yIsInteger: Int32 = 0
    if hx < 0 {
      if iy >= 0x4340_0000 {
        yIsInteger = 2
      } else if iy >= 0x3FF0_0000 {
        let k = (iy >> 20) - 0x3FF
        if k > 20 {
          let j = ly >> UInt32(52 - k)
          if j << UInt32(52 - k) == ly { yIsInteger = 2 - Int32(j & 1) }
        } else if ly == 0 {
          let j = iy >> (20 - k)
          if j << (20 - k) == iy { yIsInteger = 2 - (j & 1) }
        }
      }
    }

    // y = ±∞, ±1, 2, ½.
    if ly == 0 {
      if iy == 0x7FF0_0000 {
        if (ix - 0x3FF0_0000) | Int32(bitPattern: lx) == 0 { return 1 }
        if ix >= 0x3FF0_0000 { return hy >= 0 ? y : 0 }
        return hy < 0 ? -y : 0
      }
      if iy == 0x3FF0_0000 { return hy < 0 ? 1 / x : x }
      if hy == 0x4000_0000 { return x * x }
      if hy == 0x3FE0_0000 && hx >= 0 { return x.squareRoot() }
    }

    var ax = abs(x)
    // x = ±0, ±∞, ±1.
    if lx == 0 && (ix == 0x7FF0_0000 || ix == 0 || ix == 0x3FF0_0000) {
      var z = ax
      if hy < 0 { z = 1 / z }
      if hx < 0 {
        if (ix - 0x3FF0_0000) | yIsInteger == 0 {
          z = .nan  // (−1)^(non-integer)
        } else if yIsInteger == 1 {
          z = -z
        }
      }
      return z
    }

    // (x < 0)^(non-integer) is NaN.
    let negativeX = hx < 0
    if negativeX && yIsInteger == 0 { return .nan }
    // The sign of the result: negative for (x < 0)^(odd integer).
    let s: Double = negativeX && yIsInteger == 1 ? -1 : 1
    let huge = Double.infinity
    let tiny = 0.0

    var t1: Double
    var t2: Double
    if iy > 0x41E0_0000 {
      // |y| > 2³¹.
      if iy > 0x43F0_0000 {
        // |y| > 2⁶⁴: over- or underflow.
        if ix <= 0x3FEF_FFFF { return hy < 0 ? huge : tiny }
        if ix >= 0x3FF0_0000 { return hy > 0 ? huge : tiny }
      }
      // Over- or underflow if x is not close to one.
      if ix < 0x3FEF_FFFF { return hy < 0 ? s * huge : s * tiny }
      if ix > 0x3FF0_0000 { return hy > 0 ? s * huge : s * tiny }
      // |1 − x| ≤ 2⁻²⁰: log x by x − x²/2 + x³/3 − x⁴/4.
      let t = ax - 1
      let w = (t * t) * (0.5 - t * (0.3333333333333333333333 - t * 0.25))
      let u = C.invLn2High * t
      let v = t * C.invLn2Low - w * log2e
      t1 = clearingLowWord(u + v)
      t2 = v - (t1 - u)
    } else {
      var n: Int32 = 0
      // Subnormal x.
      if ix < 0x0010_0000 {
        ax *= 0x1p53
        n -= 53
        ix = highWord(ax)
      }
      n += (ix >> 20) - 0x3FF
      let j = ix & 0x000F_FFFF
      // The interval: k = 0 for |x| < √(3/2), 1 for |x| < √3, else halve x.
      ix = j | 0x3FF0_0000
      var k: Int32
      if j <= 0x3988E {
        k = 0
      } else if j < 0xBB67A {
        k = 1
      } else {
        k = 0
        n += 1
        ix -= 0x0010_0000
      }
      ax = settingHighWord(ax, ix)
      let bp: Double = k == 0 ? 1.0 : 1.5
      let dpHigh = k == 0 ? 0.0 : C.log2OfOneAndHalfHigh
      let dpLow = k == 0 ? 0.0 : C.log2OfOneAndHalfLow

      // ss = sHigh + sLow = (x − 1)/(x + 1) or (x − 1.5)/(x + 1.5).
      var u = ax - bp
      var v = 1 / (ax + bp)
      let ss = u * v
      let sHigh = clearingLowWord(ss)
      // tHigh = ax + bp, high part.
      var tHigh = double(high: ((ix >> 1) | 0x2000_0000) + 0x0008_0000 + (k << 18), low: 0)
      var tLow = ax - (tHigh - bp)
      let sLow = v * ((u - sHigh * tHigh) - sHigh * tLow)
      // log(ax).
      var s2 = ss * ss
      var r = s2 * s2 * (C.l1 + s2 * (C.l2 + s2 * (C.l3 + s2 * (C.l4 + s2 * (C.l5 + s2 * C.l6)))))
      r += sLow * (sHigh + ss)
      s2 = sHigh * sHigh
      tHigh = clearingLowWord(3.0 + s2 + r)
      tLow = r - ((tHigh - 3.0) - s2)
      // u + v = ss (1 + …).
      u = sHigh * tHigh
      v = sLow * tHigh + tLow * ss
      // 2/(3 ln 2) (ss + …).
      let pHigh = clearingLowWord(u + v)
      let pLow = v - (pHigh - u)
      let zHigh = C.cpHigh * pHigh
      let zLow = C.cpLow * pHigh + pLow * C.cp + dpLow
      // log₂(ax) = (ss + …) 2/(3 ln 2) = n + dpHigh + zHigh + zLow.
      let t = Double(n)
      t1 = clearingLowWord(((zHigh + zLow) + dpHigh) + t)
      t2 = zLow - (((t1 - t) - dpHigh) - zHigh)
    }

    // (y1 + y2)(t1 + t2), y1 = y with its low word cleared.
    let y1 = clearingLowWord(y)
    let pLow = (y - y1) * t1 + y * t2
    var pHigh = y1 * t1
    var z = pLow + pHigh
    var j = highWord(z)
    let i = lowWord(z)
    if j >= 0x4090_0000 {
      // z ≥ 1024.
      if (j - 0x4090_0000) | Int32(bitPattern: i) != 0 { return s * huge }
      if pLow + C.overflowTail > z - pHigh { return s * huge }
    } else if j & 0x7FFF_FFFF >= 0x4090_CC00 {
      // z ≤ −1075.
      if (j &- Int32(bitPattern: 0xC090_CC00)) | Int32(bitPattern: i) != 0 { return s * tiny }
      if pLow <= z - pHigh { return s * tiny }
    }

    // 2^(pHigh + pLow).
    let magnitude = j & 0x7FFF_FFFF
    var k = (magnitude >> 20) - 0x3FF
    var n: Int32 = 0
    if magnitude > 0x3FE0_0000 {
      // |z| > ½: n = [z + ½].
      n = j + (0x0010_0000 >> (k + 1))
      k = ((n & 0x7FFF_FFFF) >> 20) - 0x3FF
      let t = double(high: n & ~(0x000F_FFFF >> k), low: 0)
      n = ((n & 0x000F_FFFF) | 0x0010_0000) >> (20 - k)
      if j < 0 { n = -n }
      pHigh -= t
    }
    let t = clearingLowWord(pLow + pHigh)
    let u = t * C.ln2High
    let v = (pLow - (t - pHigh)) * C.ln2 + t * C.ln2Low
    z = u + v
    let w = v - (z - u)
    let tt = z * z
    let c = z - tt * (p1 + tt * (p2 + tt * (p3 + tt * (p4 + tt * p5))))
    let r = (z * c) / (c - 2.0) - (w + z * w)
    z = 1 - (r - z)
    j = highWord(z)
    j += n << 20
    if j >> 20 <= 0 {
      // Subnormal result: z 2ⁿ with one rounding.
      z = z * powerOfTwo(n + 1000) * 0x1p-1000
    } else {
      z = settingHighWord(z, j)
    }
    return s * z
  }
}
