/// The sizes of the files the writers write, computed from their layouts without writing, so
/// that a run can say beforehand how much disk it needs: exact for NPY files; for CSV the least
/// and most bytes (a price's text takes 3 to 24 characters); for Parquet an upper bound that
/// is exact unless a column holds nothing but NaN (its statistics then have no extremes).
///
/// Sums and products saturate: `Int.max` stands for a size too large to count.

extension NPYFileWriter {
  /// The size of the `.npy` file of an array of `shape` with elements of `dtype`: its header
  /// (`NPYHeader.encode`) and `elements × itemSize` bytes of data, exactly.
  ///
  /// - Returns: the size in bytes, or `Int.max` when it overflows.
  public static func fileBytes(dtype: NPYDType, shape: [Int]) -> Int {
    let data = shape.reduce(dtype.itemSize) { $0.timesSaturated($1) }
    return data.plusSaturated(NPYHeader.encode(dtype: dtype, shape: shape).count)
  }
}

extension CSVPathWriter {
  /// The shortest and longest text of a price in bytes: `Double.description` writes `0.0`,
  /// `inf` and `nan` in 3 and at most 17 significant digits with a sign, a point and an
  /// exponent (`-2.2250738585072014e-308`) in 24.
  public static let priceTextBytes = 3...24

  /// The least and most bytes of the CSV file that a `CSVPathWriter` with these parameters
  /// writes for the global paths `paths`: the header row, then per (path, step, asset) one row
  /// whose every field but the price is known beforehand; prices are counted at the shortest
  /// and longest text (`priceTextBytes`).
  ///
  /// - Parameters: as `init(path:relativePath:variant:assets:dates:steps:firstPath:)`, and the
  ///   paths the file holds (`firstPath ..< firstPath + count`).
  /// - Returns: the range of possible sizes; its bounds are `Int.max` when they overflow.
  public static func fileBytes(
    variant: String, assets: [String], dates: [String]?, steps: Int, paths: Range<Int>
  ) -> ClosedRange<Int> {
    precondition(steps >= 0 && paths.lowerBound >= 0)
    let header = columns.joined(separator: ",").utf8.count + 1
    let n = assets.count
    let stepCount = steps + 1
    let rows = paths.count.timesSaturated(stepCount).timesSaturated(n)
    // Per row: `variant,` + `path,` + `step,` + `date,` + `asset,` + price + `\n`.
    let variantBytes = rows.timesSaturated(csvField(variant).count + 1 + 2 + 1)
    let pathDigits = decimalDigits(in: paths).timesSaturated(stepCount * n)
    let stepDigits = decimalDigits(in: 0..<stepCount).timesSaturated(paths.count * n)
    let dateBytes = (dates?.reduce(0) { $0 + csvField($1).count } ?? 0) + stepCount
    let assetBytes = assets.reduce(0) { $0 + csvField($1).count + 1 }
    let fixed = [
      variantBytes, pathDigits, stepDigits,
      dateBytes.timesSaturated(paths.count).timesSaturated(n),
      assetBytes.timesSaturated(paths.count).timesSaturated(stepCount),
    ].reduce(header) { $0.plusSaturated($1) }
    return fixed.plusSaturated(
      rows.timesSaturated(priceTextBytes.lowerBound))...fixed.plusSaturated(
        rows.timesSaturated(priceTextBytes.upperBound))
  }
}

/// The total number of decimal digits of the integers in `range` (non-negative).
func decimalDigits(in range: Range<Int>) -> Int {
  var total = 0
  var low = range.lowerBound
  var digits = 1
  var limit = 10  // the first integer with `digits + 1` digits
  while low < range.upperBound {
    if low < limit {
      let high = min(range.upperBound, limit)
      total = total.plusSaturated((high - low).timesSaturated(digits))
      low = high
    }
    let (next, overflow) = limit.multipliedReportingOverflow(by: 10)
    limit = overflow ? .max : next
    digits += 1
  }
  return total
}

extension ParquetPathWriter {
  /// Row groups beyond which `fileBytes` bounds the footer instead of encoding it.
  static let exactFooterRowGroups = 4096

  /// The most bytes of the Parquet file that a `ParquetPathWriter` writes for `layout`: the
  /// magic, every column chunk (page header, definition levels, values), the footer with
  /// `createdBy` and its length, and the closing magic, computed as `write` and `finish` lay
  /// them out. Exact, unless a column of a row group holds only NaN (its statistics then have
  /// no extremes and the file is 10 or 18 bytes shorter per such chunk), or the file has more
  /// than 4,096 row groups (the footer is then bounded by its longest row-group record). With
  /// compression, every page body counts at its bound (`ZSTD_compressBound`): an upper bound.
  ///
  /// - Returns: the size in bytes, or `Int.max` when it overflows.
  public static func fileBytes(layout: ParquetPathLayout, createdBy: String) -> Int {
    let columns = layout.columns
    let groups = layout.rowGroupCount
    let perGroup = layout.pathsPerRowGroup
    func records(paths: Int, offset: Int) -> RowGroupRecord? {
      rowGroup(layout, columns, paths: paths, offset: offset)
    }
    guard groups > 0 else {
      let footer = footerBytes(layout: layout, columns: columns, written: [], createdBy: createdBy)
      return 2 * magic.count + footer.count + 4
    }
    let lastPaths = layout.paths - (groups - 1) * perGroup
    guard let full = records(paths: perGroup, offset: magic.count),
      let last = records(paths: lastPaths, offset: magic.count)
    else { return .max }
    let data = full.bytes.timesSaturated(groups - 1).plusSaturated(last.bytes)
    let end = data.plusSaturated(magic.count)
    guard end < .max else { return .max }
    var footer: Int
    if groups <= exactFooterRowGroups {
      var written: [RowGroupRecord] = []
      var offset = magic.count
      for group in 0..<groups {
        guard
          let record = records(paths: group == groups - 1 ? lastPaths : perGroup, offset: offset)
        else { return .max }
        written.append(record)
        offset += record.bytes
      }
      footer =
        footerBytes(layout: layout, columns: columns, written: written, createdBy: createdBy).count
    } else {
      // Every record is at most as long as a full group's at the end of the data (varints grow
      // with their values), plus 2 bytes for a longer ordinal and 5 for the list's length.
      guard let farthest = records(paths: perGroup, offset: end) else { return .max }
      let one = footerBytes(
        layout: layout, columns: columns, written: [farthest], createdBy: createdBy
      ).count
      let two = footerBytes(
        layout: layout, columns: columns, written: [farthest, farthest], createdBy: createdBy
      ).count
      footer = one.plusSaturated((two - one + 2).timesSaturated(groups - 1)).plusSaturated(5)
    }
    return end.plusSaturated(footer).plusSaturated(4 + magic.count)
  }

  /// The record `writeRowGroup` makes of a row group of `paths` paths written at `offset`, with
  /// both extremes in every chunk's statistics; nil when a page would be too large.
  private static func rowGroup(
    _ layout: ParquetPathLayout, _ columns: [ParquetColumn], paths: Int, offset: Int
  ) -> RowGroupRecord? {
    let s = layout.steps
    let real = layout.float32 ? 4 : 8
    let rows = paths.timesSaturated(s + 1)
    let perStepValues = paths.timesSaturated(s)
    // Per path: a run of one 0, then (with steps) a run of `steps` 1s.
    let run =
      ThriftCompactWriter.varint(1 << 1).count + 1
      + (s > 0 ? ThriftCompactWriter.varint(UInt64(s) << 1).count + 1 : 0)
    var chunks: [ColumnChunkRecord] = []
    var length = offset
    for column in columns {
      let (physical, width, values): (Int32, Int, Int)
      switch column.kind {
      case .path: (physical, width, values) = (ParquetCode.int64, 8, rows)
      case .step, .date: (physical, width, values) = (ParquetCode.int32, 4, rows)
      case .price:
        (physical, width, values) =
          (layout.float32 ? ParquetCode.float : ParquetCode.double, real, rows)
      case .logReturn, .variance:
        (physical, width, values) =
          (layout.float32 ? ParquetCode.float : ParquetCode.double, real, perStepValues)
      case .jumps, .regime: (physical, width, values) = (ParquetCode.int32, 4, perStepValues)
      }
      let levels = column.kind.isPerStep ? 4 + paths.timesSaturated(run) : 0
      let body = levels.plusSaturated(values.timesSaturated(width))
      let stored = layout.compression.bound(body)
      guard rows <= Int32.max, body <= Int32.max, stored <= Int32.max else { return nil }
      let header = pageHeader(
        rows: rows, bodyBytes: body,
        compressedBytes: layout.compression == .none ? nil : stored
      ).count
      let bytes = header + stored
      let extreme: [UInt8]? = values > 0 ? Array(repeating: 0, count: width) : nil
      chunks.append(
        ColumnChunkRecord(
          name: column.name, physicalType: physical, optional: column.kind.isPerStep,
          offset: length, bytes: bytes, uncompressedBytes: header + body, values: rows,
          statistics: ParquetStatistics(nullCount: rows - values, min: extreme, max: extreme)))
      length = length.plusSaturated(bytes)
    }
    return RowGroupRecord(
      offset: offset, rows: rows, bytes: length - offset,
      uncompressedBytes: chunks.reduce(0) { $0.plusSaturated($1.uncompressedBytes) },
      chunks: chunks)
  }
}

extension OutputFolder {
  /// The most bytes of the journal that the lock file holds while a run writes `files`
  /// (relative to the folder), for any process id and run tag: its line of JSON, then
  /// `progressBytes` of progress lines (`recordProgress`).
  public static func journalBytes(files: [String], progressBytes: Int = 0) -> Int {
    let longest = Journal(pid: .max, run: "\(Int32.max)-ffffffff", files: files)
    guard let line = try? encodeJSON(longest, pretty: false) else { return .max }
    return (line.count + 1).plusSaturated(progressBytes)
  }
}

extension Int {
  /// `self × other`, or `Int.max` where that overflows (both non-negative).
  func timesSaturated(_ other: Int) -> Int {
    let (product, overflow) = multipliedReportingOverflow(by: other)
    return overflow ? .max : product
  }

  /// `self + other`, or `Int.max` where that overflows (both non-negative).
  func plusSaturated(_ other: Int) -> Int {
    let (sum, overflow) = addingReportingOverflow(other)
    return overflow ? .max : sum
  }
}
