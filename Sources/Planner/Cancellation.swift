import Dispatch

/// A flag that a signal handler or another thread raises to stop a run between blocks.
public final class CancellationFlag: @unchecked Sendable {
  private var raised = false
  private var reason: String?
  private let lock = DispatchSemaphore(value: 1)

  public init() {}

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
    lock.wait()
    defer { lock.signal() }
    return raised
  }

  public var cancellationReason: String? {
    lock.wait()
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
