import ArgumentParser
import Planner

/// The scengine command line.
@main
struct Scengine: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scengine",
    abstract: "Financial market scenario engine: synthetic price paths for stress tests.",
    version: EngineInfo.version,
    subcommands: [RunCommand.self, CheckCommand.self, RandomCommand.self]
  )

  /// Makes the process safe (standard descriptors open, SIGPIPE ignored: `prepareProcess`)
  /// before anything opens a file, then parses the command line and runs the command.
  static func main() {
    prepareProcess()
    main(nil)
  }
}
