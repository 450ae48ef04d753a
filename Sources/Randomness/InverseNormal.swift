/// The standard normal quantile function Φ⁻¹.
public enum InverseNormal {
  /// Φ⁻¹(p) for 0 < p < 1, Wichura's AS 241 PPND16 (relative error ~1e-16); logs through
  /// PortableMath (fdlibm) so that results are identical on every CPU (no libm, no FMA).
  ///
  /// M. J. Wichura, "Algorithm AS 241: The percentage points of the normal distribution",
  /// Applied Statistics 37 (1988) 477–484. With `q = p − 1/2`:
  /// - `|q| ≤ 0.425`: `x = q · A(r) / B(r)` with `r = 0.180625 − q²`;
  /// - otherwise, with `r = √(−ln min(p, 1 − p))`: `x = ± C(r − 1.6) / D(r − 1.6)` for `r ≤ 5`
  ///   (`min(p, 1 − p) ≥ e⁻²⁵`), else `± E(r − 5) / F(r − 5)`, of the sign of `q`;
  ///
  /// `A … F` polynomials of degree 7 (coefficients below, as published). `1 − p` is exact for
  /// `p ≥ 1/2`, so `quantile(1 − p) == −quantile(p)` whenever `1 − p` is exact (for every Sobol
  /// uniform `(k + 1/2)/2³²`, for instance). Every product and sum is a separate IEEE operation
  /// and the square root is correctly rounded, so the bits depend only on `p`. Measured
  /// against an 80-bit Newton refinement (`InverseNormalTests`), the result is within 6 ulp
  /// (relative error below 1e-15): AS 241's approximation error is ~1e-16, the rest is the
  /// rounding of the logarithm and of the rational functions in double precision.
  ///
  /// - Precondition: `0 < p < 1` (not checked: 0 and 1 give ∓∞ and NaN elsewhere).
  @inlinable
  public static func quantile(_ p: Double) -> Double {
    let q = p - 0.5
    if abs(q) <= 0.425 {
      let r = 0.180625 - q * q
      let numerator = polynomial(
        r, 2509.0809287301226727, 33430.575583588128105,
        67265.770927008700853, 45921.953931549871457,
        13731.693765509461125, 1971.5909503065514427,
        133.14166789178437745, 3.387132872796366608)
      let denominator = polynomial(
        r, 5226.495278852854561, 28729.085735721942674,
        39307.89580009271061, 21213.794301586595867,
        5394.1960214247511077, 687.1870074920579083,
        42.313330701600911252, 1)
      return q * numerator / denominator
    }
    var r = (-PortableMath.log(q < 0 ? p : 1 - p)).squareRoot()
    let x: Double
    if r <= 5 {
      r -= 1.6
      let numerator = polynomial(
        r, 7.7454501427834140764e-4, 0.0227238449892691845833,
        0.24178072517745061177, 1.27045825245236838258,
        3.64784832476320460504, 5.7694972214606914055,
        4.6303378461565452959, 1.42343711074968357734)
      let denominator = polynomial(
        r, 1.05075007164441684324e-9, 5.475938084995344946e-4,
        0.0151986665636164571966, 0.14810397642748007459,
        0.68976733498510000455, 1.6763848301838038494,
        2.05319162663775882187, 1)
      x = numerator / denominator
    } else {
      r -= 5
      let numerator = polynomial(
        r, 2.01033439929228813265e-7, 2.71155556874348757815e-5,
        0.0012426609473880784386, 0.026532189526576123093,
        0.29656057182850489123, 1.7848265399172913358,
        5.4637849111641143699, 6.6579046435011037772)
      let denominator = polynomial(
        r, 2.04426310338993978564e-15, 1.4215117583164458887e-7,
        1.8463183175100546818e-5, 7.868691311456132591e-4,
        0.0148753612908506148525, 0.13692988092273580531,
        0.59983220655588793769, 1)
      x = numerator / denominator
    }
    return q < 0 ? -x : x
  }

  /// `c7 r⁷ + c6 r⁶ + … + c0` by Horner's rule, as AS 241 evaluates it.
  @inlinable @inline(__always)
  static func polynomial(
    _ r: Double, _ c7: Double, _ c6: Double, _ c5: Double, _ c4: Double, _ c3: Double,
    _ c2: Double, _ c1: Double, _ c0: Double
  ) -> Double {
    ((((((c7 * r + c6) * r + c5) * r + c4) * r + c3) * r + c2) * r + c1) * r + c0
  }
}
