import Foundation
import PathFiles
import Planner
import Risk

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A bad input to `validate`: the run directory, its files, the real series or an option. The
/// message names the file, field and value at fault.
public struct ValidationInputError: Error, Sendable, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// A finished run, read from its manifest: what `validate` needs of it.
public struct RunDirectory: Sendable {
  /// The directory, as given.
  public let path: String
  public let manifest: Manifest
  /// SHA-256 of `manifest.json`.
  public let manifestSHA256: String

  /// Bounds on a manifest's shape (far above what a run writes: the products of any two stay
  /// far from overflowing).
  static let maximumPaths = 1 << 40
  static let maximumSteps = 1 << 24
  static let maximumAssets = 1 << 16

  /// The largest manifest read (64 MiB).
  public static let maximumManifestBytes = 64 << 20

  /// Reads and decodes `path/manifest.json`.
  public init(path: String) throws(ValidationInputError) {
    self.path = path
    var s = stat()
    guard stat(path, &s) == 0 else {
      throw ValidationInputError("run directory \(path) does not exist")
    }
    guard Int(s.st_mode) & Int(S_IFMT) == Int(S_IFDIR) else {
      throw ValidationInputError("\(path) is not a folder; expected the --out folder of a run")
    }
    let file = path + "/" + OutputFolder.manifestFileName
    let bytes = try Self.readSmallFile(file, limit: Self.maximumManifestBytes, what: "manifest") {
      "\(path) has no manifest.json: it is not a finished run (a run writes its manifest last)"
    }
    do {
      manifest = try decodeJSON(Manifest.self, from: bytes)
    } catch {
      throw ValidationInputError(
        "\(file) is not a scengine manifest: \(Self.describe(error))")
    }
    manifestSHA256 = sha256Hex(of: bytes)
    if let shard = manifest.shard {
      throw ValidationInputError(
        "\(path) is shard \(shard.index) of \(shard.count) of a run (paths "
          + "\(shard.paths.map(String.init).joined(separator: "..<"))): validate the run that "
          + "`scengine merge` makes of its shards")
    }
    guard manifest.engine == "scengine", manifest.formatVersion == 1 else {
      throw ValidationInputError(
        "\(file): engine '\(manifest.engine)' format_version \(manifest.formatVersion); expected "
          + "a scengine manifest of format_version 1")
    }
    guard (1...Self.maximumPaths).contains(manifest.paths),
      (1...Self.maximumSteps).contains(manifest.steps),
      (1...Self.maximumAssets).contains(manifest.assets.count),
      manifest.initial.count == manifest.assets.count, manifest.dt.isFinite, manifest.dt > 0
    else {
      throw ValidationInputError(
        "\(file): paths \(manifest.paths), steps \(manifest.steps), \(manifest.assets.count) "
          + "assets, dt \(manifest.dt) do not describe a run")
    }
  }

  /// The manifest's record of `relativePath`, or an error naming what is missing.
  func record(_ relativePath: String, hint: String) throws(ValidationInputError) -> FileRecord {
    guard let r = manifest.files.first(where: { $0.path == relativePath }) else {
      throw ValidationInputError(
        "\(path)/manifest.json lists no \(relativePath): \(hint)")
    }
    return r
  }

  /// Opens a file the manifest lists: a regular file inside the run directory (no `..`, no
  /// absolute path) whose size is the recorded one.
  func open(_ record: FileRecord) throws(ValidationInputError) -> Int32 {
    do {
      _ = try folderPathComponents(record.path)
    } catch {
      throw ValidationInputError(
        "\(path)/manifest.json lists the file '\(record.path)', which is not a path inside "
          + "the run directory")
    }
    let file = path + "/" + record.path
    let d = Glibc.open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard d >= 0 else {
      throw ValidationInputError(
        "cannot open \(file): \(String(cString: strerror(errno))) (the manifest lists it)")
    }
    var s = stat()
    guard fstat(d, &s) == 0, Int(s.st_mode) & Int(S_IFMT) == Int(S_IFREG) else {
      close(d)
      throw ValidationInputError("\(file) is not a regular file")
    }
    guard Int(s.st_size) == record.bytes else {
      close(d)
      throw ValidationInputError(
        "\(file) has \(s.st_size) bytes; the manifest records \(record.bytes): the file has "
          + "changed since the run (truncated or rewritten)")
    }
    return d
  }

  /// Checks that the open file's SHA-256 is the recorded one.
  func checkDigest(_ descriptor: Int32, _ record: FileRecord) throws(ValidationInputError) {
    let file = path + "/" + record.path
    let digest: String
    do {
      digest = try sha256Hex(descriptor: descriptor, path: file).sha256
    } catch {
      throw ValidationInputError("cannot read \(file): \(error)")
    }
    guard digest == record.sha256 else {
      throw ValidationInputError(
        "\(file): SHA-256 \(digest) differs from the manifest's \(record.sha256): the file has "
          + "changed since the run")
    }
  }

  /// Reads and decodes a variant's `summary.json`, checking its SHA-256.
  func summary(variant: String) throws(ValidationInputError) -> RiskSummary {
    let record = try record(
      "\(variant)/summary.json", hint: "the run wrote no risk summary for variant \(variant)")
    let d = try open(record)
    defer { close(d) }
    try checkDigest(d, record)
    let file = path + "/" + record.path
    var bytes = [UInt8](repeating: 0, count: record.bytes)
    let n = bytes.withUnsafeMutableBytes { pread(d, $0.baseAddress, $0.count, 0) }
    guard n == record.bytes else { throw ValidationInputError("cannot read \(file)") }
    do {
      return try decodeJSON(RiskSummary.self, from: bytes)
    } catch {
      throw ValidationInputError("\(file) is not a risk summary: \(Self.describe(error))")
    }
  }

  /// Reads a regular file of at most `limit` bytes (`BoundedFile`, as for scenario and price
  /// files); a missing file is described by `missing`.
  static func readSmallFile(
    _ file: String, limit: Int, what: String, missing: () -> String
  ) throws(ValidationInputError) -> [UInt8] {
    do {
      return try BoundedFile(path: file, limit: limit, regularOnly: true).bytes
    } catch {
      if error.reason == "no such file" { throw ValidationInputError(missing()) }
      throw ValidationInputError("cannot read \(what) \(file): \(error.reason)")
    }
  }

  /// A decoding error in a few words.
  static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let c):
      return "no field '\((c.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
      return "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))': "
        + c.debugDescription
    case DecodingError.dataCorrupted(let c):
      return c.debugDescription
    default:
      return "\(error)"
    }
  }
}

/// A price array `[paths, steps + 1, assets]` of a run, open for reading rows of paths.
final class PriceArray: @unchecked Sendable {
  let file: String
  let descriptor: Int32
  let dtype: NPYDType
  let paths: Int
  let points: Int
  let assets: Int
  let dataOffset: Int

  /// Opens `variant/prices.npy`, checks its record, header and SHA-256.
  init(run: RunDirectory, variant: String) throws(ValidationInputError) {
    let m = run.manifest
    let record = try run.record(
      "\(variant)/prices.npy",
      hint: m.output.format == "npy"
        ? "the run did not emit prices (output.emit must include prices)"
        : "validate reads NPY path files, and the run wrote \(m.output.format); run it again "
          + "with --format npy")
    file = run.path + "/" + record.path
    let shape = [m.paths, m.steps + 1, m.assets.count]
    guard let dtypeText = record.dtype, let dtype = NPYDType(rawValue: dtypeText),
      dtype == .float64 || dtype == .float32, record.shape == shape
    else {
      throw ValidationInputError(
        "\(file): the manifest records dtype \(record.dtype ?? "null") shape "
          + "\(record.shape.map { "\($0)" } ?? "null"); expected <f8 or <f4 of shape \(shape)")
    }
    let d = try run.open(record)
    do throws(ValidationInputError) {
      let header = try Self.header(d, file: file)
      let expected = NPYHeader.encode(dtype: dtype, shape: shape)
      guard header == expected else {
        throw ValidationInputError(
          "\(file): the NPY header does not describe \(dtype.rawValue) of shape \(shape)")
      }
      var size = dtype.itemSize
      var overflow = false
      for extent in shape + [1] where !overflow {
        (size, overflow) = size.multipliedReportingOverflow(by: extent)
      }
      if !overflow { (size, overflow) = size.addingReportingOverflow(expected.count) }
      guard !overflow, size == record.bytes else {
        throw ValidationInputError(
          "\(file) has \(record.bytes) bytes; its header and shape need \(size)")
      }
      try run.checkDigest(d, record)
      self.dataOffset = expected.count
    } catch {
      close(d)
      throw error
    }
    self.descriptor = d
    self.dtype = dtype
    self.paths = m.paths
    self.points = m.steps + 1
    self.assets = m.assets.count
  }

  deinit { close(descriptor) }

  /// The header bytes, up to the data.
  private static func header(_ d: Int32, file: String) throws(ValidationInputError) -> [UInt8] {
    var prefix = [UInt8](repeating: 0, count: 12)
    let n = prefix.withUnsafeMutableBytes { pread(d, $0.baseAddress, 12, 0) }
    guard n == 12, prefix[0] == 0x93, Array(prefix[1..<6]) == Array("NUMPY".utf8) else {
      throw ValidationInputError("\(file) is not an NPY file")
    }
    let length: Int
    let start: Int
    switch prefix[6] {
    case 1:
      length = Int(prefix[8]) | Int(prefix[9]) << 8
      start = 10
    case 2, 3:
      length = (0..<4).reduce(0) { $0 | Int(prefix[8 + $1]) << (8 * $1) }
      start = 12
    default:
      throw ValidationInputError("\(file): NPY format version \(prefix[6]) is not 1, 2 or 3")
    }
    guard length <= 1 << 20 else { throw ValidationInputError("\(file): NPY header too long") }
    var bytes = [UInt8](repeating: 0, count: start + length)
    let m = bytes.withUnsafeMutableBytes { pread(d, $0.baseAddress, $0.count, 0) }
    guard m == bytes.count else { throw ValidationInputError("\(file) is truncated") }
    return bytes
  }

  /// Reads paths `range` into `buffer` as doubles, `[path][point][asset]`.
  func read(_ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>)
    throws(ValidationInputError)
  {
    let values = range.count * points * assets
    precondition(buffer.count >= values)
    let offset = dataOffset + range.lowerBound * points * assets * dtype.itemSize
    let bytes = values * dtype.itemSize
    let raw = UnsafeMutableRawBufferPointer(buffer)
    // float32 is read into the upper half of the buffer and widened downwards in place.
    let destination = dtype == .float64 ? raw.baseAddress! : raw.baseAddress! + values * 4
    var done = 0
    while done < bytes {
      let n = pread(descriptor, destination + done, bytes - done, off_t(offset + done))
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        throw ValidationInputError(
          "cannot read \(file): \(n < 0 ? String(cString: strerror(errno)) : "end of file")")
      }
      done += n
    }
    if dtype == .float32 {
      let narrow = destination.assumingMemoryBound(to: Float.self)
      for i in 0..<values { buffer[i] = Double(narrow[i]) }
    }
  }
}
