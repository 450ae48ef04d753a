import Foundation

/// What a Parquet path file holds: its paths, steps, calendar, assets and series.
///
/// The table has one row per (path, step), `paths × (steps + 1)` rows in (path, step) order,
/// and these columns, in this order (Parquet physical type, annotation):
///
/// | column | type | |
/// |---|---|---|
/// | `path` | INT64 | required; the global path index |
/// | `step` | INT32 | required; 0 … steps (step 0 holds the initial prices) |
/// | `date` | INT32, DATE | required, when the run is dated; days since 1970-01-01 |
/// | `<asset>` | DOUBLE or FLOAT | required; the price, one column per asset |
/// | `return_<asset>` | DOUBLE or FLOAT | optional; the log return from step − 1 to step |
/// | `variance_<asset>` | DOUBLE or FLOAT | optional; the variance of that step's shock |
/// | `jumps_<asset>` | INT32 | optional; the number of jumps in that step |
/// | `regime` | INT32, INTEGER(8, unsigned) / UINT_8 | optional; the regime of that step |
///
/// The per-step series (returns and latent states) exist for steps 1 … steps only: at step 0
/// they are null (an absent value, not an invented zero), so those columns are OPTIONAL and
/// carry definition levels; every other column is REQUIRED.
public struct ParquetPathLayout: Sendable, Equatable {
  /// The global index of the file's first path, and the number of paths.
  public var firstPath: Int
  public var paths: Int
  /// The number of steps after the initial price.
  public var steps: Int
  /// Asset names, in the order of the price arrays' last axis.
  public var assets: [String]
  /// The date of steps 0 … steps in days since 1970-01-01, or `nil` when the run has none.
  public var dates: [Int32]?
  /// Whether real values are stored as FLOAT (binary32) instead of DOUBLE.
  public var float32: Bool
  /// Which per-step series the table holds.
  public var returns: Bool
  public var variance: Bool
  public var jumps: Bool
  public var regimes: Bool
  /// The compression of every page.
  public var compression: ParquetCompression

  /// Creates a layout; `dates`, when given, holds `steps + 1` days.
  public init(
    firstPath: Int = 0, paths: Int, steps: Int, assets: [String], dates: [Int32]? = nil,
    float32: Bool = false, returns: Bool = false, variance: Bool = false, jumps: Bool = false,
    regimes: Bool = false, compression: ParquetCompression = .none
  ) {
    precondition(firstPath >= 0 && paths >= 0 && steps >= 0 && !assets.isEmpty)
    precondition(dates.map { $0.count == steps + 1 } ?? true, "Parquet dates: expected steps + 1")
    self.firstPath = firstPath
    self.paths = paths
    self.steps = steps
    self.assets = assets
    self.dates = dates
    self.float32 = float32
    self.returns = returns
    self.variance = variance
    self.jumps = jumps
    self.regimes = regimes
    self.compression = compression
  }

  /// The number of rows, `paths × (steps + 1)`.
  public var rows: Int { paths * (steps + 1) }

  /// The bytes one row takes on disk (PLAIN values, without definition levels).
  public var rowBytes: Int {
    let real = float32 ? 4 : 8
    let n = assets.count
    var bytes = 8 + 4 + (dates == nil ? 0 : 4) + n * real
    if returns { bytes += n * real }
    if variance { bytes += n * real }
    if jumps { bytes += n * 4 }
    if regimes { bytes += 4 }
    return bytes
  }

  /// The target size of a row group's values, 32 MiB unless set otherwise (tests use small
  /// row groups).
  public var rowGroupTargetBytes = 32 << 20

  /// The number of paths in each row group (the last may hold fewer): as many whole paths as
  /// fit in `rowGroupTargetBytes` of row data, and at least one. It depends on the layout only,
  /// never on the run's threads or blocks, so the file's bytes do not either.
  public var pathsPerRowGroup: Int {
    max(1, rowGroupTargetBytes / (rowBytes * (steps + 1)))
  }

  /// The number of row groups.
  public var rowGroupCount: Int { (paths + pathsPerRowGroup - 1) / pathsPerRowGroup }

  /// The columns, in file order.
  var columns: [ParquetColumn] {
    var out: [ParquetColumn] = [
      .init(name: "path", kind: .path), .init(name: "step", kind: .step),
    ]
    if dates != nil { out.append(.init(name: "date", kind: .date)) }
    for (a, asset) in assets.enumerated() { out.append(.init(name: asset, kind: .price(a))) }
    if returns {
      for (a, asset) in assets.enumerated() {
        out.append(.init(name: "return_\(asset)", kind: .logReturn(a)))
      }
    }
    if variance {
      for (a, asset) in assets.enumerated() {
        out.append(.init(name: "variance_\(asset)", kind: .variance(a)))
      }
    }
    if jumps {
      for (a, asset) in assets.enumerated() {
        out.append(.init(name: "jumps_\(asset)", kind: .jumps(a)))
      }
    }
    if regimes { out.append(.init(name: "regime", kind: .regime)) }
    return out
  }

  /// The columns as the manifest lists them: name, type and whether they hold nulls.
  public var schema: [FileRecord.Column] {
    columns.map { column in
      let type: String
      switch column.kind {
      case .path: type = "int64"
      case .step, .jumps: type = "int32"
      case .date: type = "date32"
      case .price, .logReturn, .variance: type = float32 ? "float32" : "float64"
      case .regime: type = "uint8"
      }
      return FileRecord.Column(name: column.name, type: type, nullable: column.kind.isPerStep)
    }
  }

  /// The days since 1970-01-01 of an ISO 8601 calendar date `YYYY-MM-DD` (proleptic Gregorian),
  /// or `nil` when `text` is not one.
  ///
  /// Reference: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", `days_from_civil`.
  public static func daysSinceEpoch(isoDate text: String) -> Int32? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
      (1...12).contains(month), (1...31).contains(day)
    else { return nil }
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return Int32(era * 146_097 + doe - 719_468)
  }
}

/// One column of the path table.
struct ParquetColumn: Equatable {
  enum Kind: Equatable {
    case path, step, date
    case price(Int)
    case logReturn(Int)
    case variance(Int)
    case jumps(Int)
    case regime

    /// Whether the column holds one value per step 1 … steps (null at step 0).
    var isPerStep: Bool {
      switch self {
      case .path, .step, .date, .price: false
      case .logReturn, .variance, .jumps, .regime: true
      }
    }
  }
  let name: String
  let kind: Kind
}

/// Parquet's enumerations, with the values of parquet.thrift.
enum ParquetCode {
  /// `Type`.
  static let int32: Int32 = 1
  static let int64: Int32 = 2
  static let float: Int32 = 4
  static let double: Int32 = 5
  /// `FieldRepetitionType`.
  static let required: Int32 = 0
  static let optional: Int32 = 1
  /// `ConvertedType`.
  static let convertedDate: Int32 = 6
  static let convertedUInt8: Int32 = 11
  /// `Encoding`.
  static let plain: Int32 = 0
  static let rle: Int32 = 3
  /// `CompressionCodec`.
  static let uncompressed: Int32 = 0
  static let zstd: Int32 = 6
  /// `PageType`.
  static let dataPage: Int32 = 0
}

/// Writes a table of simulated paths (see `ParquetPathLayout`) as one Apache Parquet file that
/// pyarrow, polars, DuckDB and Spark read without glue.
///
/// The file is `PAR1`, then per row group and per column one column chunk of a single data
/// page (v1, PLAIN encoding, UNCOMPRESSED), then the `FileMetaData` footer in the Thrift
/// compact protocol (`ThriftCompactWriter`), its length as a 4-byte little-endian integer, and
/// `PAR1` again. A page is a `PageHeader` followed by its values: for an OPTIONAL column first
/// the definition levels (bit width 1) in the RLE/bit-packing hybrid encoding with its 4-byte
/// little-endian length prefix, as runs only (per path one run of a single 0, step 0's null,
/// then one run of `steps` 1s), then the PLAIN values of the non-null rows: little-endian
/// two's-complement INT32/INT64, IEEE 754 FLOAT/DOUBLE. REQUIRED columns have no levels.
/// Repetition levels are absent (flat schema, maximum repetition level 0).
///
/// Row group `g` holds paths `g × pathsPerRowGroup ..< (g + 1) × pathsPerRowGroup`
/// (`ParquetPathLayout.pathsPerRowGroup`, fixed by the layout). Every column chunk carries
/// `Statistics` with `null_count`, `min_value` and `max_value` (PLAIN-encoded, in the column's
/// type-defined order, declared by `column_orders`; NaNs left out, a zero minimum written as
/// −0.0 and a zero maximum as +0.0, as the specification asks), so that readers skip row
/// groups on `path` (or price) filters.
///
/// Blocks of consecutive paths may arrive from worker threads in any order. Their values are
/// copied into the buffer of their row group; a complete row group is written as soon as every
/// earlier one has been, so the file is identical for any thread count and block size, and
/// memory holds the row groups that are being filled or wait for a slower predecessor (about
/// one per thread). Like `NPYFileWriter`, the file is written as `<path>.<run>.partial` and
/// renamed by `finish()`.
///
/// References: Apache Parquet, parquet-format `src/main/thrift/parquet.thrift` (the footer and
/// page headers), `Encodings.md` (PLAIN; RLE/bit-packing hybrid), and the format description
/// (https://parquet.apache.org/docs/file-format/): file layout, magic, footer length.
public final class ParquetPathWriter: @unchecked Sendable {
  /// The final path of the file.
  public var path: String { file.path }
  /// The path written until `finish()`: `<path>.<run>.partial`.
  public var partialPath: String { file.partialPath }
  /// The path relative to the run directory, recorded in the `FileRecord`.
  public let relativePath: String
  /// What the file holds.
  public let layout: ParquetPathLayout
  /// The footer's `created_by`, e.g. `scengine version 0.1.0`.
  public let createdBy: String

  /// The four bytes that open and close every Parquet file.
  public static let magic: [UInt8] = Array("PAR1".utf8)

  private let file: PartialFile
  private let columns: [ParquetColumn]

  private let lock = NSLock()
  /// Guarded by `lock`: row groups being filled, by index.
  private var buffers: [Int: RowGroupBuffer] = [:]
  /// Guarded by `lock`: the index of the next row group to write.
  private var nextGroup = 0
  /// Guarded by `lock`: the byte length of the file written so far.
  private var length: Int
  /// Guarded by `lock`: the metadata of every row group written.
  private var written: [RowGroupRecord] = []
  /// Guarded by `lock`: the first write error; later calls rethrow it.
  private var failure: PathFilesError?
  /// The file's SHA-256, computed beside the writes (the file is never read back).
  private let hasher = BackgroundHash()
  /// Guarded by `lock`: the `step` (or `date`) values and the definition levels of a full row
  /// group, the same for every one but the last.
  private var repeatedColumns: [Int: [Int32]] = [:]
  private var repeatedLevels: [UInt8]?
  /// The large arrays of past row groups, for the next ones (prices and other reals, paths).
  private let realPool = ArrayPool<Double>()
  private let pathPool = ArrayPool<Int64>()
  /// The compressor of `zstd` pages (used under `lock`).
  private let compressor: ZstdCompressor?

  /// Creates `<path>.<run>.partial` and writes the leading magic; `finish()` replaces a
  /// regular file at `path`, never a symbolic link or anything else.
  ///
  /// - Throws: `PathFilesError` naming the partial file; nothing is left behind.
  public convenience init(
    path: String, relativePath: String, layout: ParquetPathLayout, createdBy: String
  ) throws(PathFilesError) {
    try self.init(relativePath: relativePath, layout: layout, createdBy: createdBy) {
      () throws(PathFilesError) in try PartialFile(path: path)
    }
  }

  /// Creates the temporary file of `relativePath` inside an output folder and writes the
  /// leading magic.
  ///
  /// - Throws: `PathFilesError` naming the file; nothing is left behind.
  public convenience init(
    in folder: OutputFolder, relativePath: String, layout: ParquetPathLayout, createdBy: String
  ) throws(PathFilesError) {
    try self.init(relativePath: relativePath, layout: layout, createdBy: createdBy) {
      () throws(PathFilesError) in try folder.partialFile(relativePath)
    }
  }

  private init(
    relativePath: String, layout: ParquetPathLayout, createdBy: String,
    create: () throws(PathFilesError) -> PartialFile
  ) throws(PathFilesError) {
    self.relativePath = relativePath
    self.layout = layout
    self.createdBy = createdBy
    self.columns = layout.columns
    self.compressor = layout.compression == .zstd ? ZstdCompressor() : nil
    self.file = try create()
    self.length = Self.magic.count
    do throws(PathFilesError) {
      try file.write(Self.magic, at: 0)
      hasher.update(Self.magic)
    } catch {
      file.abandon()
      throw error
    }
  }

  /// Writes `values` (PLAIN: their little-endian bytes in order) at the end of the file and
  /// hands them to the hash, and then to `done`. Called with `lock` held.
  private func append<T: BitwiseCopyable & Sendable>(
    _ values: [T], then done: (@Sendable ([T]) -> Void)? = nil
  ) throws(PathFilesError) {
    let result = values.withUnsafeBytes { raw in
      Result { () throws(PathFilesError) in try file.write(raw, at: length) }
    }
    try result.get()
    hasher.update(values, then: done)
    length += values.count * MemoryLayout<T>.stride
  }

  /// Adds paths `firstPath ..< firstPath + pathCount`. Each array is laid out as the engine's
  /// block arrays: `prices` `[path][step 0 … steps][asset]`; `returns`, `variance` and `jumps`
  /// `[path][step 1 … steps][asset]`; `regimes` `[path][step 1 … steps]`. The arrays of series
  /// the layout does not hold are ignored.
  ///
  /// - Precondition: the block lies within the file's paths, overlaps no earlier block, and
  ///   every series of the layout is given with at least the block's values.
  /// - Throws: `PathFilesError.cannotWrite` naming the file; once a write has failed,
  ///   every later call throws the same error.
  public func write(
    firstPath: Int, pathCount: Int, prices: UnsafeBufferPointer<Double>,
    returns: UnsafeBufferPointer<Double>? = nil, variance: UnsafeBufferPointer<Double>? = nil,
    jumps: UnsafeBufferPointer<Int32>? = nil, regimes: UnsafeBufferPointer<UInt8>? = nil
  ) throws(PathFilesError) {
    let s = layout.steps
    let n = layout.assets.count
    let start = firstPath - layout.firstPath
    precondition(
      start >= 0 && pathCount >= 0 && start + pathCount <= layout.paths,
      "Parquet block at path \(firstPath) lies outside the file")
    precondition(prices.count >= pathCount * (s + 1) * n)
    precondition(!layout.returns || (returns?.count ?? 0) >= pathCount * s * n)
    precondition(!layout.variance || (variance?.count ?? 0) >= pathCount * s * n)
    precondition(!layout.jumps || (jumps?.count ?? 0) >= pathCount * s * n)
    precondition(!layout.regimes || (regimes?.count ?? 0) >= pathCount * s)
    lock.lock()
    defer { lock.unlock() }
    if let failure { throw failure }
    let perGroup = layout.pathsPerRowGroup
    for local in 0..<pathCount {
      let index = start + local
      let group = index / perGroup
      precondition(group >= nextGroup, "Parquet block at path \(firstPath) was already written")
      let buffer = buffers[group] ?? makeBuffer(group)
      buffers[group] = buffer
      let row = index - group * perGroup
      for (c, column) in columns.enumerated() {
        switch column.kind {
        case .path, .step, .date: break
        case .price(let a):
          buffer.reals[c].withUnsafeMutableBufferPointer { out in
            gather(
              prices, from: local * (s + 1) * n + a, stride: n, count: s + 1,
              into: out, at: row * (s + 1))
          }
        case .logReturn(let a):
          buffer.reals[c].withUnsafeMutableBufferPointer { out in
            gather(returns!, from: local * s * n + a, stride: n, count: s, into: out, at: row * s)
          }
        case .variance(let a):
          buffer.reals[c].withUnsafeMutableBufferPointer { out in
            gather(variance!, from: local * s * n + a, stride: n, count: s, into: out, at: row * s)
          }
        case .jumps(let a):
          buffer.ints[c].withUnsafeMutableBufferPointer { out in
            gather(jumps!, from: local * s * n + a, stride: n, count: s, into: out, at: row * s)
          }
        case .regime:
          let regimes = regimes!
          buffer.ints[c].withUnsafeMutableBufferPointer { out in
            for k in 0..<s { out[row * s + k] = Int32(regimes[local * s + k]) }
          }
        }
      }
      precondition(!buffer.filled[row], "Parquet path \(firstPath + local) written twice")
      buffer.filled[row] = true
      buffer.filledCount += 1
    }
    do throws(PathFilesError) {
      while let buffer = buffers[nextGroup], buffer.filledCount == buffer.paths {
        buffers[nextGroup] = nil
        try writeRowGroup(buffer)
        nextGroup += 1
      }
    } catch {
      failure = error
      throw error
    }
  }

  private func makeBuffer(_ group: Int) -> RowGroupBuffer {
    let perGroup = layout.pathsPerRowGroup
    let paths = min(perGroup, layout.paths - group * perGroup)
    let s = layout.steps
    let buffer = RowGroupBuffer(group: group, firstPath: group * perGroup, paths: paths)
    // Every value is written before the group is (each path once, all paths before the
    // write), so the buffers start uninitialised: no pass over 32 MiB to zero them.
    for column in columns {
      switch column.kind {
      case .path, .step, .date:
        buffer.reals.append([])
        buffer.ints.append([])
      case .price:
        buffer.reals.append(realPool.take(paths * (s + 1)))
        buffer.ints.append([])
      case .logReturn, .variance:
        buffer.reals.append(realPool.take(paths * s))
        buffer.ints.append([])
      case .jumps, .regime:
        buffer.reals.append([])
        buffer.ints.append(uninitialized(paths * s))
      }
    }
    return buffer
  }

  /// Writes one complete row group at the end of the file. Called with `lock` held.
  private func writeRowGroup(_ buffer: RowGroupBuffer) throws(PathFilesError) {
    let s = layout.steps
    let rows = buffer.paths * (s + 1)
    var chunks: [ColumnChunkRecord] = []
    let groupOffset = length
    let full = buffer.paths == layout.pathsPerRowGroup
    /// One column chunk: a page header, the levels with their length (OPTIONAL columns), the
    /// PLAIN values.
    func page<T: BitwiseCopyable & Sendable>(
      _ column: ParquetColumn, _ values: [T], _ statistics: ParquetStatistics, _ physical: Int32,
      then done: (@Sendable ([T]) -> Void)? = nil
    ) throws(PathFilesError) {
      var levels: [UInt8] = []
      if column.kind.isPerStep {
        let encoded =
          full
          ? repeatedLevels ?? Self.definitionLevels(paths: buffer.paths, steps: s)
          : Self.definitionLevels(paths: buffer.paths, steps: s)
        if full { repeatedLevels = encoded }
        levels = littleEndianBytes(UInt32(encoded.count)) + encoded
      }
      let bodyBytes = levels.count + values.count * MemoryLayout<T>.stride
      let offset = length
      let headerBytes: Int
      if let compressor {
        // The body (levels, then values) as one Zstandard frame.
        var body = levels
        body.reserveCapacity(bodyBytes)
        values.withUnsafeBytes { body.append(contentsOf: $0) }
        guard let frame = body.withUnsafeBytes({ compressor.compress($0) }) else {
          throw .cannotWrite(path: file.path, errno: ENOMEM)
        }
        let header = Self.pageHeader(
          rows: rows, bodyBytes: bodyBytes, compressedBytes: frame.count)
        headerBytes = header.count
        try append(header + frame)
        done?(values)
      } else {
        let header = Self.pageHeader(rows: rows, bodyBytes: bodyBytes)
        headerBytes = header.count
        try append(header + levels)
        try append(values, then: done)
      }
      chunks.append(
        ColumnChunkRecord(
          name: column.name, physicalType: physical, optional: column.kind.isPerStep,
          offset: offset, bytes: length - offset, uncompressedBytes: headerBytes + bodyBytes,
          values: rows, statistics: statistics))
    }
    /// `pattern` once per path of the group (the `step` and `date` columns).
    func repeated(_ c: Int, _ pattern: [Int32]) -> [Int32] {
      if full, let cached = repeatedColumns[c] { return cached }
      let v = [Int32](unsafeUninitializedCapacity: rows) { out, count in
        for p in 0..<buffer.paths {
          for k in 0...s { out[p * (s + 1) + k] = pattern[k] }
        }
        count = rows
      }
      if full { repeatedColumns[c] = v }
      return v
    }
    for (c, column) in columns.enumerated() {
      switch column.kind {
      case .path:
        let first = Int64(layout.firstPath + buffer.firstPath)
        var v = pathPool.take(rows)
        v.withUnsafeMutableBufferPointer { out in
          for p in 0..<buffer.paths {
            (out.baseAddress! + p * (s + 1)).update(repeating: first + Int64(p), count: s + 1)
          }
        }
        try page(
          column, v,
          .integers(first, first + Int64(buffer.paths - 1), width: 8, count: rows),
          ParquetCode.int64, then: { [pathPool] in pathPool.put($0) })
      case .step:
        try page(
          column, repeated(c, Array(0...Int32(s))), .integers(0, Int64(s), width: 4, count: rows),
          ParquetCode.int32)
      case .date:
        let dates = layout.dates!
        try page(
          column, repeated(c, dates),
          .integers(Int64(dates.min()!), Int64(dates.max()!), width: 4, count: rows),
          ParquetCode.int32)
      case .price, .logReturn, .variance:
        // Moved out of the buffer, so that the pool gets the array's only reference back.
        let v = buffer.reals[c]
        buffer.reals[c] = []
        if layout.float32 {
          let f = v.map { Float($0) }
          realPool.put(v)
          try page(column, f, .floats(f, nulls: rows - v.count), ParquetCode.float)
        } else {
          try page(
            column, v, .doubles(v, nulls: rows - v.count), ParquetCode.double,
            then: { [realPool] in realPool.put($0) })
        }
      case .jumps, .regime:
        let v = buffer.ints[c]
        let statistics =
          v.isEmpty
          ? ParquetStatistics(nullCount: rows, min: nil, max: nil)
          : .integers(
            Int64(v.min()!), Int64(v.max()!), width: 4, count: rows, nulls: rows - v.count)
        try page(column, v, statistics, ParquetCode.int32)
      }
    }
    written.append(
      RowGroupRecord(
        offset: groupOffset, rows: rows, bytes: length - groupOffset,
        uncompressedBytes: chunks.reduce(0) { $0 + $1.uncompressedBytes }, chunks: chunks))
  }

  /// The definition levels of a per-step column in a row group of `paths` paths: per path a 0
  /// (step 0 is null) then `steps` 1s, as RLE runs of the RLE/bit-packing hybrid (bit width 1):
  /// each run is its header, the varint `count << 1`, then the value in one byte.
  ///
  /// Reference: parquet-format `Encodings.md`, "Run Length Encoding / Bit-Packing Hybrid".
  static func definitionLevels(paths: Int, steps: Int) -> [UInt8] {
    var run: [UInt8] = ThriftCompactWriter.varint(1 << 1) + [0]
    if steps > 0 { run += ThriftCompactWriter.varint(UInt64(steps) << 1) + [1] }
    var out: [UInt8] = []
    out.reserveCapacity(run.count * paths)
    for _ in 0..<paths { out += run }
    return out
  }

  /// A data page (v1) header for `rows` values (nulls included) of PLAIN encoding, levels in
  /// RLE, uncompressed: `PageHeader { 1: type, 2: uncompressed_page_size,
  /// 3: compressed_page_size, 5: data_page_header { 1: num_values, 2: encoding,
  /// 3: definition_level_encoding, 4: repetition_level_encoding } }`.
  static func pageHeader(rows: Int, bodyBytes: Int, compressedBytes: Int? = nil) -> [UInt8] {
    let stored = compressedBytes ?? bodyBytes
    precondition(
      rows <= Int32.max && bodyBytes <= Int32.max && stored <= Int32.max, "Parquet page too large")
    var w = ThriftCompactWriter()
    w.field(1, i32: ParquetCode.dataPage)
    w.field(2, i32: Int32(bodyBytes))
    w.field(3, i32: Int32(stored))
    w.beginStruct(5)
    w.field(1, i32: Int32(rows))
    w.field(2, i32: ParquetCode.plain)
    w.field(3, i32: ParquetCode.rle)
    w.field(4, i32: ParquetCode.rle)
    w.endStruct()
    w.endMessage()
    return w.bytes
  }

  /// Writes the footer, hashes, closes and renames the file to `path`; with `sync`, flushes it
  /// to disk first.
  ///
  /// - Returns: the manifest entry: `relativePath`, SHA-256, size, rows and schema.
  /// - Throws: `PathFilesError.incomplete` when paths are missing, an earlier write error, or
  ///   an I/O error naming the file.
  public func finish(sync: Bool = false, shouldStop: () -> Bool = { false })
    throws(PathFilesError) -> FileRecord
  {
    lock.lock()
    defer { lock.unlock() }
    if let failure { throw failure }
    guard nextGroup == layout.rowGroupCount else {
      let missing = (0..<layout.paths).first { index in
        let group = index / layout.pathsPerRowGroup
        guard group >= nextGroup else { return false }
        guard let buffer = buffers[group] else { return true }
        return !buffer.filled[index - group * layout.pathsPerRowGroup]
      }
      throw .incomplete(path: path, firstMissingPath: layout.firstPath + (missing ?? 0))
    }
    let footer = footerBytes()
    try append(footer + littleEndianBytes(UInt32(footer.count)) + Self.magic)
    let (digest, bytes) = try file.commit(
      sync: sync, shouldStop: shouldStop, digest: (hasher.finalize(), length))
    return FileRecord(
      path: relativePath, sha256: digest, bytes: bytes, rows: layout.rows, schema: layout.schema)
  }

  /// Closes and removes the partial file. Idempotent, and safe after any error; does nothing
  /// after a successful `finish()`.
  public func abandon() {
    file.abandon()
  }

  /// The `FileMetaData` in the Thrift compact protocol:
  /// `{ 1: version, 2: schema, 3: num_rows, 4: row_groups, 6: created_by, 7: column_orders }`.
  func footerBytes() -> [UInt8] {
    Self.footerBytes(layout: layout, columns: columns, written: written, createdBy: createdBy)
  }

  /// The footer of a file of `layout` whose row groups are `written`.
  static func footerBytes(
    layout: ParquetPathLayout, columns: [ParquetColumn], written: [RowGroupRecord],
    createdBy: String
  ) -> [UInt8] {
    var w = ThriftCompactWriter()
    w.field(1, i32: 1)
    w.beginList(2, of: .structure, count: columns.count + 1)
    // The root: `SchemaElement { 4: name, 5: num_children }`.
    w.beginListElementStruct()
    w.field(4, string: "schema")
    w.field(5, i32: Int32(columns.count))
    w.endStruct()
    for column in columns {
      // `SchemaElement { 1: type, 3: repetition_type, 4: name, 6: converted_type,
      // 10: logicalType }`.
      w.beginListElementStruct()
      let physical: Int32
      switch column.kind {
      case .path: physical = ParquetCode.int64
      case .step, .date, .jumps, .regime: physical = ParquetCode.int32
      case .price, .logReturn, .variance:
        physical = layout.float32 ? ParquetCode.float : ParquetCode.double
      }
      w.field(1, i32: physical)
      w.field(3, i32: column.kind.isPerStep ? ParquetCode.optional : ParquetCode.required)
      w.field(4, string: column.name)
      if column.kind == .date {
        w.field(6, i32: ParquetCode.convertedDate)
        // `LogicalType` union, member 6: `DateType {}`.
        w.beginStruct(10)
        w.beginStruct(6)
        w.endStruct()
        w.endStruct()
      } else if column.kind == .regime {
        w.field(6, i32: ParquetCode.convertedUInt8)
        // `LogicalType` union, member 10: `IntType { 1: bitWidth 8, 2: isSigned false }`.
        w.beginStruct(10)
        w.beginStruct(10)
        w.field(1, byte: 8)
        w.field(2, bool: false)
        w.endStruct()
        w.endStruct()
      }
      w.endStruct()
    }
    w.field(3, i64: Int64(layout.rows))
    w.beginList(4, of: .structure, count: written.count)
    for (ordinal, group) in written.enumerated() {
      // `RowGroup { 1: columns, 2: total_byte_size, 3: num_rows, 5: file_offset,
      // 6: total_compressed_size, 7: ordinal }`.
      w.beginListElementStruct()
      w.beginList(1, of: .structure, count: group.chunks.count)
      for chunk in group.chunks {
        // `ColumnChunk { 2: file_offset, 3: meta_data }`.
        w.beginListElementStruct()
        w.field(2, i64: Int64(chunk.offset))
        // `ColumnMetaData { 1: type, 2: encodings, 3: path_in_schema, 4: codec,
        // 5: num_values, 6: total_uncompressed_size, 7: total_compressed_size,
        // 9: data_page_offset, 12: statistics }`.
        w.beginStruct(3)
        w.field(1, i32: chunk.physicalType)
        let encodings = chunk.optional ? [ParquetCode.plain, ParquetCode.rle] : [ParquetCode.plain]
        w.beginList(2, of: .i32, count: encodings.count)
        for encoding in encodings { w.appendListI32(encoding) }
        w.beginList(3, of: .binary, count: 1)
        w.appendBinary(Array(chunk.name.utf8))
        w.field(4, i32: layout.compression.code)
        w.field(5, i64: Int64(chunk.values))
        w.field(6, i64: Int64(chunk.uncompressedBytes))
        w.field(7, i64: Int64(chunk.bytes))
        w.field(9, i64: Int64(chunk.offset))
        // `Statistics { 3: null_count, 5: max_value, 6: min_value }`.
        w.beginStruct(12)
        w.field(3, i64: Int64(chunk.statistics.nullCount))
        if let max = chunk.statistics.max { w.field(5, binary: max) }
        if let min = chunk.statistics.min { w.field(6, binary: min) }
        w.endStruct()
        w.endStruct()
        w.endStruct()
      }
      w.field(2, i64: Int64(group.uncompressedBytes))
      w.field(3, i64: Int64(group.rows))
      w.field(5, i64: Int64(group.offset))
      w.field(6, i64: Int64(group.bytes))
      if ordinal <= Int(Int16.max) { w.field(7, i16: Int16(ordinal)) }
      w.endStruct()
    }
    w.field(6, string: createdBy)
    // `ColumnOrder` union per column, member 1: `TypeDefinedOrder {}`.
    w.beginList(7, of: .structure, count: columns.count)
    for _ in columns {
      w.beginListElementStruct()
      w.beginStruct(1)
      w.endStruct()
      w.endStruct()
    }
    w.endMessage()
    return w.bytes
  }
}

/// The values of one row group while it fills: per column, real or integer values (empty for
/// the generated `path`, `step` and `date` columns), and which paths have arrived.
private final class RowGroupBuffer {
  let group: Int
  /// The index of the group's first path, relative to the file's first path.
  let firstPath: Int
  let paths: Int
  var reals: [[Double]] = []
  var ints: [[Int32]] = []
  var filled: [Bool]
  var filledCount = 0

  init(group: Int, firstPath: Int, paths: Int) {
    self.group = group
    self.firstPath = firstPath
    self.paths = paths
    self.filled = Array(repeating: false, count: paths)
  }
}

/// What the footer records of one column chunk.
struct ColumnChunkRecord {
  let name: String
  let physicalType: Int32
  let optional: Bool
  let offset: Int
  /// The bytes in the file: page header and (compressed) body.
  let bytes: Int
  /// The page header and the uncompressed body (`bytes` without compression).
  let uncompressedBytes: Int
  let values: Int
  let statistics: ParquetStatistics
}

/// What the footer records of one row group.
struct RowGroupRecord {
  let offset: Int
  let rows: Int
  let bytes: Int
  /// The column chunks' uncompressed bytes (`total_byte_size`).
  let uncompressedBytes: Int
  let chunks: [ColumnChunkRecord]
}

/// A column chunk's statistics: its null count and PLAIN-encoded extremes.
struct ParquetStatistics {
  let nullCount: Int
  let min: [UInt8]?
  let max: [UInt8]?

  /// Integer extremes, PLAIN-encoded in `width` bytes.
  static func integers(_ min: Int64, _ max: Int64, width: Int, count: Int, nulls: Int = 0)
    -> ParquetStatistics
  {
    let encode = { (v: Int64) -> [UInt8] in
      width == 8
        ? littleEndianBytes(UInt64(bitPattern: v)) : littleEndianBytes(UInt32(bitPattern: Int32(v)))
    }
    return ParquetStatistics(nullCount: nulls, min: encode(min), max: encode(max))
  }

  /// The extremes of doubles, NaN left out; a zero minimum as −0.0, a zero maximum as +0.0.
  static func doubles(_ values: [Double], nulls: Int) -> ParquetStatistics {
    guard let (lo, hi) = extremes(values) else {
      return ParquetStatistics(nullCount: nulls, min: nil, max: nil)
    }
    return ParquetStatistics(
      nullCount: nulls, min: littleEndianBytes((lo == 0 ? -0.0 : lo).bitPattern),
      max: littleEndianBytes((hi == 0 ? 0.0 : hi).bitPattern))
  }

  /// The extremes of floats, as `doubles`.
  static func floats(_ values: [Float], nulls: Int) -> ParquetStatistics {
    guard let (lo, hi) = extremes(values) else {
      return ParquetStatistics(nullCount: nulls, min: nil, max: nil)
    }
    return ParquetStatistics(
      nullCount: nulls, min: littleEndianBytes((lo == 0 ? -Float(0) : lo).bitPattern),
      max: littleEndianBytes((hi == 0 ? Float(0) : hi).bitPattern))
  }

  /// The smallest and largest values that are not NaN, or `nil` when there is none. Four
  /// running extremes side by side (independent chains of `vminsd`/`vmaxsd`); a running
  /// extreme takes a value only when it is strictly beyond it, which a NaN never is, so NaNs
  /// are skipped without a branch. The extremes do not depend on the order (only the sign of a
  /// zero could, and zeros are written as −0.0 and +0.0 whatever their sign).
  @inline(__always)
  private static func extremes<F: BinaryFloatingPoint>(_ values: [F]) -> (F, F)? {
    values.withUnsafeBufferPointer { v in
      var lo = (F.infinity, F.infinity, F.infinity, F.infinity)
      var hi = (-F.infinity, -F.infinity, -F.infinity, -F.infinity)
      var i = 0
      while i + 4 <= v.count {
        if v[i] < lo.0 { lo.0 = v[i] }
        if v[i + 1] < lo.1 { lo.1 = v[i + 1] }
        if v[i + 2] < lo.2 { lo.2 = v[i + 2] }
        if v[i + 3] < lo.3 { lo.3 = v[i + 3] }
        if v[i] > hi.0 { hi.0 = v[i] }
        if v[i + 1] > hi.1 { hi.1 = v[i + 1] }
        if v[i + 2] > hi.2 { hi.2 = v[i + 2] }
        if v[i + 3] > hi.3 { hi.3 = v[i + 3] }
        i += 4
      }
      for x in v[i...] {
        if x < lo.0 { lo.0 = x }
        if x > hi.0 { hi.0 = x }
      }
      let low = Swift.min(Swift.min(lo.0, lo.1), Swift.min(lo.2, lo.3))
      let high = Swift.max(Swift.max(hi.0, hi.1), Swift.max(hi.2, hi.3))
      // Nothing but NaN leaves +∞ below −∞; a single value, even ±∞, gives low ≤ high.
      return low <= high ? (low, high) : nil
    }
  }
}

/// `count` values taken `stride` apart from `source[from...]`, written to `out[at...]`.
@inline(__always)
private func gather<T>(
  _ source: UnsafeBufferPointer<T>, from: Int, stride: Int, count: Int,
  into out: UnsafeMutableBufferPointer<T>, at: Int
) {
  if stride == 1 {
    (out.baseAddress! + at).update(from: source.baseAddress! + from, count: count)
  } else {
    for k in 0..<count { out[at + k] = source[from + k * stride] }
  }
}

/// The little-endian bytes of an unsigned integer.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

// PLAIN is each value's little-endian bytes, in order: the writer hands arrays over as they
// are in memory.
#if !_endian(little)
  #error("The Parquet writer assumes a little-endian host")
#endif
