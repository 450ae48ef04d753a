import LinearAlgebra
import PathFiles
import Processes
import Randomness
import Shocks

/// A JSON value, for the free-form parts of the manifest (model parameters).
public enum JSONValue: Codable, Sendable, Equatable {
  case number(Double)
  case string(String)
  case bool(Bool)
  case array([JSONValue])
  case object([String: JSONValue])
  case null

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .number(let v): if v.isFinite { try c.encode(v) } else { try c.encodeNil() }
    case .string(let v): try c.encode(v)
    case .bool(let v): try c.encode(v)
    case .array(let v): try c.encode(v)
    case .object(let v): try c.encode(v)
    case .null: try c.encodeNil()
    }
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let v = try? c.decode(Bool.self) {
      self = .bool(v)
    } else if let v = try? c.decode(Double.self) {
      self = .number(v)
    } else if let v = try? c.decode(String.self) {
      self = .string(v)
    } else if let v = try? c.decode([JSONValue].self) {
      self = .array(v)
    } else {
      self = .object(try c.decode([String: JSONValue].self))
    }
  }

  static func numbers(_ v: [Double]) -> JSONValue { .array(v.map { .number($0) }) }
}

/// `manifest.json`: what a run wrote and how to reproduce it. Written last.
public struct Manifest: Codable, Sendable {
  public struct Scenario: Codable, Sendable {
    public var file: String
    public var name: String
    public var description: String
    public var sha256: String
  }
  public struct Correlation: Codable, Sendable {
    public var matrix: [[Double]]
    public var smallestEigenvalue: Double
    public var rank: Int
    public var repair: Repair?
    enum CodingKeys: String, CodingKey {
      case matrix, rank, repair
      case smallestEigenvalue = "smallest_eigenvalue"
    }
  }
  public struct Repair: Codable, Sendable {
    public var method: String
    public var frobeniusDistance: Double
    public var eigenvaluesClipped: Int
    public var smallestInputEigenvalue: Double
    enum CodingKeys: String, CodingKey {
      case method
      case frobeniusDistance = "frobenius_distance"
      case eigenvaluesClipped = "eigenvalues_clipped"
      case smallestInputEigenvalue = "smallest_input_eigenvalue"
    }
  }
  public struct Variant: Codable, Sendable {
    public var name: String
    public var stresses: [String]
    /// The correlation stresses whose target `repair: nearest` changed, in stress order
    /// (DESIGN invariant 4); absent when none was repaired.
    public var correlationRepairs: [StressRepair]?
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
      case name, stresses, seconds
      case correlationRepairs = "correlation_repairs"
    }

    public init(
      name: String, stresses: [String], correlationRepairs: [StressRepair]? = nil, seconds: Double
    ) {
      self.name = name
      self.stresses = stresses
      self.correlationRepairs = correlationRepairs
      self.seconds = seconds
    }

    /// The record of `variant`, which took `seconds` to run.
    public init(_ variant: VariantSpec, seconds: Double) {
      var repairs: [StressRepair] = []
      for (i, stress) in variant.stresses.enumerated() {
        if let target = stress.repairedCorrelationTarget {
          repairs.append(StressRepair(stress: i, target: Correlation(target)))
        }
      }
      self.init(
        name: variant.name, stresses: variant.stresses.map(\.description),
        correlationRepairs: repairs.isEmpty ? nil : repairs, seconds: seconds)
    }
  }
  /// A correlation stress's target as used after `repair: nearest`.
  public struct StressRepair: Codable, Sendable {
    /// The stress's position in the variant's `stresses` (0-based).
    public var stress: Int
    /// The repaired target, with what the repair changed.
    public var target: Correlation
  }
  public struct Output: Codable, Sendable {
    public var format: String
    public var precision: String
    public var emit: [String]
    /// The compression of Parquet pages (`none` or `zstd`); absent for NPY and CSV.
    public var compression: String?
  }

  /// The paths of a shard (`scengine run --shard K/N`): K, N and the global path range
  /// `[paths[0], paths[1])` its files hold.
  public struct ShardRecord: Codable, Sendable, Equatable {
    public var index: Int
    public var count: Int
    public var paths: [Int]

    public init(_ shard: Shard, paths: Range<Int>) {
      self.init(index: shard.index, count: shard.count, paths: paths)
    }

    public init(index: Int, count: Int, paths: Range<Int>) {
      self.index = index
      self.count = count
      self.paths = [paths.lowerBound, paths.upperBound]
    }

    /// The global path range, when `paths` holds two ordered bounds.
    public var range: Range<Int>? {
      guard paths.count == 2, paths[0] >= 0, paths[0] <= paths[1] else { return nil }
      return paths[0]..<paths[1]
    }
  }
  /// The build that wrote the files. Informational: every output bit is the same for every
  /// instruction set.
  public struct Build: Codable, Sendable, Equatable {
    /// The instruction set the engine was compiled for: `x86-64`, `x86-64-v2`, `x86-64-v3`
    /// (AVX2 and FMA), `arm64`, ….
    public var isa: String
    public init(isa: String) { self.isa = isa }
  }

  public var engine = "scengine"
  public var version: String
  public var formatVersion = 1
  /// The engine build that wrote the run.
  public var build = Build(isa: EngineInfo.instructionSet)
  /// The SHA-256 of the resolved scenario: every input that decides the output bits (the
  /// scenario file, the overrides, the seed, the price files of historical stresses, the
  /// output options), and nothing else (not the threads, block size, shard or timings). Two
  /// runs with equal `resolved_sha256` write equal files; `merge` joins shards only when equal.
  public var resolvedSHA256 = ""
  /// The shard, for a run of `--shard K/N`; absent for a whole run.
  public var shard: ShardRecord?
  public var scenario: Scenario
  public var seed: UInt64
  public var paths: Int
  public var steps: Int
  public var dt: Double
  public var assets: [String]
  public var initial: [Double]
  public var dates: [String]?
  public var measure: JSONValue
  public var correlation: Correlation
  public var model: [String: JSONValue]
  public var portfolio: [Double]?
  public var output: Output
  /// How the shocks' normals were drawn (`sampling` of the scenario): absent for plain Monte
  /// Carlo, `{"antithetic": true}`, or `{"sobol": {"scramble": …, "direction_numbers": …,
  /// "construction": "brownian_bridge"}}`.
  public var sampling: JSONValue?
  public var variants: [Variant]
  public var files: [FileRecord]
  public var threads: Int
  public var blockSize: Int
  public var seconds: Double
  public var command: String

  enum CodingKeys: String, CodingKey {
    case engine, version, scenario, seed, paths, steps, dt, assets, initial, dates, measure
    case correlation, model, portfolio, output, sampling, variants, files, threads, seconds
    case command
    case build, shard
    case formatVersion = "format_version"
    case blockSize = "block_size"
    case resolvedSHA256 = "resolved_sha256"
  }

  /// `resolvedSHA256` for this manifest: the SHA-256 of its JSON without the fields that do
  /// not decide the output bits (files, threads, block size, timings, command, shard, build),
  /// followed by the SHA-256 of each input file (historical stresses' price files), in order.
  ///
  /// - Throws: when a price file cannot be read again (moved or removed since the scenario was
  ///   loaded).
  public func resolvedHash(inputFiles: [String]) throws(PathFilesError) -> String {
    var identity = self
    identity.files = []
    identity.threads = 0
    identity.blockSize = 0
    identity.seconds = 0
    identity.command = ""
    identity.scenario.file = ""
    identity.shard = nil
    identity.build = Build(isa: "")
    identity.resolvedSHA256 = ""
    identity.variants = variants.map {
      var v = $0
      v.seconds = 0
      return v
    }
    var text = try identity.encodedJSON()
    for file in inputFiles {
      text += Array("\(file) \(try sha256Hex(ofFileAt: file))\n".utf8)
    }
    return sha256Hex(of: text)
  }
}

extension ScenarioSpec {
  /// The model's resolved parameters, for the manifest and `scengine check`.
  public var modelParameters: [String: JSONValue] { model.record }

  var measureJSON: JSONValue {
    switch measure {
    case .realWorld: return .string("real_world")
    case .riskNeutral(let r, let q):
      return .object(["risk_neutral": .object(["rate": .number(r), "dividend": .numbers(q)])])
    }
  }

  var correlationRecord: Manifest.Correlation { Manifest.Correlation(correlation) }

  /// The manifest's `sampling` record; `nil` for plain Monte Carlo, so that its manifests
  /// (and resolved hashes) are those of a scenario without the key.
  var samplingRecord: JSONValue? {
    switch sampling {
    case .monteCarlo: return nil
    case .antithetic: return .object(["antithetic": .bool(true)])
    case .sobol(let scrambling):
      var record: [String: JSONValue] = [
        "scramble": .string(scrambling.rawValue),
        "direction_numbers": .string(SobolSequence.directionNumbersName),
        "construction": .string("brownian_bridge"),
      ]
      // The plain sequence skips the origin: path i is point i + 1 (`Sampling.sobol`). The
      // record says so, which also sets runs of it apart (resolved_sha256) from those of
      // builds that used point i, so that `merge` and `--resume` never mix the two.
      if scrambling == .none { record["first_point"] = .number(1) }
      return .object(["sobol": .object(record)])
    }
  }
}

extension Manifest.Correlation {
  /// The record of a validated correlation: the matrix in use and any repair.
  init(_ c: CorrelationMatrix) {
    self.init(
      matrix: c.matrix.rowArrays, smallestEigenvalue: c.smallestEigenvalue, rank: c.factor.rank,
      repair: c.repair.map(Manifest.Repair.init))
  }
}

extension Manifest.Repair {
  /// The record of a nearest-correlation repair (Higham 2002).
  init(_ r: NearestCorrelation) {
    self.init(
      method: "higham2002", frobeniusDistance: r.frobeniusDistance,
      eigenvaluesClipped: r.eigenvaluesClipped, smallestInputEigenvalue: r.smallestInputEigenvalue)
  }

  /// The same record as a JSON value, for the free-form model parameters.
  var json: JSONValue {
    .object([
      "method": .string(method), "frobenius_distance": .number(frobeniusDistance),
      "eigenvalues_clipped": .number(Double(eigenvaluesClipped)),
      "smallest_input_eigenvalue": .number(smallestInputEigenvalue),
    ])
  }
}
