/// The element types scengine writes to NPY files, named by numpy's array-protocol type string
/// (`numpy.dtype(...).str`): byte order (`<` little-endian, `|` not applicable), kind and size.
///
/// Reference: numpy, "Data type objects (dtype)", array-protocol type strings.
public enum NPYDType: String, Sendable, Codable, CaseIterable {
  /// IEEE 754 binary64, little-endian (`numpy.float64`); prices, returns and variances.
  case float64 = "<f8"
  /// IEEE 754 binary32, little-endian (`numpy.float32`); the `--precision float32` option.
  case float32 = "<f4"
  /// Unsigned byte (`numpy.uint8`); regime labels.
  case uint8 = "|u1"
  /// Two's-complement 32-bit integer, little-endian (`numpy.int32`); jump counts.
  case int32 = "<i4"

  /// The size of one element in bytes.
  public var itemSize: Int {
    switch self {
    case .float64: return 8
    case .float32: return 4
    case .uint8: return 1
    case .int32: return 4
    }
  }
}
