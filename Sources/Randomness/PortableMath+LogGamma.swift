extension PortableMath {
  @usableFromInline enum LogGammaConstants {
    // lgamma(x) on [0.73, 1.23] and [1.73, 2]: y·p1(y²) + p2(y²) − y/2 around 1 or 2.
    static let a: [Double] = [
      7.72156649015328655494e-02, 3.22467033424113591611e-01, 6.73523010531292681824e-02,
      2.05808084325167332806e-02, 7.38555086081402883957e-03, 2.89051383673415629091e-03,
      1.19270763183362067845e-03, 5.10069792153511336608e-04, 2.20862790713908385557e-04,
      1.08011567247583939954e-04, 2.52144565451257326939e-05, 4.48640949618915160150e-05,
    ]
    /// The minimum of Γ on the positive axis, `tc`, and `lgamma(tc) = tf` (its tail `−tt`).
    static let tc = 1.46163214496836224576e+00
    static let tf = -1.21486290535849611461e-01
    static let tt = -3.63867699703950536541e-18
    // lgamma(tc + y) − tf on [1.23, 1.73]: a degree-14 polynomial in y, split in three.
    static let t: [Double] = [
      4.83836122723810047042e-01, -1.47587722994593911752e-01, 6.46249402391333854778e-02,
      -3.27885410759859649565e-02, 1.79706750811820387126e-02, -1.03142241298341437450e-02,
      6.10053870246291332635e-03, -3.68452016781138256760e-03, 2.25964780900612472250e-03,
      -1.40346469989232843813e-03, 8.81081882437654011382e-04, -5.38595305356740546715e-04,
      3.15632070903625950361e-04, -3.12754168375120860518e-04, 3.35529192635519073543e-04,
    ]
    // lgamma(1 + y) + y/2 on [0, 0.23] and [0.9, 1.23]: u(y)/v(y).
    static let u: [Double] = [
      -7.72156649015328655494e-02, 6.32827064025093366517e-01, 1.45492250137234768737e+00,
      9.77717527963372745603e-01, 2.28963728064692451092e-01, 1.33810918536787660377e-02,
    ]
    static let v: [Double] = [
      1, 2.45597793713041134822e+00, 2.12848976379893395361e+00, 7.69285150456672783825e-01,
      1.04222645593369134254e-01, 3.21709242282423911810e-03,
    ]
    // lgamma(2 + y) − y/2 on [0, 1): y·s(y)/r(y).
    static let s: [Double] = [
      -7.72156649015328655494e-02, 2.14982415960608852501e-01, 3.25778796408930981787e-01,
      1.46350472652464452805e-01, 2.66422703033638609560e-02, 1.84028451407337715652e-03,
      3.19475326584100867617e-05,
    ]
    static let r: [Double] = [
      1, 1.39200533467621045958e+00, 7.21935547567138069525e-01, 1.71933865632803078993e-01,
      1.86459191715652901344e-02, 7.77942496381893596434e-04, 7.32668430744625636189e-06,
    ]
    // lgamma(x) − (x − ½)(log x − 1) for x ≥ 8, in z = 1/x: w0 + w1 z + w2 z³ + … + w6 z¹¹.
    static let w: [Double] = [
      4.18938533204672725052e-01, 8.33333333333329678849e-02, -2.77777777728775536470e-03,
      7.93650558643019558500e-04, -5.95187557450339963135e-04, 8.36339918996282139126e-04,
      -1.63092934096575273989e-03,
    ]
  }

  /// `ln Γ(x)` for `x ≥ 0`: fdlibm's `__ieee754_lgamma_r` on the positive axis.
  ///
  /// Method: `x < 8` is reduced to `[2, 3)` by `lgamma(x + 1) = log x + lgamma(x)` (the
  /// factors multiplied first, one `log` of the product), where a rational approximation of
  /// `lgamma(2 + s) − s/2` holds to 2⁻⁶¹·⁷¹; below 2, polynomials around 1, the minimum
  /// `1.4616…` (a degree-14 polynomial, keeping `lgamma` monotonic there) and 2; for
  /// `x ≥ 8`, `(x − ½)(log x − 1) + w(1/x)` with `w` a Stirling-type polynomial in `1/x`
  /// (error below 2⁻⁵⁸·⁷⁴); `x log x − x` beyond 2⁵⁸. Error within about 1 ulp away from
  /// the zeros of `lgamma` at 1 and 2, where it is small in absolute terms.
  ///
  /// The negative axis (which needs `sin πx`) is not used by scengine and not provided:
  /// `x < 0` gives NaN. Special values: `lgamma(±0) = +∞`, `lgamma(+∞) = +∞`,
  /// `lgamma(NaN) = NaN`, `lgamma(1) = lgamma(2) = 0`.
  @inlinable
  public static func logGamma(_ x: Double) -> Double { computeLogGamma(x) }

  @usableFromInline
  static func computeLogGamma(_ x: Double) -> Double {
    typealias C = LogGammaConstants
    if x.isNaN { return x + x }
    if x == 0 { return .infinity }
    if x < 0 { return .nan }
    if x == .infinity { return x }
    let hx = highWord(x)
    let lx = lowWord(x)
    let ix = hx
    if ix < 0x3B90_0000 {
      // x < 2⁻⁷⁰.
      return -log(x)
    }
    // lgamma(1) = lgamma(2) = 0.
    if (ix == 0x3FF0_0000 || ix == 0x4000_0000) && lx == 0 { return 0 }
    if ix < 0x4000_0000 {
      // x < 2.
      var r: Double
      var y: Double
      var interval: Int
      if ix <= 0x3FEC_CCCC {
        // lgamma(x) = lgamma(x + 1) − log x.
        r = -log(x)
        if ix >= 0x3FE7_6944 {
          y = 1 - x
          interval = 0
        } else if ix >= 0x3FCD_A661 {
          y = x - (C.tc - 1)
          interval = 1
        } else {
          y = x
          interval = 2
        }
      } else {
        r = 0
        if ix >= 0x3FFB_B4C3 {
          y = 2.0 - x  // [1.7316, 2]
          interval = 0
        } else if ix >= 0x3FF3_B4C4 {
          y = x - C.tc  // [1.23, 1.73]
          interval = 1
        } else {
          y = x - 1
          interval = 2
        }
      }
      switch interval {
      case 0:
        let a = C.a
        let z = y * y
        let p1 = a[0] + z * (a[2] + z * (a[4] + z * (a[6] + z * (a[8] + z * a[10]))))
        let p2 = z * (a[1] + z * (a[3] + z * (a[5] + z * (a[7] + z * (a[9] + z * a[11])))))
        let p = y * p1 + p2
        r += (p - 0.5 * y)
      case 1:
        let t = C.t
        let z = y * y
        let w = z * y
        let p1 = t[0] + w * (t[3] + w * (t[6] + w * (t[9] + w * t[12])))
        let p2 = t[1] + w * (t[4] + w * (t[7] + w * (t[10] + w * t[13])))
        let p3 = t[2] + w * (t[5] + w * (t[8] + w * (t[11] + w * t[14])))
        let p = z * p1 - (C.tt - w * (p2 + y * p3))
        r += (C.tf + p)
      default:
        let u = C.u
        let v = C.v
        let p1 = y * (u[0] + y * (u[1] + y * (u[2] + y * (u[3] + y * (u[4] + y * u[5])))))
        let p2 = v[0] + y * (v[1] + y * (v[2] + y * (v[3] + y * (v[4] + y * v[5]))))
        r += (-0.5 * y + p1 / p2)
      }
      return r
    }
    if ix < 0x4020_0000 {
      // 2 ≤ x < 8.
      let s = C.s
      let q = C.r
      let i = Int(x)
      let y = x - Double(i)
      let p = y * (s[0] + y * (s[1] + y * (s[2] + y * (s[3] + y * (s[4] + y * (s[5] + y * s[6]))))))
      let d = q[0] + y * (q[1] + y * (q[2] + y * (q[3] + y * (q[4] + y * (q[5] + y * q[6])))))
      var r = 0.5 * y + p / d
      if i >= 3 {
        // lgamma(1 + s) = log s + lgamma(s).
        var z = 1.0
        for m in stride(from: i - 1, through: 2, by: -1) { z *= y + Double(m) }
        r += log(z)
      }
      return r
    }
    if ix < 0x4390_0000 {
      // 8 ≤ x < 2⁵⁸.
      let w = C.w
      let t = log(x)
      let z = 1 / x
      let y = z * z
      let series = w[0] + z * (w[1] + y * (w[2] + y * (w[3] + y * (w[4] + y * (w[5] + y * w[6])))))
      return (x - 0.5) * (t - 1) + series
    }
    return x * (log(x) - 1)
  }
}
