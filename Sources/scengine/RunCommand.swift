import ArgumentParser
import Dispatch
import Foundation
import PathFiles
import Planner
import Risk
import Synchronization

/// `scengine run`: simulate every variant of a scenario and write the path files.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a scenario: write path files, summaries and a manifest.",
    discussion: """
      Writes OUT/<variant>/prices.npy (and the other emitted series), OUT/<variant>/summary.json \
      and, last, OUT/manifest.json with each file's SHA-256. Results are identical for any \
      --threads and --block-size. On SIGINT, SIGTERM or SIGHUP the run stops, removes its files \
      and exits 130, 143 or 129.

      The run owns OUT: it locks it (a second run into the same folder is refused), removes the \
      files an earlier run left there before writing, and refuses a folder that holds files \
      scengine did not write unless --force. Only the manifest vouches for files: a folder \
      without manifest.json is not a finished run. --resume keeps the variants an interrupted \
      run (crash, SIGKILL) finished, after checking their SHA-256, and runs the rest.

      --shard K/N runs the paths [floor(K*P/N), floor((K+1)*P/N)) of every variant into \
      out/<name>/shards/K-of-N (or --out), with each path's risk figures in risk_inputs.npy; \
      `scengine merge OUT SHARD...` joins the shards into the files of a one-machine run, bit \
      for bit. --shard auto takes K and N from a Slurm job array (SLURM_ARRAY_TASK_ID, \
      SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT).
      """)

  enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, bar, json, none
  }

  @OptionGroup var options: ScenarioOptions

  @Option(name: .shortAndLong, help: "Output directory (default: out/<scenario name>).")
  var out: String?

  @Option(
    parsing: .unconditional,
    help: "Worker threads (default: the processors the process may use, as nproc prints).")
  var threads: Int?

  @Option(
    parsing: .unconditional,
    help: "Paths per block (default: sized to about 4 MB of buffers per worker; at most 2 GiB).")
  var blockSize: Int?

  @Option(
    help: "Progress on stderr: auto (a bar on a terminal), bar, json (a line a second) or none.")
  var progress: ProgressMode = .auto

  @Flag(
    help: """
      Flush every file to disk (fsync) before the manifest is written, so that a finished run \
      survives an operating-system crash. Slower for large runs; without it the files may sit \
      in the page cache for a while after the run.
      """)
  var sync = false

  @Flag(
    help: """
      Write into an output folder that holds files scengine did not write; they are left alone \
      and the manifest does not list them. Also start when the output folder's file system has \
      less free space than the run needs (see `scengine check`).
      """)
  var force = false

  // Takes the next argument even when it starts with a dash, so that `--shard -1/2` is
  // reported as a bad shard rather than as a missing value.
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Run one shard of the paths: K/N (0 <= K < N), or auto in a Slurm job array.",
      valueName: "K/N|auto"))
  var shard: String?

  @Flag(
    help: """
      Keep the variants that an interrupted run into the same folder finished (their files \
      complete and matching their SHA-256) and run the rest: the result is the same, bit for \
      bit, as an uninterrupted run.
      """)
  var resume = false

  func validate() throws {
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads).")
    }
    // Each worker allocates its block buffers: bound the workers by more than any machine has.
    if let threads, threads > 1024 {
      throw ValidationError("--threads must be at most 1024, got \(threads).")
    }
    if let blockSize, blockSize < 1 {
      throw ValidationError("--block-size must be at least 1, got \(blockSize).")
    }
  }

  func run() throws {
    let (spec, scenarioHash) = try options.loadWithChecksum()
    for note in spec.notes { printError("note: \(note.escapingControlCharacters)") }
    if let blockSize {
      do { try RunPlan.validate(blockSize: blockSize, spec: spec) } catch {
        printError("error: \(error.description)")
        throw ExitCode(error.exitCode)
      }
    }
    let selectedShard: Shard?
    do {
      selectedShard = try shard.map { text throws(RunError) in
        text == "auto"
          ? try Shard(slurmEnvironment: ProcessInfo.processInfo.environment)
          : try Shard(parsing: text)
      }
    } catch {
      printError("error: \(error.description)")
      throw ExitCode(error.exitCode)
    }
    let plan = RunPlan(
      spec: spec, threads: threads ?? Processors.available,
      blockSize: blockSize, sync: sync, shard: selectedShard, resume: resume)
    let directory = try outputDirectory(for: spec, shard: selectedShard)
    let budget = DiskBudget(plan: plan, folder: directory)
    if !force, let refusal = budget.refusal {
      printError("error: \(refusal)")
      throw ExitCode(1)
    }
    let runner = Runner(
      plan: plan, outputDirectory: directory, scenarioSHA256: scenarioHash,
      command: CommandLine.arguments.joined(separator: " "), force: force)
    let cancel = CancellationFlag(poll: SignalWatcher.receivedSignalName)
    let signals = SignalWatcher(cancel: cancel)
    let counter = ProgressCounter(total: plan.paths.count * spec.variants.count)
    let mode: ProgressMode = progress == .auto ? (standardErrorIsTerminal ? .bar : .none) : progress
    let reporter = ProgressReporter(counter: counter, mode: mode)
    reporter.start()
    let result: RunResult
    do {
      result = try runner.run(cancel: cancel, progress: counter)
    } catch {
      reporter.stop()
      signals.stop()
      if let signal = cancel.cancellationReason {
        printError(
          "error: run interrupted by \(signal); its files removed, no manifest written")
        // Whatever failed on the way out (a file being hashed, say), the signal ended the run.
        throw ExitCode(Runner.exitCode(signal: signal))
      }
      printError("error: \(budget.explaining(error.description))")
      throw ExitCode(error.exitCode)
    }
    reporter.stop()
    signals.stop()
    if let resumed = result.resumed {
      for note in resumed.notes { printError("note: \(note.escapingControlCharacters)") }
      if !resumed.kept.isEmpty {
        printError(
          "note: kept the finished variants \(resumed.kept.joined(separator: ", ")) "
            .escapingControlCharacters + "(files complete, SHA-256 checked)")
      }
    }
    // A reader that has gone away (`| head`) stops the printing, not the finished run.
    let paths = plan.shard.map {
      "the paths \(plan.paths.lowerBound)..<\(plan.paths.upperBound) of shard \($0)"
    }
    printOutput(SummaryTable(result: result, paths: paths).text)
  }

  /// `--out`, or `out/<scenario name>`; exits with status 2 when `--out` is empty or the
  /// scenario's name cannot be one folder name.
  private func outputDirectory(for spec: ScenarioSpec, shard: Shard?) throws -> String {
    if let out {
      guard !out.isEmpty else {
        printError(
          "error: --out is empty; expected the path of the folder to write the run into "
            + "(e.g. --out runs/\(spec.name))")
        throw ExitCode(2)
      }
      return out
    }
    guard (try? folderPathComponents(spec.name))?.count == 1 else {
      printError(
        "error: the scenario name \(spec.name.debugDescription) cannot name the default output "
          + "folder out/<name>; give --out DIR")
      throw ExitCode(2)
    }
    let base = "out/\(spec.name)"
    guard let shard else { return base }
    return "\(base)/\(Runner.shardsFolderName)/\(shard.folderName)"
  }
}

/// The stopping signal received (0 for none), stored by `recordStoppingSignal`.
private let receivedSignal = Atomic<Int32>(0)

/// The signal handler: stores the signal's number (a lock-free atomic store, safe in a handler).
private func recordStoppingSignal(_ number: Int32) {
  receivedSignal.store(number, ordering: .relaxed)
}

/// Turns SIGINT, SIGTERM and SIGHUP (a closed terminal) into a cancellation of the run: it
/// stops, removes its files and exits 130, 143 or 129.
///
/// The handler is installed with `sigaction(2)` at once, so no signal is lost however early it
/// comes; a timer passes it on to the run's cancellation flag within 10 ms.
final class SignalWatcher: @unchecked Sendable {
  private static let names: [Int32: String] = [
    SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP",
  ]
  private let timer: DispatchSourceTimer

  init(cancel: CancellationFlag) {
    _ = receivedSignal.load(ordering: .relaxed)  // initialized before any handler runs
    var unblock = sigset_t()
    sigemptyset(&unblock)
    for number in Self.names.keys {
      var previous = sigaction()
      sigaction(number, nil, &previous)
      // `nohup` ignores SIGHUP on purpose: keep it ignored.
      let ignored =
        unsafeBitCast(previous.__sigaction_handler.sa_handler, to: Int.self)
        == unsafeBitCast(SIG_IGN, to: Int.self)
      if number == SIGHUP && ignored { continue }
      sigaddset(&unblock, number)
      var action = sigaction()
      action.__sigaction_handler.sa_handler = recordStoppingSignal
      sigemptyset(&action.sa_mask)
      action.sa_flags = SA_RESTART
      sigaction(number, &action, nil)
    }
    // A parent may start the process with these signals blocked; this thread takes them.
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    timer = DispatchSource.makeTimerSource(queue: .global())
    timer.schedule(deadline: .now(), repeating: .milliseconds(10))
    timer.setEventHandler {
      let number = receivedSignal.load(ordering: .relaxed)
      if number != 0 { cancel.cancel(reason: Self.names[number] ?? "signal \(number)") }
    }
    timer.resume()
  }

  func stop() {
    timer.cancel()
  }

  /// The name of the stopping signal received so far, or `nil`: read straight from the
  /// handler's atomic, for `CancellationFlag(poll:)`.
  @Sendable static func receivedSignalName() -> String? {
    let number = receivedSignal.load(ordering: .relaxed)
    return number == 0 ? nil : names[number] ?? "signal \(number)"
  }
}

/// Progress on standard error: a bar with paths/s and ETA, or one JSON line a second.
final class ProgressReporter: @unchecked Sendable {
  let counter: ProgressCounter
  let mode: RunCommand.ProgressMode
  private var timer: DispatchSourceTimer?
  private let started = DispatchTime.now()

  init(counter: ProgressCounter, mode: RunCommand.ProgressMode) {
    self.counter = counter
    self.mode = mode
  }

  func start() {
    guard mode == .bar || mode == .json else { return }
    let t = DispatchSource.makeTimerSource(queue: .global())
    let interval: DispatchTimeInterval = mode == .bar ? .milliseconds(250) : .seconds(1)
    t.schedule(deadline: .now() + interval, repeating: interval)
    t.setEventHandler { [weak self] in self?.report(final: false) }
    t.resume()
    timer = t
  }

  func stop() {
    timer?.cancel()
    timer = nil
    if mode == .bar || mode == .json { report(final: true) }
  }

  private func report(final: Bool) {
    let done = counter.completed
    let total = max(counter.total, 1)
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let eta = rate > 0 ? Double(total - done) / rate : 0
    if mode == .json {
      printError(
        "{\"paths_done\":\(done),\"paths_total\":\(total),\"paths_per_second\":\(Int(rate)),\"elapsed_seconds\":\(String(format: "%.1f", elapsed)),\"eta_seconds\":\(String(format: "%.1f", eta))}"
      )
      return
    }
    let width = 30
    let filled = Int(Double(width) * Double(done) / Double(total))
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    let line =
      "\r[\(bar)] \(done)/\(total) paths  \(Int(rate)) paths/s  ETA \(String(format: "%.0f", eta)) s"
    writeStandardError(final ? line + "\n" : line)
  }
}

/// The one-screen summary printed at the end of a run.
struct SummaryTable {
  let result: RunResult
  /// What the figures cover, when not all of the run's paths (a shard).
  var paths: String? = nil

  var text: String {
    var lines = [
      "wrote \(result.outputDirectory.escapingControlCharacters)/ (\(result.manifest.files.count) files, manifest.json last) in \(String(format: "%.2f", result.manifest.seconds)) s"
    ]
    let manifest = result.manifest
    let subject = manifest.portfolio != nil ? "the portfolio" : manifest.assets[0]
    let covered = paths ?? "\(manifest.paths) path\(manifest.paths == 1 ? "" : "s")"
    lines.append("terminal return and maximum drawdown of \(subject) over \(covered):")
    let header = ["variant", "mean", "VaR95", "ES95", "VaR99", "ES99", "maxDD p50", "maxDD p95"]
    var rows: [[String]] = [header]
    for (name, summary) in result.summaries {
      guard
        let risk = manifest.portfolio != nil
          ? summary.portfolio : summary.assets[manifest.assets[0]]
      else { continue }
      let r = risk.terminalReturn
      let d = risk.maxDrawdown
      rows.append([
        name, pct(r.mean), pct(r.valueAtRisk95), pct(r.expectedShortfall95), pct(r.valueAtRisk99),
        pct(r.expectedShortfall99), pct(d.quantiles["0.5"] ?? .nan),
        pct(d.quantiles["0.95"] ?? .nan),
      ])
    }
    let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
    for row in rows {
      lines.append(
        row.enumerated().map { c, cell in
          c == 0
            ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            : String(repeating: " ", count: widths[c] - cell.count) + cell
        }.joined(separator: "  "))
    }
    return lines.joined(separator: "\n")
  }

  func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.2f%%", 100 * x) : "n/a" }
}
