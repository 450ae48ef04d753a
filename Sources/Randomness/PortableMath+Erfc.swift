extension PortableMath {
  @usableFromInline enum ErfcConstants {
    /// `erf(1)` rounded to 24 bits.
    static let erx = 8.45062911510467529297e-01
    // erf(x) = x + x·pp(x²)/qq(x²) on [0, 0.84375].
    static let pp: [Double] = [
      1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
      -5.77027029648944159157e-03, -2.37630166566501626084e-05,
    ]
    static let qq: [Double] = [
      1, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
      1.32494738004321644526e-04, -3.96022827877536812320e-06,
    ]
    // erf(1 + s) − erx = pa(s)/qa(s) on [0.84375, 1.25].
    static let pa: [Double] = [
      -2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
      3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
      -2.16637559486879084300e-03,
    ]
    static let qa: [Double] = [
      1, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
      1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02,
    ]
    // log(x erfc x) + x² + 0.5625 = ra(1/x²)/sa(1/x²) on [1.25, 1/0.35].
    static let ra: [Double] = [
      -9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
      -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
      -8.12874355063065934246e+01, -9.81432934416914548592e+00,
    ]
    static let sa: [Double] = [
      1, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
      6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
      6.57024977031928170135e+00, -6.04244152148580987438e-02,
    ]
    // The same on [1/0.35, 28]: rb/sb.
    static let rb: [Double] = [
      -9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
      -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
      -4.83519191608651397019e+02,
    ]
    static let sb: [Double] = [
      1, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
      3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
      -2.24409524465858183362e+01,
    ]
  }

  /// The complementary error function `erfc x = 1 − erf x = (2/√π) ∫ₓ^∞ e^{−t²} dt`:
  /// fdlibm's `erfc`.
  ///
  /// Method: on `|x| < 0.84375`, `erf x = x + x R(x²)` with `R` rational (error below
  /// 2⁻⁵⁷·⁹⁰) and `erfc x = 1 − erf x` (`½ − (x − ½ + x R)` above ¼); on
  /// `[0.84375, 1.25)`, `erfc x = (1 − c) − P(s)/Q(s)` with `s = |x| − 1`, `c = erf 1` to 24
  /// bits (error below 2⁻⁵⁹·⁰⁶); beyond, `erfc x = e^{−x² − 0.5625 + R(1/x²)/S(1/x²)} / x`
  /// (errors below 2⁻⁶¹·⁵², two rational fits split at `1/0.35`), with `e^{−x²}` formed as
  /// `e^{−s² − 0.5625 + (s − x)(s + x) + R/S}` for `s` = `x` cut to 21 bits (the first two
  /// terms exact; one exponential where fdlibm multiplies two), and `erfc(−x) = 2 − erfc x`.
  /// Within 2 ulp of glibc's `erfc` (the same rational fits with two `exp` calls, itself
  /// about 1 ulp off).
  ///
  /// Special values: `erfc(+∞) = 0`, `erfc(−∞) = 2`, `erfc(NaN) = NaN`; 0 for `x ≥ 28`, 2
  /// for `x ≤ −6`.
  @inlinable
  public static func erfc(_ x: Double) -> Double { computeErfc(x) }

  @usableFromInline
  static func computeErfc(_ argument: Double) -> Double {
    typealias C = ErfcConstants
    var x = argument
    let hx = highWord(x)
    let ix = hx & 0x7FFF_FFFF
    if ix >= 0x7FF0_0000 {
      if x.isNaN { return x + x }
      return hx < 0 ? 2 : 0
    }
    if ix < 0x3FEB_0000 {
      // |x| < 0.84375.
      if ix < 0x3C70_0000 { return 1 - x }  // |x| < 2⁻⁵⁶
      let pp = C.pp
      let qq = C.qq
      let z = x * x
      let r = pp[0] + z * (pp[1] + z * (pp[2] + z * (pp[3] + z * pp[4])))
      let s = qq[0] + z * (qq[1] + z * (qq[2] + z * (qq[3] + z * (qq[4] + z * qq[5]))))
      let y = r / s
      if hx < 0x3FD0_0000 {
        // x < ¼.
        return 1 - (x + x * y)
      }
      var t = x * y
      t += (x - 0.5)
      return 0.5 - t
    }
    if ix < 0x3FF4_0000 {
      // 0.84375 ≤ |x| < 1.25.
      let pa = C.pa
      let qa = C.qa
      let s = abs(x) - 1
      let p =
        pa[0] + s * (pa[1] + s * (pa[2] + s * (pa[3] + s * (pa[4] + s * (pa[5] + s * pa[6])))))
      let q =
        qa[0] + s * (qa[1] + s * (qa[2] + s * (qa[3] + s * (qa[4] + s * (qa[5] + s * qa[6])))))
      if hx >= 0 { return (1 - C.erx) - p / q }
      return 1 + (C.erx + p / q)
    }
    if ix < 0x403C_0000 {
      // |x| < 28.
      x = abs(x)
      let s = 1 / (x * x)
      var r: Double
      var d: Double
      if ix < 0x4006_DB6D {
        // |x| < 1/0.35.
        let ra = C.ra
        let sa = C.sa
        r =
          ra[0] + s
          * (ra[1] + s * (ra[2] + s * (ra[3] + s * (ra[4] + s * (ra[5] + s * (ra[6] + s * ra[7]))))))
        d =
          sa[0]
          + s
          * (sa[1] + s
            * (sa[2] + s
              * (sa[3] + s * (sa[4] + s * (sa[5] + s * (sa[6] + s * (sa[7] + s * sa[8])))))))
      } else {
        if hx < 0 && ix >= 0x4018_0000 { return 2 }  // x ≤ −6
        let rb = C.rb
        let sb = C.sb
        r = rb[0] + s * (rb[1] + s * (rb[2] + s * (rb[3] + s * (rb[4] + s * (rb[5] + s * rb[6])))))
        d =
          sb[0] + s
          * (sb[1] + s * (sb[2] + s * (sb[3] + s * (sb[4] + s * (sb[5] + s * (sb[6] + s * sb[7]))))))
      }
      // e^(−x²) as e^(−z² − 0.5625 + (z − x)(z + x) + R/S) with z = x cut to 21 bits:
      // −z² − 0.5625 is exact, and is reduced exactly in `exp(_:plus:)` (fdlibm multiplies
      // two exponentials instead).
      let z = clearingLowWord(x)
      let e = exp(-z * z - 0.5625, plus: (z - x) * (z + x) + r / d)
      return hx > 0 ? e / x : 2 - e / x
    }
    return hx > 0 ? 0 : 2
  }
}
