import CZstd

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The compression of a Parquet file's pages (`ColumnMetaData.codec`).
///
/// `zstd` compresses each page's body (levels and values) as one Zstandard frame at level 1
/// (Apache Arrow's default for ZSTD), without the frame checksum: the file's SHA-256 in the
/// manifest covers every byte. Zstandard gives the same bytes for the same input, level and
/// library version on every machine when it compresses on one thread, as here, so the file
/// is the same for any thread count and block size. Prices and returns are close to random
/// bits and shrink little; the `path`, `step`, `date` and level data shrink to almost nothing.
///
/// Reference: parquet-format `src/main/thrift/parquet.thrift` (`CompressionCodec.ZSTD = 6`,
/// `PageHeader.uncompressed_page_size` and `compressed_page_size`), RFC 8878 (the frame).
public enum ParquetCompression: String, Sendable, Equatable, CaseIterable {
  case none
  case zstd

  /// The Zstandard level of `zstd`.
  static let zstdLevel: Int32 = 1

  /// The most bytes a page body of `bytes` bytes takes once compressed.
  func bound(_ bytes: Int) -> Int {
    switch self {
    case .none: bytes
    case .zstd: bytes > Int(Int32.max) ? Int.max : ZSTD_compressBound(bytes)
    }
  }

  /// The `codec` code of the footer.
  var code: Int32 { self == .zstd ? ParquetCode.zstd : ParquetCode.uncompressed }
}

/// A Zstandard compression context, made once per file and used under the writer's lock.
final class ZstdCompressor {
  private let context: OpaquePointer?

  init() { context = ZSTD_createCCtx() }

  deinit { ZSTD_freeCCtx(context) }

  /// `source` as one Zstandard frame, or `nil` when the library cannot (no memory).
  func compress(_ source: UnsafeRawBufferPointer) -> [UInt8]? {
    guard let context else { return nil }
    let capacity = ZSTD_compressBound(source.count)
    var failed = false
    let frame = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
      let written = ZSTD_compressCCtx(
        context, out.baseAddress, capacity, source.baseAddress, source.count,
        ParquetCompression.zstdLevel)
      failed = ZSTD_isError(written) != 0
      count = failed ? 0 : written
    }
    return failed ? nil : frame
  }
}
