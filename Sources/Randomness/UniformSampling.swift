extension RandomNumberGenerator {
  /// A uniform double in the open interval (0, 1), on a grid of 2⁵² equally likely points.
  ///
  /// The top 52 bits `k` of one 64-bit draw give `(k + 1/2) · 2⁻⁵²`, computed exactly as
  /// `k · 2⁻⁵² + 2⁻⁵³`: every value is an odd multiple of 2⁻⁵³ between 2⁻⁵³ and `1 − 2⁻⁵³`,
  /// so neither 0 nor 1 can occur, `log(u)` and `log(1 - u)` are finite, and the grid is
  /// symmetric (`1 − u` is on it whenever `u` is).
  ///
  /// (With 53 bits, `(k + 1/2) · 2⁻⁵³` is not representable above 1/2 and rounds to even; the
  /// largest draw then rounds to exactly 1.)
  @inlinable
  public mutating func nextOpenUnit() -> Double {
    Double(next() >> 12) * 0x1p-52 + 0x1p-53
  }
}
