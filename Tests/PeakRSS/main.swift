// peak-rss COMMAND [ARGUMENT...]: runs COMMAND with its standard streams on /dev/null, waits for
// it and prints "STATUS PEAK_KIB": its exit status (128 + the signal that ended it) and its peak
// resident memory from wait4(2).
//
// The tests measure scengine's memory through this small program rather than spawning it
// themselves: a child's ru_maxrss starts from its parent's high-water mark when it is created
// (Linux records the old address space's peak at exec), and a test process that has run
// statistical tests holds gigabytes.

#if canImport(Glibc)
  import Glibc
#endif

/// Writes `text` to standard error.
func complain(_ text: String) {
  _ = text.withCString { write(2, $0, strlen($0)) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
  complain("usage: peak-rss COMMAND [ARGUMENT...]\n")
  exit(2)
}
var actions = posix_spawn_file_actions_t()
posix_spawn_file_actions_init(&actions)
for descriptor in Int32(0)...2 {
  posix_spawn_file_actions_addopen(
    &actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
}
let argv = arguments.dropFirst().map { strdup($0) } + [nil]
var pid: pid_t = 0
let spawned = posix_spawn(&pid, arguments[1], &actions, nil, argv, environ)
guard spawned == 0 else {
  complain("peak-rss: cannot start \(arguments[1]): \(String(cString: strerror(spawned)))\n")
  exit(1)
}
var status: Int32 = 0
var usage = rusage()
while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
let exited = status & 0x7f == 0
print("\(exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)) \(usage.ru_maxrss)")
