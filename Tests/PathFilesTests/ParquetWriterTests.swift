import Foundation
import Testing

@testable import PathFiles

/// The Thrift compact protocol encoder against bytes computed by hand from the specification
/// (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md), and the
/// Parquet writer's file layout read back with a small decoder of that protocol.
@Suite struct ThriftCompactTests {
  @Test func varintsAreULEB128() {
    #expect(ThriftCompactWriter.varint(0) == [0x00])
    #expect(ThriftCompactWriter.varint(1) == [0x01])
    #expect(ThriftCompactWriter.varint(127) == [0x7F])
    #expect(ThriftCompactWriter.varint(128) == [0x80, 0x01])
    #expect(ThriftCompactWriter.varint(300) == [0xAC, 0x02])
    #expect(ThriftCompactWriter.varint(UInt64(UInt32.max)) == [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
  }

  @Test func zigzagMapsSignedToUnsigned() {
    #expect(ThriftCompactWriter.zigzag(Int32(0)) == 0)
    #expect(ThriftCompactWriter.zigzag(Int32(-1)) == 1)
    #expect(ThriftCompactWriter.zigzag(Int32(1)) == 2)
    #expect(ThriftCompactWriter.zigzag(Int32(-2)) == 3)
    #expect(ThriftCompactWriter.zigzag(Int32.max) == 0xFFFF_FFFE)
    #expect(ThriftCompactWriter.zigzag(Int32.min) == 0xFFFF_FFFF)
    #expect(ThriftCompactWriter.zigzag(Int64(-3)) == 5)
    #expect(ThriftCompactWriter.zigzag(Int64.min) == UInt64.max)
  }

  @Test func fieldHeadersUseDeltasUpToFifteen() {
    var w = ThriftCompactWriter()
    w.field(1, i32: 5)  // delta 1, type 5: 0x15, zigzag(5) = 10
    w.field(3, i64: -1)  // delta 2, type 6: 0x26, zigzag(-1) = 1
    w.field(19, i32: 0)  // delta 16: type byte 0x05, then zigzag(19) = 38
    w.field(20, bool: true)  // delta 1, true: 0x11, no body
    w.field(21, bool: false)  // delta 1, false: 0x12
    w.field(22, byte: 8)  // delta 1, byte: 0x13, one raw byte
    w.field(23, string: "ab")  // delta 1, binary: 0x18, length 2, bytes
    w.endMessage()
    #expect(
      w.bytes == [
        0x15, 0x0A, 0x26, 0x01, 0x05, 0x26, 0x00, 0x11, 0x12, 0x13, 0x08, 0x18, 0x02, 0x61, 0x62,
        0x00,
      ])
  }

  @Test func nestedStructsRestartFieldIDs() {
    var w = ThriftCompactWriter()
    w.field(5, i32: 1)  // 0x55 0x02
    w.beginStruct(6)  // 0x1C
    w.field(1, i32: 2)  // 0x15 0x04: the delta counts from 0 inside the struct
    w.endStruct()  // 0x00
    w.field(7, i32: 3)  // 0x15 0x06: the delta counts from 6 again
    w.endMessage()
    #expect(w.bytes == [0x55, 0x02, 0x1C, 0x15, 0x04, 0x00, 0x15, 0x06, 0x00])
  }

  @Test func listHeadersShortAndLong() {
    var w = ThriftCompactWriter()
    w.beginList(1, of: .i32, count: 3)  // 0x19, then (3 << 4) | 5 = 0x35
    for v: Int32 in [0, -1, 1] { w.appendListI32(v) }
    w.beginList(2, of: .structure, count: 20)  // 0x19, then 0xFC, varint 20
    #expect(w.bytes == [0x19, 0x35, 0x00, 0x01, 0x02, 0x19, 0xFC, 0x14])
  }
}

/// A decoded Thrift compact value: just enough to read a Parquet footer back.
indirect enum Thrift: Equatable {
  case int(Int64)
  case bool(Bool)
  case binary([UInt8])
  case double(UInt64)
  case list([Thrift])
  case structure([Int16: Thrift])

  subscript(_ id: Int16) -> Thrift? {
    if case .structure(let fields) = self { return fields[id] }
    return nil
  }
  var int: Int64? { if case .int(let v) = self { v } else { nil } }
  var list: [Thrift] { if case .list(let v) = self { v } else { [] } }
  var binary: [UInt8]? { if case .binary(let v) = self { v } else { nil } }
  var string: String? { binary.map { String(decoding: $0, as: UTF8.self) } }
}

/// Reads Thrift compact protocol structs (test only; no sets or maps).
struct ThriftCompactReader {
  let bytes: [UInt8]
  var position = 0

  init(_ bytes: [UInt8], at position: Int = 0) {
    self.bytes = bytes
    self.position = position
  }

  mutating func byte() -> UInt8 {
    defer { position += 1 }
    return bytes[position]
  }

  mutating func varint() -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let b = byte()
      value |= UInt64(b & 0x7F) << shift
      if b < 0x80 { return value }
      shift += 7
    }
  }

  mutating func zigzag() -> Int64 {
    let v = varint()
    return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
  }

  mutating func value(_ type: UInt8) -> Thrift {
    switch type {
    case 1: return .bool(true)
    case 2: return .bool(false)
    case 3: return .int(Int64(Int8(bitPattern: byte())))
    case 4, 5, 6: return .int(zigzag())
    case 7:
      var v: UInt64 = 0
      for i in 0..<8 { v |= UInt64(byte()) << (8 * UInt64(i)) }
      return .double(v)
    case 8:
      let n = Int(varint())
      defer { position += n }
      return .binary(Array(bytes[position..<(position + n)]))
    case 9:
      let header = byte()
      let n = header >> 4 == 15 ? Int(varint()) : Int(header >> 4)
      let element = header & 0x0F
      return .list(
        (0..<n).map { _ in
          element == 1 || element == 2 ? .bool(byte() == 1) : value(element)
        })
    case 12: return structure()
    default: fatalError("unexpected Thrift type \(type)")
    }
  }

  mutating func structure() -> Thrift {
    var fields: [Int16: Thrift] = [:]
    var last: Int16 = 0
    while true {
      let header = byte()
      if header == 0 { return .structure(fields) }
      let delta = header >> 4
      let id = delta == 0 ? Int16(zigzag()) : last + Int16(delta)
      fields[id] = value(header & 0x0F)
      last = id
    }
  }
}

@Suite struct ParquetWriterTests {
  /// Three paths of two steps and two assets, dated, with returns and regimes.
  func tinyLayout() -> ParquetPathLayout {
    ParquetPathLayout(
      paths: 3, steps: 2, assets: ["A", "B"], dates: [20_000, 20_001, 20_004], returns: true,
      regimes: true)
  }

  /// Writes the tiny table (paths 0, 1, 2), blocks in the given order.
  func writeTiny(_ dir: TemporaryDirectory, name: String, order: [Int]) throws -> [UInt8] {
    let layout = tinyLayout()
    let writer = try ParquetPathWriter(
      path: dir.file(name), relativePath: name, layout: layout, createdBy: "scengine version 0")
    for p in order {
      let prices = (0..<6).map { Double(100 * p + $0) }
      let returns = (0..<4).map { Double(p) + Double($0) / 8 }
      let regimes: [UInt8] = [UInt8(p), 1]
      try prices.withUnsafeBufferPointer { pr in
        try returns.withUnsafeBufferPointer { r in
          try regimes.withUnsafeBufferPointer { g in
            try writer.write(firstPath: p, pathCount: 1, prices: pr, returns: r, regimes: g)
          }
        }
      }
    }
    let record = try writer.finish()
    #expect(record.rows == 9)
    #expect(
      record.schema?.map(\.name) == [
        "path", "step", "date", "A", "B", "return_A", "return_B", "regime",
      ])
    return try contents(of: dir.file(name))
  }

  @Test func tinyFileLayoutReadsBack() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let bytes = try writeTiny(dir, name: "t.parquet", order: [0, 1, 2])
    #expect(Array(bytes.prefix(4)) == Array("PAR1".utf8))
    #expect(Array(bytes.suffix(4)) == Array("PAR1".utf8))
    let n = bytes.count
    let footerLength = Int(
      UInt32(bytes[n - 8]) | UInt32(bytes[n - 7]) << 8 | UInt32(bytes[n - 6]) << 16
        | UInt32(bytes[n - 5]) << 24)
    var reader = ThriftCompactReader(bytes, at: n - 8 - footerLength)
    let meta = reader.structure()
    #expect(reader.position == n - 8)
    #expect(meta[1]?.int == 1)
    #expect(meta[3]?.int == 9)
    #expect(meta[6]?.string == "scengine version 0")
    let schema = meta[2]!.list
    #expect(
      schema.map { $0[4]?.string } == [
        "schema", "path", "step", "date", "A", "B", "return_A", "return_B", "regime",
      ])
    #expect(schema[0][5]?.int == 8)
    #expect(schema.dropFirst().map { $0[1]?.int } == [2, 1, 1, 5, 5, 5, 5, 1])
    #expect(schema.dropFirst().map { $0[3]?.int } == [0, 0, 0, 0, 0, 1, 1, 1])
    #expect(schema[3][6]?.int == 6)
    #expect(schema[3][10] == .structure([6: .structure([:])]))
    #expect(schema[8][6]?.int == 11)
    #expect(schema[8][10] == .structure([10: .structure([1: .int(8), 2: .bool(false)])]))
    #expect(meta[7]?.list.count == 8)
    #expect(meta[7]?.list.first == .structure([1: .structure([:])]))

    // One row group (the layout fits 32 MiB), columns back to back from byte 4.
    let groups = meta[4]!.list
    #expect(groups.count == 1)
    #expect(groups[0][3]?.int == 9)
    #expect(groups[0][5]?.int == 4)
    #expect(groups[0][7]?.int == 0)
    let chunks = groups[0][1]!.list
    var offset = 4
    for chunk in chunks {
      let meta = chunk[3]!
      #expect(chunk[2]?.int == Int64(offset))
      #expect(meta[9]?.int == Int64(offset))
      #expect(meta[4]?.int == 0)
      #expect(meta[5]?.int == 9)
      var page = ThriftCompactReader(bytes, at: offset)
      let header = page.structure()
      #expect(header[1]?.int == 0)
      #expect(header[5]?[1]?.int == 9)
      #expect(header[5]?[2]?.int == 0)
      #expect(meta[6]?.int == Int64(page.position - offset) + header[3]!.int!)
      offset = page.position + Int(header[3]!.int!)
    }
    #expect(offset == n - 8 - footerLength)
    #expect(groups[0][2]?.int == Int64(offset - 4))

    // The `path` page: PLAIN int64 0,0,0,1,1,1,2,2,2; statistics 0 … 2.
    let pathMeta = chunks[0][3]!
    var page = ThriftCompactReader(bytes, at: 4)
    _ = page.structure()
    let plain = Array(bytes[page.position..<(page.position + 72)])
    #expect(plain == [0, 0, 0, 1, 1, 1, 2, 2, 2].flatMap { littleEndianBytes(UInt64($0)) })
    #expect(pathMeta[12]?[3]?.int == 0)
    #expect(pathMeta[12]?[6]?.binary == littleEndianBytes(UInt64(0)))
    #expect(pathMeta[12]?[5]?.binary == littleEndianBytes(UInt64(2)))

    // The `return_A` page: levels (length 4 + 3 × (2 + 2) = 12 bytes of runs), then 6 doubles.
    let returnMeta = chunks[5][3]!
    #expect(returnMeta[2]?.list == [.int(0), .int(3)])
    page = ThriftCompactReader(bytes, at: Int(returnMeta[9]!.int!))
    _ = page.structure()
    let body = Array(bytes[page.position...])
    #expect(Array(body.prefix(4)) == [12, 0, 0, 0])
    #expect(Array(body[4..<16]) == [2, 0, 4, 1, 2, 0, 4, 1, 2, 0, 4, 1])
    let values = (0..<6).map { i in
      Double(
        bitPattern: body[(16 + 8 * i)..<(24 + 8 * i)].reversed().reduce(0) { $0 << 8 | UInt64($1) })
    }
    #expect(values == [0, 0.25, 1, 1.25, 2, 2.25])
    #expect(returnMeta[12]?[3]?.int == 3)
    #expect(returnMeta[12]?[6]?.binary == littleEndianBytes((-0.0).bitPattern))
    #expect(returnMeta[12]?[5]?.binary == littleEndianBytes((2.25).bitPattern))
  }

  @Test func bytesDoNotDependOnBlockOrder() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = try writeTiny(dir, name: "a.parquet", order: [0, 1, 2])
    let b = try writeTiny(dir, name: "b.parquet", order: [2, 0, 1])
    #expect(a == b)
  }

  /// Many row groups of 3 paths, written in blocks of various sizes and orders: the same bytes,
  /// and the row groups' `path` statistics give their path ranges.
  @Test func manyRowGroupsAnyBlocking() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var layout = ParquetPathLayout(paths: 20, steps: 3, assets: ["X"], variance: true, jumps: true)
    layout.rowGroupTargetBytes = 3 * layout.rowBytes * 4
    #expect(layout.pathsPerRowGroup == 3)
    #expect(layout.rowGroupCount == 7)
    func write(_ name: String, blocks: [Range<Int>]) throws -> [UInt8] {
      let writer = try ParquetPathWriter(
        path: dir.file(name), relativePath: name, layout: layout, createdBy: "x")
      for block in blocks {
        let prices = block.flatMap { p in (0...3).map { Double(p) + Double($0) / 4 } }
        let variance = block.flatMap { p in (1...3).map { Double(p * $0) } }
        let jumps = block.flatMap { p in (1...3).map { Int32(p % $0) } }
        try prices.withUnsafeBufferPointer { pr in
          try variance.withUnsafeBufferPointer { v in
            try jumps.withUnsafeBufferPointer { j in
              try writer.write(
                firstPath: block.lowerBound, pathCount: block.count, prices: pr, variance: v,
                jumps: j)
            }
          }
        }
      }
      _ = try writer.finish()
      return try contents(of: dir.file(name))
    }
    let a = try write("a.parquet", blocks: (0..<20).map { $0..<($0 + 1) })
    let b = try write("b.parquet", blocks: [15..<20, 4..<9, 0..<4, 9..<15])
    let c = try write("c.parquet", blocks: [0..<20])
    #expect(a == b && a == c)
    let n = a.count
    let footerLength = Int(a[n - 8]) | Int(a[n - 7]) << 8 | Int(a[n - 6]) << 16
    var reader = ThriftCompactReader(a, at: n - 8 - footerLength)
    let groups = reader.structure()[4]!.list
    #expect(groups.map { $0[3]?.int } == [12, 12, 12, 12, 12, 12, 8])
    for (g, group) in groups.enumerated() {
      let statistics = group[1]!.list[0][3]![12]!
      #expect(statistics[6]?.binary == littleEndianBytes(UInt64(3 * g)))
      #expect(statistics[5]?.binary == littleEndianBytes(UInt64(min(3 * g + 2, 19))))
    }
  }

  @Test func rowGroupsHoldFixedPathCounts() {
    let layout = ParquetPathLayout(paths: 10_000, steps: 252, assets: ["X"])
    #expect(layout.rowBytes == 20)
    #expect(layout.pathsPerRowGroup == (32 << 20) / (20 * 253))
    #expect(layout.rowGroupCount == (10_000 + 6630) / 6631)
  }

  @Test func isoDatesAreDaysSinceEpoch() {
    #expect(ParquetPathLayout.daysSinceEpoch(isoDate: "1970-01-01") == 0)
    #expect(ParquetPathLayout.daysSinceEpoch(isoDate: "1969-12-31") == -1)
    #expect(ParquetPathLayout.daysSinceEpoch(isoDate: "2000-03-01") == 11_017)
    #expect(ParquetPathLayout.daysSinceEpoch(isoDate: "2025-01-02") == 20_090)
    #expect(ParquetPathLayout.daysSinceEpoch(isoDate: "2025-1-02") == nil)
  }

  @Test func missingPathsFailFinish() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let writer = try ParquetPathWriter(
      path: dir.file("m.parquet"), relativePath: "m.parquet",
      layout: ParquetPathLayout(paths: 2, steps: 1, assets: ["A"]), createdBy: "x")
    try [1.0, 2.0].withUnsafeBufferPointer { p in
      try writer.write(firstPath: 1, pathCount: 1, prices: p)
    }
    #expect(throws: PathFilesError.incomplete(path: dir.file("m.parquet"), firstMissingPath: 0)) {
      _ = try writer.finish()
    }
    writer.abandon()
    #expect(!exists(dir.file("m.parquet")))
  }
}
