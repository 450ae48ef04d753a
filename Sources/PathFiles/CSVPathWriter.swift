import Foundation

/// Writes the prices of one variant as a long-format CSV file, for runs small enough to read as
/// text (pandas, polars, DuckDB, a spreadsheet):
///
///     variant,path,step,date,asset,price
///     base,0,0,2025-01-02,SPX,100.0
///     base,0,0,2025-01-02,NDX,100.0
///     base,0,1,2025-01-03,SPX,100.81262207031249
///
/// One row per (path, step, asset), in that nesting order; `path` is the global path index,
/// `step` runs 0 … steps (step 0 is the initial price), `date` is the step's ISO date or empty
/// when the run has no calendar. Prices are printed with Swift's `Double.description`, the
/// shortest text that parses back to the same double (non-finite values as `nan`, `inf`, `-inf`,
/// which pandas and polars read as floats); with `float32`, each price is rounded to the
/// nearest `Float`, as in a float32 NPY file, and printed with `Float.description`, the shortest
/// text that parses back to that float (`101.29476`). Fields containing `,`, `"`, CR or LF are quoted as in
/// RFC 4180.
///
/// Blocks of consecutive paths may arrive from worker threads in any order. Each block is
/// formatted on the calling thread; the writer then appends it if it continues the file, and
/// otherwise keeps it in a reorder buffer keyed by its first path until the blocks before it have
/// arrived. The file is therefore identical for any thread count and block size. The reorder
/// buffer holds at most the blocks that overtook a slower one, which is why CSV output is meant
/// for small runs.
///
/// Like `NPYFileWriter`, the file is written as `<path>.<run>.partial` and renamed by `finish()`.
public final class CSVPathWriter: @unchecked Sendable {
  /// The final path of the file.
  public var path: String { file.path }
  /// The path written until `finish()`: `<path>.<run>.partial`.
  public var partialPath: String { file.partialPath }
  /// The path relative to the run directory, recorded in the `FileRecord`.
  public let relativePath: String
  /// The number of steps after the initial price; each path has `steps + 1` price rows per asset.
  public let steps: Int
  /// The global index of the file's first path.
  public let firstPath: Int
  /// Whether prices are printed rounded to the nearest `Float`.
  public let float32: Bool

  private let file: PartialFile
  private let assetCount: Int
  /// `variant,` as CSV text.
  private let variantField: [UInt8]
  /// `date,` per step as CSV text (`,` alone when the run has no dates).
  private let dateFields: [[UInt8]]
  /// `asset,` per asset as CSV text.
  private let assetFields: [[UInt8]]

  private let lock = NSLock()
  /// Guarded by `lock`: the global index of the next path to append.
  private var nextPath: Int
  /// Guarded by `lock`: the byte length of the file written so far.
  private var length: Int
  /// Guarded by `lock`: formatted blocks waiting for their predecessors, by first path.
  private var pending: [Int: (pathCount: Int, text: [UInt8])] = [:]
  /// Guarded by `lock`: the first write error; later calls rethrow it.
  private var failure: PathFilesError?

  /// The CSV column names, in order.
  public static let columns = ["variant", "path", "step", "date", "asset", "price"]

  /// Creates `<path>.<run>.partial` and writes the header row; `finish()` replaces a regular
  /// file at `path`, never a symbolic link or anything else.
  ///
  /// - Parameters:
  ///   - path: the final file name; its directory must exist.
  ///   - relativePath: the name relative to the run directory, for the manifest.
  ///   - variant: the variant name written in every row.
  ///   - assets: asset names, in the order of the price array's last axis.
  ///   - dates: ISO dates of steps 0 … steps (`steps + 1` of them), or `nil` for none.
  ///   - steps: the number of steps after the initial price.
  ///   - firstPath: the global index of the first path this file holds (a shard's first path).
  ///   - float32: print each price rounded to the nearest `Float` (`--precision float32`).
  /// - Throws: `PathFilesError` naming the partial file; nothing is left behind.
  public convenience init(
    path: String, relativePath: String, variant: String, assets: [String], dates: [String]?,
    steps: Int, firstPath: Int = 0, float32: Bool = false
  ) throws(PathFilesError) {
    try self.init(
      relativePath: relativePath, variant: variant, assets: assets, dates: dates, steps: steps,
      firstPath: firstPath, float32: float32
    ) { () throws(PathFilesError) in try PartialFile(path: path) }
  }

  /// Creates the temporary file of `relativePath` inside an output folder and writes the header
  /// row; the other parameters are those of `init(path:relativePath:variant:…)`.
  ///
  /// - Throws: `PathFilesError` naming the file; nothing is left behind.
  public convenience init(
    in folder: OutputFolder, relativePath: String, variant: String, assets: [String],
    dates: [String]?, steps: Int, firstPath: Int = 0, float32: Bool = false
  ) throws(PathFilesError) {
    try self.init(
      relativePath: relativePath, variant: variant, assets: assets, dates: dates, steps: steps,
      firstPath: firstPath, float32: float32
    ) { () throws(PathFilesError) in try folder.partialFile(relativePath) }
  }

  private init(
    relativePath: String, variant: String, assets: [String], dates: [String]?, steps: Int,
    firstPath: Int, float32: Bool, create: () throws(PathFilesError) -> PartialFile
  ) throws(PathFilesError) {
    precondition(steps >= 0 && firstPath >= 0)
    precondition(
      dates.map { $0.count == steps + 1 } ?? true,
      "CSV dates: \(dates?.count ?? 0) given, expected steps + 1 = \(steps + 1)")
    self.relativePath = relativePath
    self.float32 = float32
    self.steps = steps
    self.firstPath = firstPath
    self.nextPath = firstPath
    self.assetCount = assets.count
    self.variantField = csvField(variant) + [UInt8(ascii: ",")]
    self.assetFields = assets.map { csvField($0) + [UInt8(ascii: ",")] }
    self.dateFields = (dates ?? Array(repeating: "", count: steps + 1)).map {
      csvField($0) + [UInt8(ascii: ",")]
    }
    self.file = try create()
    let header = Array((Self.columns.joined(separator: ",") + "\n").utf8)
    self.length = header.count
    do throws(PathFilesError) {
      try file.write(header, at: 0)
    } catch {
      file.abandon()
      throw error
    }
  }

  /// The number of paths appended so far: paths `firstPath ..< firstPath + pathsWritten` are in
  /// the file; blocks waiting in the reorder buffer are not counted.
  public var pathsWritten: Int {
    lock.lock()
    defer { lock.unlock() }
    return nextPath - firstPath
  }

  /// Adds the prices of paths `firstPath ..< firstPath + pathCount`.
  ///
  /// - Parameters:
  ///   - prices: `pathCount × (steps + 1) × assets` prices, laid out `[path][step][asset]`.
  ///   - firstPath: the global index of the block's first path.
  ///   - pathCount: the number of paths in the block.
  /// - Precondition: blocks never overlap, and none starts before the file's `firstPath`.
  /// - Throws: `PathFilesError.cannotWrite` naming the file; once a write has failed,
  ///   every later call throws the same error.
  public func write(prices: UnsafeBufferPointer<Double>, firstPath: Int, pathCount: Int)
    throws(PathFilesError)
  {
    precondition(
      prices.count == pathCount * (steps + 1) * assetCount,
      "CSV block: \(prices.count) prices, expected \(pathCount) × \(steps + 1) × \(assetCount)")
    let text = format(prices: prices, firstPath: firstPath, pathCount: pathCount)
    lock.lock()
    defer { lock.unlock() }
    if let failure { throw failure }
    precondition(
      firstPath >= nextPath && pending[firstPath] == nil,
      "CSV block at path \(firstPath) overlaps paths already written")
    pending[firstPath] = (pathCount, text)
    do throws(PathFilesError) {
      while let (count, block) = pending.removeValue(forKey: nextPath) {
        try file.write(block, at: length)
        length += block.count
        nextPath += count
      }
    } catch {
      failure = error
      throw error
    }
  }

  /// Hashes, closes and renames the file to `path`; with `sync`, flushes it to disk first.
  ///
  /// - Returns: the manifest entry: `relativePath`, SHA-256 and size (no dtype or shape).
  /// - Throws: `PathFilesError.incomplete` when blocks are still waiting for a missing
  ///   predecessor, an earlier write error, or an I/O error naming the file.
  ///
  /// `shouldStop` is asked while the file is hashed, once per MiB: when it answers true the
  /// file is removed and `PathFilesError.interrupted` thrown.
  public func finish(sync: Bool = false, shouldStop: () -> Bool = { false })
    throws(PathFilesError) -> FileRecord
  {
    lock.lock()
    defer { lock.unlock() }
    if let failure { throw failure }
    guard pending.isEmpty else { throw .incomplete(path: path, firstMissingPath: nextPath) }
    let (digest, bytes) = try file.commit(sync: sync, shouldStop: shouldStop)
    return FileRecord(path: relativePath, sha256: digest, bytes: bytes)
  }

  /// Closes and removes the partial file. Idempotent, and safe after any error; does nothing
  /// after a successful `finish()`.
  public func abandon() {
    file.abandon()
  }

  /// The rows of one block as UTF-8 text.
  private func format(prices: UnsafeBufferPointer<Double>, firstPath: Int, pathCount: Int)
    -> [UInt8]
  {
    var text: [UInt8] = []
    text.reserveCapacity(prices.count * (variantField.count + 40))
    var index = 0
    for path in firstPath..<(firstPath + pathCount) {
      for step in 0...steps {
        for asset in 0..<assetCount {
          text += variantField
          appendDecimal(path, to: &text)
          text.append(UInt8(ascii: ","))
          appendDecimal(step, to: &text)
          text.append(UInt8(ascii: ","))
          text += dateFields[step]
          text += assetFields[asset]
          if float32 {
            text += Float(prices[index]).description.utf8
          } else {
            text += prices[index].description.utf8
          }
          text.append(UInt8(ascii: "\n"))
          index += 1
        }
      }
    }
    return text
  }
}

/// A CSV field as RFC 4180 text: quoted, with inner quotes doubled, when it contains a comma,
/// quote, CR or LF; otherwise as it is.
func csvField(_ value: String) -> [UInt8] {
  let special: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "\""), 0x0a, 0x0d]
  guard value.utf8.contains(where: special.contains) else { return Array(value.utf8) }
  var text: [UInt8] = [UInt8(ascii: "\"")]
  for byte in value.utf8 {
    if byte == UInt8(ascii: "\"") { text.append(byte) }
    text.append(byte)
  }
  text.append(UInt8(ascii: "\""))
  return text
}

/// Appends the decimal digits of an integer.
private func appendDecimal(_ value: Int, to text: inout [UInt8]) {
  text += String(value).utf8
}
