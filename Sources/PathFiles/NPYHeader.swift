/// The header of a numpy `.npy` file, byte for byte as `numpy.save` writes it.
///
/// Layout (numpy format specification, `numpy.lib.format`):
///
///     magic      "\x93NUMPY"
///     version    1, 0          (2, 0 when the header would not fit a 16-bit length)
///     HEADER_LEN little-endian UInt16 (version 1.0) or UInt32 (version 2.0)
///     header     "{'descr': '<f8', 'fortran_order': False, 'shape': (a, b, c), }"
///                + 21 − digits(a) spaces of growth room (numpy ≥ 1.24 leaves them so that
///                the first axis can be enlarged in place), then spaces and a final "\n"
///
/// `HEADER_LEN` counts the header with its padding, chosen so that magic + version + length +
/// header is a multiple of 64 bytes: the array data starts 64-byte aligned, so the file can be
/// memory-mapped (`numpy.load(path, mmap_mode="r")`). Like numpy, the padding is never empty
/// (an already aligned header gets 64 more spaces). Data follow in C order.
///
/// Reference: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public enum NPYHeader {
  /// The alignment of the array data in bytes (`numpy.lib.format.ARRAY_ALIGN`).
  public static let alignment = 64

  /// The header bytes for a C-ordered array of `shape` with elements of `dtype`.
  ///
  /// - Parameters:
  ///   - dtype: the element type.
  ///   - shape: the extent of each axis, outermost first; `[]` is a scalar. Every extent must
  ///     be non-negative.
  /// - Returns: the bytes to write at offset 0; their count is a multiple of `alignment`.
  public static func encode(dtype: NPYDType, shape: [Int]) -> [UInt8] {
    precondition(shape.allSatisfy { $0 >= 0 }, "NPY shape \(shape) has a negative extent")
    let tuple: String
    switch shape.count {
    case 0: tuple = "()"
    case 1: tuple = "(\(shape[0]),)"
    default: tuple = "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
    var dictionary = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(tuple), }"
    if let first = shape.first {
      // numpy's GROWTH_AXIS_MAX_DIGITS.
      dictionary += String(repeating: " ", count: max(0, 21 - String(first).utf8.count))
    }
    let text = Array(dictionary.utf8)
    let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    // Version 1.0 stores the header length in 16 bits; version 2.0 in 32 bits.
    let withNewline = text.count + 1
    func padding(lengthSize: Int) -> Int {
      alignment - (magic.count + 2 + lengthSize + withNewline) % alignment
    }
    let isVersion1 = withNewline + padding(lengthSize: 2) <= Int(UInt16.max)
    let lengthSize = isVersion1 ? 2 : 4
    let headerLength = withNewline + padding(lengthSize: lengthSize)
    var bytes = magic + [isVersion1 ? 1 : 2, 0]
    bytes.reserveCapacity(magic.count + 2 + lengthSize + headerLength)
    for index in 0..<lengthSize {
      bytes.append(UInt8(truncatingIfNeeded: headerLength >> (8 * index)))
    }
    bytes += text
    bytes += repeatElement(UInt8(ascii: " "), count: headerLength - withNewline)
    bytes.append(UInt8(ascii: "\n"))
    return bytes
  }
}
