extension RandomNumberGenerator {
  /// A uniform double in the open interval (0, 1) with full 53-bit resolution.
  ///
  /// The top 53 bits `k` of one 64-bit draw give `k · 2⁻⁵³`, exactly representable: every
  /// multiple of 2⁻⁵³ from 2⁻⁵³ to `1 − 2⁻⁵³` is equally likely. `k = 0` (probability 2⁻⁵³)
  /// is rejected and drawn again, so neither 0 nor 1 can occur and `log(u)` and `log(1 − u)`
  /// are finite. (Adding half a grid step instead would keep one draw per value, but above
  /// 1/2 a 53-bit `(k + 1/2) · 2⁻⁵³` is not representable and the largest draw rounds to 1.)
  @inlinable
  public mutating func nextOpenUnit() -> Double {
    while true {
      let k = next() &>> 11
      // `k` < 2⁵³: the signed conversion (one instruction) is exact.
      if k != 0 { return Double(Int64(bitPattern: k)) * 0x1p-53 }
    }
  }
}
