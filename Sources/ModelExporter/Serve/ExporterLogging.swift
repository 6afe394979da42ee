import Logging
import Synchronization

/// swift-log set up once per process: logfmt-style lines on stderr (journald keeps them).
enum ExporterLogging {
    private static let bootstrapped = Mutex(false)

    static func bootstrap(level: Logger.Level) -> Logger {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: "model-exporter")
        logger.logLevel = level
        return logger
    }
}
