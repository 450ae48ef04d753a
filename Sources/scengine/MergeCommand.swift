import ArgumentParser
import Dispatch
import Foundation
import Planner

/// `scengine merge`: join the shards of a run into the files of a one-machine run.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Join the shards of a run (run --shard K/N) into one run's files.",
    discussion: """
      Checks that the shards are of one engine version, seed and resolved scenario, that their \
      paths cover 0..P-1 exactly once and that every file matches its SHA-256, then writes OUT \
      as `scengine run SCENARIO --out OUT` would: the same prices.npy (and the other arrays, or \
      prices.csv), the same summary.json, and manifest.json last, whose files and hashes equal \
      the one-machine run's. The copy is streamed; memory stays at a few MB. OUT is taken as a \
      run takes its folder (locked, earlier runs' files removed, other files refused unless \
      --force); its shards/ subfolder is left alone.

      Example (shards written by `scengine run crash.yaml --shard K/4`):
        scengine merge out/crash out/crash/shards/*-of-4
      """)

  @Argument(help: "The output folder of the merged run.")
  var out: String

  @Argument(help: "The shard folders (each with its manifest.json), in any order.")
  var shards: [String] = []

  @Flag(
    help: """
      Write into an output folder that holds files scengine did not write; they are left alone.
      """)
  var force = false

  @Flag(help: "Flush every file to disk (fsync) before the manifest is written.")
  var sync = false

  func validate() throws {
    if shards.isEmpty {
      throw ValidationError("give the shard folders to merge after OUT (e.g. out/x/shards/*)")
    }
    if out.isEmpty { throw ValidationError("OUT is empty; expected the folder to merge into") }
  }

  func run() throws {
    let merger = Merger(
      outputDirectory: out, shardDirectories: shards,
      command: CommandLine.arguments.joined(separator: " "), force: force, sync: sync)
    let cancel = CancellationFlag(poll: SignalWatcher.receivedSignalName)
    let signals = SignalWatcher(cancel: cancel)
    let result: RunResult
    do {
      result = try merger.merge(cancel: cancel)
    } catch {
      signals.stop()
      if let signal = cancel.cancellationReason {
        printError("error: merge interrupted by \(signal); its files removed, no manifest written")
        throw ExitCode(Runner.exitCode(signal: signal))
      }
      printError("error: \(error.description)")
      throw ExitCode(error.exitCode)
    }
    signals.stop()
    printOutput(
      "merged \(shards.count) shard\(shards.count == 1 ? "" : "s") of \(result.manifest.paths) "
        + "paths".escapingControlCharacters)
    printOutput(SummaryTable(result: result).text)
  }
}
