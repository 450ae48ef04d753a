import Foundation
import Testing

@testable import PathFiles

@Suite("NPY header")
struct NPYHeaderTests {
  /// Headers as numpy 2.x writes them (numpy.lib.format: dict, 21 − digits(shape[0]) spaces of
  /// growth room, padding to 64 bytes with a final newline).
  @Test(arguments: [
    (NPYDType.float64, [3, 4], "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"),
    (.float32, [2, 3, 4], "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }"),
    (.uint8, [5], "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"),
    (.int32, [], "{'descr': '<i4', 'fortran_order': False, 'shape': (), }"),
    (
      .float64, [1_000_000, 253, 12],
      "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 253, 12), }"
    ),
  ])
  func headerMatchesNumpy(dtype: NPYDType, shape: [Int], dictionary: String) {
    let header = NPYHeader.encode(dtype: dtype, shape: shape)
    // All of these fit in 128 bytes: 10 bytes of prefix, then HEADER_LEN = 118 = 0x76.
    let expected =
      [0x93] + Array("NUMPY".utf8) + [1, 0, 0x76, 0]
      + Array(dictionary.utf8) + Array(repeating: UInt8(ascii: " "), count: 117 - dictionary.count)
      + [UInt8(ascii: "\n")]
    #expect(header == expected, "\(String(decoding: header, as: UTF8.self))")
  }

  @Test func everyHeaderIsAlignedAndSelfDescribing() {
    let extents = [0, 1, 7, 63, 64, 999, 123_456_789, 1 << 40]
    for dtype in NPYDType.allCases {
      for rank in 0...5 {
        let shape = (0..<rank).map { extents[($0 * 3 + rank) % extents.count] }
        let header = NPYHeader.encode(dtype: dtype, shape: shape)
        let length = Int(header[8]) | Int(header[9]) << 8
        #expect(header.count % 64 == 0, "shape \(shape): \(header.count) bytes")
        #expect(header[6] == 1 && header[7] == 0)
        #expect(10 + length == header.count)
        #expect(header.last == UInt8(ascii: "\n"))
        #expect(!header.dropLast().contains(UInt8(ascii: "\n")))
      }
    }
  }

  @Test func headerOver65535BytesUsesVersion2() {
    let shape = Array(repeating: 1, count: 30_000)  // "1, " × 30000: about 90 kB of header
    let header = NPYHeader.encode(dtype: .float64, shape: shape)
    let length = (0..<4).reduce(0) { $0 | Int(header[8 + $1]) << (8 * $1) }
    #expect(header[6] == 2 && header[7] == 0)
    #expect(12 + length == header.count)
    #expect(header.count % 64 == 0)
    #expect(header.count > 65_535)
  }

  @Test(.enabled(if: numpyIsAvailable, "needs python3 with numpy"))
  func headerBytesEqualNumpySave() throws {
    let cases: [(NPYDType, [Int])] = [
      (.float64, [3, 4]), (.float32, [10, 253, 2]), (.uint8, [7, 0]), (.int32, [1]),
      (.float64, []), (.float64, [123_456_789_012, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
    ]
    for (dtype, shape) in cases {
      let script = """
        import io, sys, numpy as np
        shape = tuple(int(x) for x in sys.argv[2].split(',') if x)
        b = io.BytesIO()
        header = {'descr': sys.argv[1], 'fortran_order': False, 'shape': shape}
        np.lib.format.write_array_header_1_0(b, header)
        print(b.getvalue().hex())
        """
      let output = try #require(
        run(
          "python3", ["-c", script, dtype.rawValue, shape.map(String.init).joined(separator: ",")]))
      let ours = hex(NPYHeader.encode(dtype: dtype, shape: shape))
      #expect(ours == output.trimmingCharacters(in: .whitespacesAndNewlines), "\(dtype) \(shape)")
    }
  }
}
