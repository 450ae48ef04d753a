import LinearAlgebra
import Processes
import Shocks

/// A validated scenario file (version 1): everything a run needs, resolved to per-asset
/// values and validated models. See `Scenarios/` for examples and DESIGN.md for the keys.
public struct ScenarioSpec: Sendable {
  /// The scenario's name, used in file names.
  public var name: String
  public var description: String
  public var seed: UInt64
  public var paths: Int
  public var grid: TimeGrid
  /// Business-day dates of time indices 0…steps, when `time.start` is given (ISO 8601).
  public var dates: [String]?
  public var assets: [String]
  public var initialPrices: [Double]
  /// The validated base correlation (with its repair report, if repaired).
  public var correlation: CorrelationMatrix
  public var model: ModelSpec
  public var measure: Measure
  /// Portfolio weights per asset (fractions of initial value), if given.
  public var portfolio: [Double]?
  public var output: OutputSpec
  /// Variants in file order.
  public var variants: [VariantSpec]
  /// The file the scenario was read from.
  public var file: String
}

/// The model of a scenario, built and validated.
public enum ModelSpec: Sendable {
  case gbm(GeometricBrownianMotion)
  case jumpDiffusion(JumpDiffusion)
  case garch(GARCHProcess)
  case regime(RegimeSwitchingProcess)

  /// The model's key in the scenario file.
  public var key: String {
    switch self {
    case .gbm: return "gbm"
    case .jumpDiffusion(let m):
      if case .normal = m.jumps.sizes { return "merton" }
      return "kou"
    case .garch: return "garch"
    case .regime: return "regime"
    }
  }

  /// The latent states the model can emit.
  public var latentStates: LatentStates {
    switch self {
    case .gbm(let m): return m.latentStates
    case .jumpDiffusion(let m): return m.latentStates
    case .garch(let m): return m.latentStates
    case .regime(let m): return m.latentStates
    }
  }
}

/// What a run writes.
public struct OutputSpec: Sendable, Equatable {
  public enum Format: String, Sendable, CaseIterable { case npy, csv }
  public enum Precision: String, Sendable, CaseIterable { case float64, float32 }
  public enum Series: String, Sendable, CaseIterable, Comparable {
    case prices, returns, regimes, variance, jumps
    public static func < (a: Series, b: Series) -> Bool {
      allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
  }

  public var format: Format = .npy
  public var precision: Precision = .float64
  public var emit: [Series] = [.prices]

  public init(format: Format = .npy, precision: Precision = .float64, emit: [Series] = [.prices]) {
    self.format = format
    self.precision = precision
    self.emit = emit
  }
}

/// One named variant and its stresses, compiled into a schedule.
public struct VariantSpec: Sendable {
  public var name: String
  public var stresses: [StressSpec]
  public var schedule: StressSchedule
}

/// One stress as written in the file (steps 1-based, windows inclusive), kept for reports.
public struct StressSpec: Sendable, Equatable, CustomStringConvertible {
  public var kind: String
  public var from: Int
  public var to: Int
  public var detail: String
  /// A correlation stress's validated target, with what `repair: nearest` changed, if anything.
  public var correlationTarget: CorrelationMatrix? = nil

  public var description: String {
    let when = from == to ? "step \(from)" : "steps \(from)–\(to)"
    return "\(kind) at \(when): \(detail)"
  }
}
