import FleetReplica
import Foundation
import MetricsCore

/// `report --storage.url postgres://…`: the A/B report over the fleet's PostgreSQL replica.
/// A problem with the flags is a usage error (exit 1) before anything connects; a failure to
/// reach or read the server is exit 2, as a local database that cannot be read. No message
/// holds the password.
extension ReportCommand {
    /// The fleet to report on, or nil for the local database.
    func fleet() throws(FleetFlagsProblem) -> FleetReport? {
        guard let storageURL else {
            if instance != nil { throw FleetFlagsProblem("--instance narrows a fleet report: give --storage.url postgres://… too") }
            if storagePasswordFile != nil { throw FleetFlagsProblem("--storage.password-file is set but --storage.url is not: give the URL of the fleet's PostgreSQL") }
            return nil
        }
        if storagePath != nil {
            throw FleetFlagsProblem("--storage.path and --storage.url both name a database: give one (the local SQLite file, or the fleet's PostgreSQL)")
        }
        if let instance, instance.isEmpty {
            throw FleetFlagsProblem("--instance is empty: give an instance name (an exporter's --replica.instance), or leave it out for the whole fleet")
        }
        do throws(ReplicaConfigurationError) {
            return FleetReport(target: try ReplicaTarget(url: storageURL, passwordFile: storagePasswordFile), instance: instance)
        } catch {
            throw FleetFlagsProblem("--storage.url: " + error.message.replacingOccurrences(of: "replica URL", with: "URL")
                .replacingOccurrences(of: "replica password file", with: "password file"))
        }
    }

    static func load(from fleet: FleetReport, request: Request, agent: String?) throws(ReportFailure) -> ABReport {
        do throws(FleetQueryError) {
            return try fleet.loadWaiting(since: request.since, until: request.until, agent: agent, minimumSamples: request.minimumSamples,
                                         maximumCostIncrease: request.maximumCostIncrease, rolloutStage: request.rolloutStage)
        } catch {
            throw ReportFailure(error.description)
        }
    }
}

/// `--storage.url`, `--storage.password-file` or `--instance` given in a way that cannot work.
struct FleetFlagsProblem: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
