/// One entry of the manifest's `files` list: a finished file and what a reader needs to check
/// it without reading any scengine code (`sha256sum`, `numpy.load`).
///
/// JSON form (keys in this order once sorted):
///
///     {"bytes": 1600128, "dtype": "<f8", "path": "crash/prices.npy",
///      "sha256": "…", "shape": [1000, 253, 2]}
///
/// `dtype` and `shape` are written as `null` (never left out) for files that are not NPY arrays,
/// such as CSV or JSON, so every entry has the same keys. A Parquet file adds `rows` and
/// `schema` (its columns' names and types); other files have neither key.
public struct FileRecord: Codable, Sendable, Equatable {
  /// The path relative to the run directory, with `/` separators (e.g. `crash/prices.npy`).
  public var path: String
  /// The SHA-256 digest of the file's bytes, 64 lowercase hexadecimal digits.
  public var sha256: String
  /// The file's size in bytes.
  public var bytes: Int
  /// numpy's array-protocol type string (`"<f8"`), or `nil` for a file that is not NPY.
  public var dtype: String?
  /// The array's shape, outermost axis first, or `nil` for a file that is not NPY.
  public var shape: [Int]?
  /// The number of rows of a Parquet file; `nil` (and left out of the JSON) for other files.
  public var rows: Int?
  /// The columns of a Parquet file; `nil` (and left out of the JSON) for other files.
  public var schema: [Column]?

  /// One column of a table file: its name, type (`int64`, `int32`, `date32`, `float64`,
  /// `float32`, `uint8`) and whether it holds nulls.
  public struct Column: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var nullable: Bool

    /// Creates a column from its fields.
    public init(name: String, type: String, nullable: Bool) {
      self.name = name
      self.type = type
      self.nullable = nullable
    }
  }

  /// Creates a record from its fields.
  public init(
    path: String, sha256: String, bytes: Int, dtype: String? = nil, shape: [Int]? = nil,
    rows: Int? = nil, schema: [Column]? = nil
  ) {
    self.path = path
    self.sha256 = sha256
    self.bytes = bytes
    self.dtype = dtype
    self.shape = shape
    self.rows = rows
    self.schema = schema
  }

  private enum CodingKeys: String, CodingKey {
    case path, sha256, bytes, dtype, shape, rows, schema
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(path, forKey: .path)
    try container.encode(sha256, forKey: .sha256)
    try container.encode(bytes, forKey: .bytes)
    try container.encode(dtype, forKey: .dtype)
    try container.encode(shape, forKey: .shape)
    try container.encodeIfPresent(rows, forKey: .rows)
    try container.encodeIfPresent(schema, forKey: .schema)
  }
}
