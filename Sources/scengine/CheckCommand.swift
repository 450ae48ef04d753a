import ArgumentParser
import Foundation
import PathFiles
import Planner
import Randomness
import Shocks

/// `scengine check`: validate a scenario and print the resolved plan; writes nothing.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate a scenario file and print the resolved plan; writes nothing.")

  @OptionGroup var options: ScenarioOptions

  @Option(
    name: .shortAndLong,
    help: "The output folder `run` would write (default: out/<scenario name>), for its free space.")
  var out: String?

  func validate() throws {
    if out?.isEmpty == true {
      throw ValidationError("--out is empty; expected the path of the folder a run would write.")
    }
  }

  func run() throws {
    let spec = try options.load()
    // The default folder exists only for a name that is one folder name (`run` refuses others).
    let folder =
      out ?? ((try? folderPathComponents(spec.name))?.count == 1 ? "out/\(spec.name)" : nil)
    let report = PlanReport(spec: spec, budget: folder.map { DiskBudget(spec: spec, folder: $0) })
    // A write that fails fails the command (`checkStandardOutput`).
    printOutput(report.text)
  }
}

/// The human-readable resolved plan.
struct PlanReport {
  let spec: ScenarioSpec
  /// The run's disk space in its output folder, when the folder is known.
  var budget: DiskBudget? = nil

  var text: String {
    var lines: [String] = []
    lines.append("scenario   \(spec.name) (\(spec.file))")
    if !spec.description.isEmpty { lines.append("           \(spec.description)") }
    lines.append("seed       \(spec.seed)")
    lines.append("paths      \(spec.paths)")
    switch spec.sampling {
    case .monteCarlo: break
    case .antithetic:
      lines.append("sampling   antithetic (paths 2i and 2i+1 draw opposite normal shocks)")
    case .sobol(let s):
      lines.append(
        "sampling   Sobol' (\(SobolSequence.directionNumbersName), scramble \(s.rawValue)) with "
          + "a Brownian bridge over the steps"
          + (s == .none ? "; path i is point i + 1 (the origin skipped)" : ""))
      if spec.paths & (spec.paths - 1) != 0 {
        lines.append(
          "           \(spec.paths) paths is not a power of two: Sobol' points balance best "
            + "at 2^m paths")
      }
    }
    var grid =
      "grid       \(spec.grid.steps) steps × dt \(format(spec.grid.timeStep)) years = \(format(spec.grid.horizon)) years"
    if let d = spec.dates, let first = d.first, let last = d.last {
      grid += ", \(first) … \(last) (business days)"
    }
    lines.append(grid)
    lines.append(
      "assets     "
        + zip(spec.assets, spec.initialPrices).map { "\($0) \(format($1))" }.joined(separator: ", ")
    )
    let params = spec.modelParameters
    // A model with types of its own (GARCH's garch, gjr, egarch) names the one in use.
    var type: String? = nil
    if case .string(let t)? = params["type"], t != spec.model.key { type = t }
    lines.append(
      "model      \(spec.model.key)\(type.map { " (\($0))" } ?? ""): " + describe(params))
    switch spec.measure {
    case .realWorld: lines.append("measure    real world")
    case .riskNeutral(let r, let q):
      lines.append(
        "measure    risk neutral, rate \(format(r)), dividends \(q.map(format).joined(separator: ", "))"
      )
    }
    lines += correlationLines
    if let w = spec.portfolio {
      lines.append(
        "portfolio  " + zip(spec.assets, w).map { "\($0) \(format($1))" }.joined(separator: ", "))
    }
    lines.append(
      "output     \(spec.output.format.rawValue)\(spec.output.compression == .none ? "" : " (\(spec.output.compression.rawValue))"), \(spec.output.precision.rawValue), emit \(spec.output.emit.map(\.rawValue).joined(separator: ", "))"
    )
    let size = budget?.size ?? spec.outputSize(pathCount: spec.paths)
    let perVariant = size.fileBytes(in: spec.variants.first?.name ?? "")
    lines.append(
      "size       \(ByteCount.short(perVariant)) per variant, \(ByteCount.short(size.fileBytes)) "
        + "in all")
    lines += diskLines(size)
    lines.append("variants   \(spec.variants.count)")
    for v in spec.variants {
      lines.append("  \(v.name)" + (v.stresses.isEmpty ? ": no stresses" : ""))
      for s in v.stresses { lines.append("    - \(s)") }
      if let k = v.firstStressedStep { lines.append("    first stressed step: \(k)") }
    }
    for note in spec.notes { lines.append("note: \(note)") }
    // The description and the file name are the user's text: no control character reaches
    // the terminal raw.
    return lines.map(\.escapingControlCharacters).joined(separator: "\n")
  }

  /// What the run writes at its peak, and the free space of its output folder's file system.
  func diskLines(_ size: OutputSize) -> [String] {
    let place = budget.map { " in \($0.folder)" } ?? ""
    let why =
      spec.output.format == .csv
      ? "a CSV price takes 3 to 24 characters" : "compressed pages take what their data allows"
    let range =
      size.leastBytes == size.bytes
      ? "" : ", at least \(ByteCount.short(size.leastBytes)) (\(why))"
    var lines = [
      "disk       the run writes \(range.isEmpty ? "" : "at most ")\(ByteCount.long(size.bytes))"
        + "\(place)\(range), with \(ByteCount.short(size.scratchBytes)) of per-path risk figures "
        + "and journal kept only while it runs"
    ]
    guard let budget, let space = budget.space else { return lines }
    var free =
      "free       \(ByteCount.long(space.availableBytes)) on the file system of \(space.folder)"
    if space.reclaimableBytes > 0 {
      free += ", and \(ByteCount.short(space.reclaimableBytes)) in the earlier run's files there"
    }
    lines.append(free)
    if budget.refusal != nil {
      lines.append("           too little: `scengine run` refuses to start without --force")
    }
    return lines
  }

  func describe(_ params: [String: JSONValue]) -> String {
    params.keys.sorted().filter { $0 != "type" }.map { "\($0) \(render(params[$0]!))" }.joined(
      separator: "; ")
  }

  /// The correlation line: the scenario's matrix, or with regimes that use their own, one line
  /// per regime (the matrix each one uses).
  var correlationLines: [String] {
    let names = spec.model.regimeNames
    let used = spec.model.correlations
    guard names.count == used.count, used.contains(where: { $0 != spec.correlation }) else {
      return ["correlation " + describe(spec.correlation)]
    }
    return zip(names, used).map { "correlation \($0): " + describe($1) }
  }

  func describe(_ c: CorrelationMatrix) -> String {
    if c.isIdentity { return "identity (independent assets)" }
    var text =
      "\(c.dimension)×\(c.dimension), valid (positive semi-definite), smallest eigenvalue "
      + "\(format(c.smallestEigenvalue)), rank \(c.factor.rank)"
    if let r = c.repair {
      text +=
        "; REPAIRED (Higham 2002): Frobenius distance \(format(r.frobeniusDistance)), "
        + "\(r.eigenvaluesClipped) eigenvalue(s) clipped"
    }
    return text
  }

  /// Matrices of more than this many rows are summarised by their size (the manifest holds
  /// them in full).
  static let largestMatrixShown = 10

  func render(_ v: JSONValue) -> String {
    switch v {
    case .number(let d): return format(d)
    case .string(let s): return s
    case .bool(let b): return "\(b)"
    case .null: return "null"
    case .array(let a):
      if a.count > Self.largestMatrixShown, case .array(let row) = a[0] {
        return "<\(a.count)×\(row.count) matrix>"
      }
      return "[" + a.map(render).joined(separator: ", ") + "]"
    case .object(let o):
      return "{" + o.keys.sorted().map { "\($0): \(render(o[$0]!))" }.joined(separator: ", ") + "}"
    }
  }
}

/// Numbers for people: up to 6 significant digits.
func format(_ x: Double) -> String {
  if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
  return String(format: "%.6g", x)
}
