import ArgumentParser
import Foundation
import Planner

/// The scengine command line.
@main
struct Scengine: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scengine",
    abstract: "Financial market scenario engine: synthetic price paths for stress tests.",
    version: EngineInfo.version,
    subcommands: [
      RunCommand.self, MergeCommand.self, CheckCommand.self, CalibrateCommand.self,
      ValidateCommand.self, RandomCommand.self, SobolCommand.self,
    ]
  )

  /// Makes the process safe (standard descriptors open, SIGPIPE ignored: `prepareProcess`)
  /// before anything opens a file, then parses the command line and runs the command.
  ///
  /// A command line that does not parse or validate (`--paths -1`, `--threads 0`, an unknown
  /// option) is bad input: its message goes to standard error with control characters escaped,
  /// and the exit status is 2, as for a bad scenario file (argument-parser's own is 64).
  /// A command-line error as every other message is written: one line beginning `error:`,
  /// pointing at the command's help (argument-parser's own is `Error:` and the usage).
  static func errorLine(for error: any Error) -> String {
    let text = message(for: error).split(separator: "\n").joined(separator: "; ")
    let help =
      fullMessage(for: error).split(separator: "\n")
      .first { $0.contains("See '") && $0.contains("--help'") }
      .map { " (s" + $0.trimmingCharacters(in: .whitespaces).dropFirst().dropLast() + ")" } ?? ""
    return "error: " + text + help
  }

  static func main() {
    prepareProcess()
    do {
      var command = try parseAsRoot(nil)
      try command.run()
      try checkStandardOutput(after: command)
    } catch {
      let code = exitCode(for: error)
      guard code == .validationFailure else { exit(withError: error) }
      printError(Self.errorLine(for: error).escapingControlCharactersForTerminal)
      exit(withError: ExitCode(2))
    }
  }
}

/// A command's standard output that could not be written (`> /dev/full`, a closed
/// descriptor's `EBADF`, `EIO`) loses what the command made: `rng`, `sobol`, `check`,
/// `calibrate`'s report, `merge` and `validate` fail with exit 1. `run`'s product is its
/// files, complete by then: its lost summary is a warning. A reader that has gone away
/// (`| head`, `EPIPE`) is no error.
private func checkStandardOutput(after command: any ParsableCommand) throws {
  guard let code = standardOutput.failureCode, code != EPIPE else { return }
  let reason = code == 0 ? "nothing was written" : String(cString: strerror(code))
  if command is RunCommand {
    printError("warning: the run's summary could not be written to standard output: \(reason)")
    return
  }
  printError("error: cannot write to standard output: \(reason); the command's output is lost")
  throw ExitCode(1)
}

extension String {
  /// The text with control characters other than line breaks written as `\u{…}` escapes, so
  /// that a value from the command line cannot move the cursor or hide text in a terminal.
  var escapingControlCharactersForTerminal: String {
    var out = ""
    for scalar in unicodeScalars {
      if scalar != "\n" && (scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)) {
        out += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
