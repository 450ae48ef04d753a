extension RandomNumberGenerator {
  /// A uniform double in the open interval (0, 1) with full 53-bit resolution.
  ///
  /// The top 53 bits `k` of one 64-bit draw give `(k + 1/2) · 2⁻⁵³`: every value is an odd
  /// multiple of 2⁻⁵⁴, so neither 0 nor 1 can occur and `log(u)` and `log(1 - u)` are finite.
  @inlinable
  public mutating func nextOpenUnit() -> Double {
    Double(next() >> 11) * 0x1p-53 + 0x1p-54
  }
}
