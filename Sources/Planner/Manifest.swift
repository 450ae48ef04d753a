import LinearAlgebra
import PathFiles
import Processes
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
        if let target = stress.correlationTarget, target.repair != nil {
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
  }

  public var engine = "scengine"
  public var version: String
  public var formatVersion = 1
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
  public var variants: [Variant]
  public var files: [FileRecord]
  public var threads: Int
  public var blockSize: Int
  public var seconds: Double
  public var command: String

  enum CodingKeys: String, CodingKey {
    case engine, version, scenario, seed, paths, steps, dt, assets, initial, dates, measure
    case correlation, model, portfolio, output, variants, files, threads, seconds, command
    case formatVersion = "format_version"
    case blockSize = "block_size"
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
