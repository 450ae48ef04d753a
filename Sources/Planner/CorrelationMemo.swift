import LinearAlgebra
import PathFiles
import Shocks
import Synchronization

/// The correlation matrices a scenario's parse validated, by the SHA-256 of what the file gave
/// (the entries, the number of assets and the repair policy).
///
/// A variant whose stress schedule was not kept (`ScheduleRetention`) is compiled again by
/// parsing the file again (`ScenarioSpec.schedule(of:)`), once when `check` and `run` set up
/// its simulation and once when `run` runs it. Without the memo, each of those parses repeats
/// the eigenvalues and factors of the scenario's correlation and of every stress target:
/// minutes at thousands of assets. The memo holds what the spec holds anyway (the scenario's
/// and the regimes' `CorrelationMatrix`, repaired targets) and, for a target the repair did
/// not change, only its smallest eigenvalue: the targets themselves are not kept.
final class CorrelationMemo: Sendable {
  private struct State {
    var matrices: [String: CorrelationMatrix] = [:]
    var repairedTargets: [String: CorrelationMatrix.Checked] = [:]
    var targetEigenvalues: [String: Double] = [:]
    var hits = 0
  }
  private let state = Mutex(State())

  /// The key of `matrix` given for `assets` assets with `policy`.
  static func key(_ matrix: Matrix, assets: Int, policy: CorrelationMatrix.RepairPolicy)
    -> String
  {
    let digest = matrix.elements.withUnsafeBytes { sha256Hex(of: $0) }
    return "\(matrix.rows)x\(matrix.columns) for \(assets) \(policy.rawValue) \(digest)"
  }

  /// The validated and factored matrix of `key`, validating it with `validate` the first time.
  func matrix<E: Error>(
    _ key: String, validate: () throws(E) -> CorrelationMatrix
  ) throws(E) -> CorrelationMatrix {
    let known = state.withLock {
      $0.hits += $0.matrices[key] == nil ? 0 : 1
      return $0.matrices[key]
    }
    if let known { return known }
    let valid = try validate()
    state.withLock { $0.matrices[key] = valid }
    return valid
  }

  /// What is known of the stress target of `key`: its check when the repair changed it, or its
  /// smallest eigenvalue.
  func target(_ key: String) -> (checked: CorrelationMatrix.Checked?, smallestEigenvalue: Double?) {
    state.withLock {
      let known = ($0.repairedTargets[key], $0.targetEigenvalues[key])
      $0.hits += known.0 == nil && known.1 == nil ? 0 : 1
      return known
    }
  }

  /// How many look-ups found what an earlier validation recorded.
  var hits: Int { state.withLock { $0.hits } }

  /// Records the check of the stress target of `key`.
  func record(target key: String, _ checked: CorrelationMatrix.Checked) {
    state.withLock {
      if checked.repair != nil {
        $0.repairedTargets[key] = checked
      } else {
        $0.targetEigenvalues[key] = checked.smallestEigenvalue
      }
    }
  }
}
