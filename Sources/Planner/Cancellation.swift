import Dispatch

/// A flag that a signal handler or another thread raises to stop a run between blocks.
public final class CancellationFlag: @unchecked Sendable {
  private var raised = false
  private var reason: String?
  private let lock = DispatchSemaphore(value: 1)
  /// Asked whenever the flag is read while not raised: a reason raises it. It lets a signal
  /// recorded by a handler stop the run at the next check even when no other thread is free to
  /// pass it on (the workers of a run occupy every core).
  private let poll: (@Sendable () -> String?)?

  public init(poll: (@Sendable () -> String?)? = nil) {
    self.poll = poll
  }

  /// Asks the run to stop; the first reason given is kept.
  public func cancel(reason: String) {
    lock.wait()
    if !raised {
      raised = true
      self.reason = reason
    }
    lock.signal()
  }

  public var isCancelled: Bool {
    cancellationReason != nil
  }

  public var cancellationReason: String? {
    lock.wait()
    if !raised, let polled = poll?() {
      raised = true
      reason = polled
    }
    defer { lock.signal() }
    return reason
  }
}

/// Paths done so far, shared by the workers and read by the progress reporter.
public final class ProgressCounter: @unchecked Sendable {
  private var done = 0
  private let lock = DispatchSemaphore(value: 1)
  public let total: Int

  public init(total: Int) { self.total = total }

  public func add(_ n: Int) {
    lock.wait()
    done += n
    lock.signal()
  }

  public var completed: Int {
    lock.wait()
    defer { lock.signal() }
    return done
  }
}
