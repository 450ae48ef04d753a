/// An encoder of the Thrift compact protocol, the encoding of every Parquet page header and of
/// the file's footer (`FileMetaData`).
///
/// The subset Parquet needs, byte for byte as the specification gives it:
///
/// - integers (`i16`, `i32`, `i64`) are zigzag-encoded (`(n << 1) ^ (n >> 63)`), then written
///   as ULEB128 varints, 7 bits a byte, least significant group first, the high bit set on
///   every byte but the last; a `byte` (`i8`) is written as one raw byte;
/// - `binary` and `string` are a varint length followed by the bytes;
/// - a field header is one byte, `(delta << 4) | type`, when the field id exceeds the previous
///   field id of the same struct by 1…15; otherwise the type byte followed by the field id as a
///   zigzag varint `i16`. A boolean field carries its value in the type (1 true, 2 false) and
///   has no body. A struct ends with the stop byte `0x00`; the previous field id restarts at 0
///   inside each nested struct;
/// - a list header is `(size << 4) | elementType` for fewer than 15 elements, otherwise
///   `0xF0 | elementType` followed by the size as a varint.
///
/// References: Apache Thrift, "Thrift Compact protocol encoding",
/// https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md;
/// Apache Parquet, parquet-format `src/main/thrift/parquet.thrift`.
struct ThriftCompactWriter {
  /// The compact protocol's type codes, as they appear in field and list headers.
  enum FieldType: UInt8 {
    case booleanTrue = 1
    case booleanFalse = 2
    case byte = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case structure = 12
  }

  /// The bytes written so far.
  private(set) var bytes: [UInt8] = []
  /// The previous field id of each open struct, innermost last.
  private var lastFieldIDs: [Int16] = [0]

  init() {}

  // MARK: - Primitive encodings

  /// `value` as a ULEB128 varint.
  static func varint(_ value: UInt64) -> [UInt8] {
    var out: [UInt8] = []
    var v = value
    while v >= 0x80 {
      out.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    out.append(UInt8(v))
    return out
  }

  /// The zigzag encoding of a signed 64-bit integer: 0 → 0, -1 → 1, 1 → 2, -2 → 3, …
  static func zigzag(_ value: Int64) -> UInt64 {
    UInt64(bitPattern: (value << 1) ^ (value >> 63))
  }

  /// The zigzag encoding of a signed 32-bit integer (the `i16` and `i32` wire form).
  static func zigzag(_ value: Int32) -> UInt32 {
    UInt32(bitPattern: (value << 1) ^ (value >> 31))
  }

  // MARK: - Fields

  /// Writes the header of field `id` of type `type` in the innermost open struct.
  mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
    let delta = Int(id) - Int(lastFieldIDs[lastFieldIDs.count - 1])
    if delta > 0 && delta <= 15 {
      bytes.append(UInt8(delta) << 4 | type.rawValue)
    } else {
      bytes.append(type.rawValue)
      bytes += Self.varint(UInt64(Self.zigzag(Int32(id))))
    }
    lastFieldIDs[lastFieldIDs.count - 1] = id
  }

  /// Writes an `i32` field.
  mutating func field(_ id: Int16, i32 value: Int32) {
    fieldHeader(id, .i32)
    bytes += Self.varint(UInt64(Self.zigzag(value)))
  }

  /// Writes an `i16` field.
  mutating func field(_ id: Int16, i16 value: Int16) {
    fieldHeader(id, .i16)
    bytes += Self.varint(UInt64(Self.zigzag(Int32(value))))
  }

  /// Writes an `i64` field.
  mutating func field(_ id: Int16, i64 value: Int64) {
    fieldHeader(id, .i64)
    bytes += Self.varint(Self.zigzag(value))
  }

  /// Writes a `byte` (`i8`) field: one raw byte.
  mutating func field(_ id: Int16, byte value: Int8) {
    fieldHeader(id, .byte)
    bytes.append(UInt8(bitPattern: value))
  }

  /// Writes a `bool` field: the value is the header's type, with no body.
  mutating func field(_ id: Int16, bool value: Bool) {
    fieldHeader(id, value ? .booleanTrue : .booleanFalse)
  }

  /// Writes a `binary` field.
  mutating func field(_ id: Int16, binary value: [UInt8]) {
    fieldHeader(id, .binary)
    appendBinary(value)
  }

  /// Writes a `string` field (UTF-8, encoded as `binary`).
  mutating func field(_ id: Int16, string value: String) {
    field(id, binary: Array(value.utf8))
  }

  /// Opens a struct-valued field; close it with `endStruct()`.
  mutating func beginStruct(_ id: Int16) {
    fieldHeader(id, .structure)
    lastFieldIDs.append(0)
  }

  /// Opens a struct that is a list element (no field header); close it with `endStruct()`.
  mutating func beginListElementStruct() {
    lastFieldIDs.append(0)
  }

  /// Writes the stop byte of the innermost open struct and closes it.
  mutating func endStruct() {
    precondition(lastFieldIDs.count > 1, "no open struct")
    bytes.append(0)
    lastFieldIDs.removeLast()
  }

  /// Writes the stop byte of the outermost struct (the message itself).
  mutating func endMessage() {
    precondition(lastFieldIDs.count == 1, "a struct is still open")
    bytes.append(0)
  }

  /// Writes the header of a list-valued field with `count` elements of `elementType`; the
  /// elements follow (`appendListI32`, `appendBinary`, or structs).
  mutating func beginList(_ id: Int16, of elementType: FieldType, count: Int) {
    fieldHeader(id, .list)
    if count < 15 {
      bytes.append(UInt8(count) << 4 | elementType.rawValue)
    } else {
      bytes.append(0xF0 | elementType.rawValue)
      bytes += Self.varint(UInt64(count))
    }
  }

  /// Writes one `i32` list element.
  mutating func appendListI32(_ value: Int32) {
    bytes += Self.varint(UInt64(Self.zigzag(value)))
  }

  /// Writes one `binary` (or `string`) value: its length as a varint, then its bytes.
  mutating func appendBinary(_ value: [UInt8]) {
    bytes += Self.varint(UInt64(value.count))
    bytes += value
  }
}
