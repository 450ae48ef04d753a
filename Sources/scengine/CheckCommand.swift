import ArgumentParser
import Foundation
import Planner

/// `scengine check`: validate a scenario and print the resolved plan; writes nothing.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate a scenario file and print the resolved plan; writes nothing.")

  @OptionGroup var options: ScenarioOptions

  func run() throws {
    let spec = try options.load()
    print(PlanReport(spec: spec).text)
  }
}

/// The human-readable resolved plan.
struct PlanReport {
  let spec: ScenarioSpec

  var text: String {
    var lines: [String] = []
    lines.append("scenario   \(spec.name) (\(spec.file))")
    if !spec.description.isEmpty { lines.append("           \(spec.description)") }
    lines.append("seed       \(spec.seed)")
    lines.append("paths      \(spec.paths)")
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
    lines.append("model      \(spec.model.key): " + describe(spec.modelParameters))
    switch spec.measure {
    case .realWorld: lines.append("measure    real world")
    case .riskNeutral(let r, let q):
      lines.append(
        "measure    risk neutral, rate \(format(r)), dividends \(q.map(format).joined(separator: ", "))"
      )
    }
    let c = spec.correlation
    var corr =
      "correlation \(c.dimension)×\(c.dimension), valid (positive semi-definite), smallest eigenvalue \(format(c.smallestEigenvalue)), rank \(c.factor.rank)"
    if c.isIdentity { corr = "correlation identity (independent assets)" }
    if let r = c.repair {
      corr +=
        "; REPAIRED (Higham 2002): Frobenius distance \(format(r.frobeniusDistance)), \(r.eigenvaluesClipped) eigenvalue(s) clipped"
    }
    lines.append(corr)
    if let w = spec.portfolio {
      lines.append(
        "portfolio  " + zip(spec.assets, w).map { "\($0) \(format($1))" }.joined(separator: ", "))
    }
    lines.append(
      "output     \(spec.output.format.rawValue), \(spec.output.precision.rawValue), emit \(spec.output.emit.map(\.rawValue).joined(separator: ", "))"
    )
    let bytes = spec.outputBytesPerVariant
    let (total, overflow) = bytes.multipliedReportingOverflow(by: spec.variants.count)
    lines.append(
      "size       \(byteString(bytes)) per variant, \(byteString(overflow ? .max : total)) in all"
    )
    lines.append("variants   \(spec.variants.count)")
    for v in spec.variants {
      lines.append("  \(v.name)" + (v.stresses.isEmpty ? ": no stresses" : ""))
      for s in v.stresses { lines.append("    - \(s)") }
      if let k = v.firstStressedStep { lines.append("    first stressed step: \(k)") }
    }
    // The description and the file name are the user's text: no control character reaches
    // the terminal raw.
    return lines.map(\.escapingControlCharacters).joined(separator: "\n")
  }

  func describe(_ params: [String: JSONValue]) -> String {
    params.keys.sorted().filter { $0 != "type" }.map { "\($0) \(render(params[$0]!))" }.joined(
      separator: "; ")
  }

  func render(_ v: JSONValue) -> String {
    switch v {
    case .number(let d): return format(d)
    case .string(let s): return s
    case .bool(let b): return "\(b)"
    case .null: return "null"
    case .array(let a): return "[" + a.map(render).joined(separator: ", ") + "]"
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

func byteString(_ bytes: Int) -> String {
  let units = ["B", "KB", "MB", "GB", "TB"]
  var v = Double(bytes)
  var i = 0
  while v >= 1000 && i < units.count - 1 {
    v /= 1000
    i += 1
  }
  // Int.max stands for an estimate that overflowed.
  let text = i == 0 ? "\(bytes) B" : String(format: "%.1f", v) + " " + units[i]
  return bytes == .max ? "more than \(text)" : text
}
