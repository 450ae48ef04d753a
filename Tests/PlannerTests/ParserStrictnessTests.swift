import Foundation
import Planner
import ScengineTestSupport
import Testing
import Yams

/// The parser never traps on a value of the wrong kind (DESIGN invariant 7): every mapping value
/// of the fixture and of each curated scenario is replaced in turn by null, `{}`, `[]`, `"x"`,
/// -1 and 0, and each result must parse or throw a `ScenarioError` (a trap kills the process).
@Suite("Parser strictness")
struct ParserStrictnessTests {
  /// The replacement values, as YAML nodes.
  static var replacements: [(String, Node)] {
    [
      ("null", Node("~")),
      ("{}", Node.mapping(Node.Mapping([]))),
      ("[]", Node.sequence(Node.Sequence([]))),
      ("\"x\"", Node("x", .implicit, .doubleQuoted)),
      ("-1", Node("-1")),
      ("0", Node("0")),
    ]
  }

  /// (name, text, folder) of the fixture and of every curated scenario.
  static let sources: [(String, String, String)] = {
    var out = [("fixture", ScenarioFixture.scenario(), ".")]
    let folder = repositoryRoot.appendingPathComponent("Scenarios")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for name in names.sorted() where name.hasSuffix(".yaml") {
      let url = folder.appendingPathComponent(name)
      if let text = try? String(contentsOf: url, encoding: .utf8) {
        out.append((name, text, folder.path))
      }
    }
    return out
  }()

  /// The position of every mapping value: the indices of pairs and elements leading to it.
  static func valuePositions(_ node: Node, _ prefix: [Int] = []) -> [[Int]] {
    switch node {
    case .mapping(let m):
      return m.enumerated().flatMap { i, pair in
        [prefix + [i]] + valuePositions(pair.value, prefix + [i])
      }
    case .sequence(let s):
      return s.enumerated().flatMap { i, item in valuePositions(item, prefix + [i]) }
    default:
      return []
    }
  }

  /// `node` with the value at `position` replaced by `value`.
  static func replacing(_ node: Node, at position: [Int], with value: Node) -> Node {
    guard let first = position.first else { return value }
    let rest = Array(position.dropFirst())
    switch node {
    case .mapping(let m):
      var pairs = Array(m.map { ($0.key, $0.value) })
      pairs[first].1 = replacing(pairs[first].1, at: rest, with: value)
      return .mapping(Node.Mapping(pairs, m.tag, m.style))
    case .sequence(let s):
      var items = Array(s)
      items[first] = replacing(items[first], at: rest, with: value)
      return .sequence(Node.Sequence(items, s.tag, s.style))
    default:
      return node
    }
  }

  @Test("every mapping value replaced by null, {}, [], \"x\", -1 or 0 parses or is refused")
  func wrongValuesNeverTrap() throws {
    var variants = 0
    var refused = 0
    for (name, text, folder) in Self.sources {
      let root = try #require(try Yams.compose(yaml: text), "\(name) is empty")
      let positions = Self.valuePositions(root)
      #expect(positions.count >= 10, "\(name): only \(positions.count) values found")
      for position in positions {
        for (label, value) in Self.replacements {
          let yaml = try Yams.serialize(node: Self.replacing(root, at: position, with: value))
          variants += 1
          do {
            _ = try ScenarioLoader.parse(yaml: yaml, file: name, baseDirectory: folder)
          } catch {
            refused += 1
            #expect(
              !error.message.isEmpty, "\(name) at \(position) = \(label): an empty message")
          }
        }
      }
    }
    #expect(variants > 1000, "only \(variants) variants tried")
    #expect(refused > variants / 2, "only \(refused) of \(variants) variants refused")
  }

  /// A key given with a null value is refused by name (only `baseline:` may be empty).
  @Test(
    "a null value names its field",
    arguments: [
      ("paths", "paths: ~", "expected a whole number, got null"),
      ("paths", "paths:", "expected a whole number, got null"),
      ("seed", "seed: null", "expected a whole number"),
      ("model.gbm", "model:\n  gbm:", "expected a mapping of keys, got null"),
      ("correlation.matrix", "correlation: {matrix: }", "expected a list, got null"),
      ("correlation.constant", "correlation: {constant: }", "expected a number, got null"),
      ("correlation", "correlation: ~", "expected a mapping of keys, got null"),
    ])
  func nullNamesField(_ field: String, _ line: String, _ fragment: String) throws {
    let key = String(line.prefix { $0 != ":" })
    let yaml = ScenarioFixture.scenario([key: line])
    do {
      _ = try ScenarioLoader.parse(yaml: yaml, file: "s.yaml")
      Issue.record("accepted \(line)")
    } catch {
      #expect(error.field == field, "\(error)")
      #expect(error.message.contains(fragment), "\(error)")
    }
  }

  @Test("a variant baseline with no value still means no stresses")
  func emptyBaseline() throws {
    let yaml = ScenarioFixture.scenario(["variants": "variants:\n  baseline:\n  other: {}"])
    let spec = try ScenarioLoader.parse(yaml: yaml, file: "s.yaml")
    #expect(spec.variants.map(\.name) == ["baseline", "other"])
    #expect(spec.variants.allSatisfy { $0.stresses.isEmpty })
  }

  /// Overlapping overrides: the later stress in the list wins (README, scenario section).
  @Test("two forced regimes overlap: the later one wins where both apply")
  func laterForcedRegimeWins() throws {
    let yaml = ScenarioFixture.regime().replacingOccurrences(
      of: ScenarioFixture.lines.last!.line,
      with: "variants:\n  v:\n    stresses:\n"
        + "      - regime: {from: 1, to: 3, force: crisis}\n"
        + "      - regime: {from: 2, to: 4, force: calm}")
    let spec = try ScenarioLoader.parse(yaml: yaml, file: "s.yaml")
    let forced = try #require(spec.variants.first?.schedule.forcedRegime)
    // Regimes in file order: calm = 0, crisis = 1; -1 = not forced.
    #expect(Array(forced.prefix(5)) == [1, 0, 0, 0, -1])
  }

  @Test("two variance injections at one step: the later one wins")
  func laterVarianceWins() throws {
    let yaml = ScenarioFixture.scenario([
      "model": "model: {garch: {omega: 2.0e-6, alpha: 0.05, beta: 0.9}}",
      "variants":
        "variants:\n  v:\n    stresses:\n"
        + "      - variance: {at: 3, variance: {EQ: 4.0e-4, BOND: 1.0e-4}}\n"
        + "      - variance: {at: 3, variance: {EQ: 9.0e-4}}",
    ])
    let spec = try ScenarioLoader.parse(yaml: yaml, file: "s.yaml")
    let v = try #require(spec.variants.first?.schedule.variance)
    // Step 3, assets EQ and BOND: EQ from the second stress, BOND from the first.
    #expect(v[2 * 2] == 9.0e-4)
    #expect(v[2 * 2 + 1] == 1.0e-4)
    #expect(v[0].isNaN)
  }

  @Test(
    "numbers are plain decimals",
    arguments: [
      ("paths: 1_0", "expected a whole number, got '1_0'"),
      ("paths: 0x10", "expected a whole number, got '0x10'"),
      ("paths: \"10\"", "expected a whole number, got the string '10'"),
      ("seed: 0o7", "expected a whole number"),
      ("seed: 1_000", "expected a whole number"),
      ("time: {steps: 10, dt: 1_0/252}", "expected a number, got '1_0/252'"),
      ("time: {steps: 10, dt: 0x1p-8}", "expected a number, got '0x1p-8'"),
      ("time: {steps: 10, dt: .inf}", "expected a number, got '.inf'"),
      ("time: {steps: 10, dt: \"0.004\"}", "expected a number, got the string '0.004'"),
    ])
  func strictNumbers(_ line: String, _ fragment: String) throws {
    let key = String(line.prefix { $0 != ":" })
    do {
      _ = try ScenarioLoader.parse(yaml: ScenarioFixture.scenario([key: line]), file: "s.yaml")
      Issue.record("accepted \(line)")
    } catch {
      #expect(error.message.contains(fragment), "\(error)")
    }
  }

  @Test(
    "plain decimals still read",
    arguments: [
      ("time: {steps: 10, dt: 1/252}", 1.0 / 252),
      ("time: {steps: 10, dt: 0.004}", 0.004),
      ("time: {steps: 10, dt: 4e-3}", 0.004),
      ("time: {steps: 10, dt: +4E-3}", 0.004),
      ("time: {steps: 10, dt: .5}", 0.5),
      ("time: {steps: 10, dt: !!float 0.5}", 0.5),
    ])
  func plainDecimals(_ line: String, _ dt: Double) throws {
    let spec = try ScenarioLoader.parse(
      yaml: ScenarioFixture.scenario(["time": line]), file: "s.yaml")
    #expect(spec.grid.timeStep == dt)
  }
}
