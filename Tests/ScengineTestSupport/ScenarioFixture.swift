/// A small valid scenario (two assets, 252 steps, a baseline and one stressed variant) written
/// as top-level lines, so that each test changes it in exactly one place.
public enum ScenarioFixture {
  /// The top-level keys in file order, with their lines.
  public static let lines: [(key: String, line: String)] = [
    ("name", "name: fixture"),
    ("seed", "seed: 7"),
    ("paths", "paths: 20"),
    ("time", "time: {steps: 252, dt: 1/252, start: 2027-01-04}"),
    ("assets", "assets: [EQ, BOND]"),
    ("initial", "initial: {EQ: 100, BOND: 100}"),
    ("correlation", "correlation: {matrix: [[1, 0.3], [0.3, 1]]}"),
    ("model", "model: {gbm: {drift: 0.05, volatility: {EQ: 0.2, BOND: 0.05}}}"),
    ("portfolio", "portfolio: {EQ: 0.6, BOND: 0.4}"),
    (
      "variants",
      "variants: {baseline: {}, stressed: {stresses: [{shock: {at: 10, returns: {EQ: -0.2}}}]}}"
    ),
  ]

  /// The scenario with `count` assets `A0`, `A1`, … all priced 100, no portfolio, and
  /// `changes` as in `scenario(_:extra:)`.
  public static func assets(_ count: Int, _ changes: [String: String?] = [:]) -> String {
    let names = (0..<count).map { "A\($0)" }
    var all: [String: String?] = [
      "assets": "assets: [\(names.joined(separator: ", "))]", "initial": "initial: 100",
      "portfolio": nil,
    ]
    all.merge(changes) { $1 }
    return scenario(all)
  }

  /// `{one_factor: {loadings: {A0: …, A1: …}}}` with asset `i`'s loading `loading(i)`.
  public static func oneFactor(_ count: Int, loading: (Int) -> Double) -> String {
    let loadings = (0..<count).map { "A\($0): \(loading($0))" }
    return "{one_factor: {loadings: {\(loadings.joined(separator: ", "))}}}"
  }

  /// The fixture with the lines of `changes` replaced (a `nil` line removes the key) and
  /// `extra` appended.
  public static func scenario(_ changes: [String: String?] = [:], extra: String? = nil) -> String {
    var out: [String] = []
    for (key, line) in lines {
      if let change = changes[key] {
        if let change { out.append(change) }
      } else {
        out.append(line)
      }
    }
    if let extra { out.append(extra) }
    return out.joined(separator: "\n") + "\n"
  }

  /// The fixture whose only variant, `stressed`, has the one stress `stress` (flow YAML).
  public static func stressed(_ stress: String) -> String {
    scenario(["variants": "variants:\n  stressed:\n    stresses:\n      - \(stress)"])
  }

  /// The fixture with `model` (flow YAML, without the `model:` key).
  public static func model(_ model: String) -> String {
    scenario(["model": "model: \(model)"])
  }

  /// The fixture with a two-regime model (calm, crisis), changed in one place.
  public static func regime(
    transition: String = "[[0.95, 0.05], [0.05, 0.95]]", initial: String? = nil,
    crisisVolatility: String = "0.4"
  ) -> String {
    let start = initial.map { "initial: \($0), " } ?? ""
    return model(
      "{regime: {transition: \(transition), \(start)regimes: {calm: {drift: 0.05, volatility: 0.1}, "
        + "crisis: {drift: -0.2, volatility: \(crisisVolatility)}}}}")
  }

  /// Daily closes around the Lehman weekend, for historical stresses.
  public static let priceCSV = """
    date,close
    2008-09-12,1251.70
    2008-09-15,1192.70
    2008-09-16,1213.60
    2008-09-17,1156.39
    2008-09-18,1206.51
    2008-09-19,1255.08

    """

  /// A one-asset GBM run of `paths` paths × 252 steps (long enough to interrupt), with
  /// `variants` (flow YAML) or the single variant `base`.
  public static func longRun(paths: Int, variants: String? = nil) -> String {
    """
    name: long
    seed: 1
    paths: \(paths)
    time: {steps: 252, dt: 1/252}
    assets: [EQ]
    initial: 100
    model: {gbm: {drift: 0.05, volatility: 0.2}}
    \(variants.map { "variants: \($0)" } ?? "")

    """
  }
}
