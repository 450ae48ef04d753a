import Foundation
import PathFiles
import Planner
import Testing

/// A numpy `.npy` file read back with a deliberately small, independent parser: the magic
/// string, the version, the header dictionary, then little-endian elements in C order.
///
/// Reference: numpy, "NPY format" (`numpy.lib.format`).
struct NPYArray {
  /// The array-protocol type string, e.g. `<f8`.
  let descr: String
  let fortranOrder: Bool
  let shape: [Int]
  /// The elements as doubles (`<f8` or `<f4`), C order.
  let values: [Double]

  init(contentsOf path: String) throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    try #require(
      bytes.count >= 10 && Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8), "\(path) is not NPY"
    )
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    if major == 1 {
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    } else {
      headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
      headerStart = 12
    }
    let dataStart = headerStart + headerLength
    #expect(dataStart % 64 == 0, "\(path): data starts at \(dataStart), not a multiple of 64")
    let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
    descr = try Self.field("descr", in: header).trimmingCharacters(
      in: CharacterSet(charactersIn: "'\" "))
    fortranOrder =
      try Self.field("fortran_order", in: header).trimmingCharacters(in: .whitespaces) == "True"
    let shapeText = try Self.field("shape", in: header)
    shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
      .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let count = shape.reduce(1, *)
    let data = bytes[dataStart...]
    switch descr {
    case "<f8":
      try #require(
        data.count == count * 8, "\(path): \(data.count) data bytes for \(count) doubles")
      values = data.withUnsafeBytes { raw in
        (0..<count).map {
          Double(
            bitPattern: UInt64(
              littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
        }
      }
    case "<f4":
      try #require(data.count == count * 4, "\(path): \(data.count) data bytes for \(count) floats")
      values = data.withUnsafeBytes { raw in
        (0..<count).map {
          Double(
            Float(
              bitPattern: UInt32(
                littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))))
        }
      }
    default:
      values = []
    }
  }

  /// The text after `'key':` up to the next top-level comma (the shape's tuple kept whole).
  private static func field(_ key: String, in header: String) throws -> String {
    let marker = "'\(key)':"
    let range = try #require(header.range(of: marker), "NPY header \(header) has no \(key)")
    var depth = 0
    var text = ""
    for c in header[range.upperBound...] {
      if c == "(" { depth += 1 }
      if c == ")" { depth -= 1 }
      if (c == "," && depth == 0) || c == "}" { break }
      text.append(c)
    }
    return text.trimmingCharacters(in: .whitespaces)
  }

  /// Element `[i, j, k]` of a three-dimensional array.
  subscript(i: Int, j: Int, k: Int) -> Double {
    values[(i * shape[1] + j) * shape[2] + k]
  }
}

/// `manifest.json` of a run directory, decoded with the engine's own type (so the test also
/// checks that the file keeps its schema).
func readManifest(_ directory: URL) throws -> Manifest {
  let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("manifest.json")))
  return try decodeJSON(Manifest.self, from: bytes)
}
