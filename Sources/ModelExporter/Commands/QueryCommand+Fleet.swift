import ArgumentParser
import FleetReplica
import Foundation
import MetricsCore

/// `query --storage.url postgres://…`: the fleet's PostgreSQL replica instead of the local
/// database. The flags are checked together here, so that a mistake is one usage error
/// before anything connects; no message holds the password (``ReplicaTarget`` never shows it).
extension QueryCommand {
    /// The fleet to query, or nil for the local database.
    func fleet() throws -> FleetQuery? {
        guard let storageURL else {
            if instance != nil { throw ValidationError("--instance narrows a fleet query: give --storage.url postgres://… too") }
            if storagePasswordFile != nil { throw ValidationError("--storage.password-file is set but --storage.url is not: give the URL of the fleet's PostgreSQL") }
            return nil
        }
        if storagePath != nil {
            throw ValidationError("--storage.path and --storage.url both name a database: give one (the local SQLite file, or the fleet's PostgreSQL)")
        }
        if let instance, instance.isEmpty {
            throw ValidationError("--instance is empty: give an instance name (an exporter's --replica.instance), or leave it out for the whole fleet")
        }
        do throws(ReplicaConfigurationError) {
            let target = try ReplicaTarget(url: storageURL, passwordFile: storagePasswordFile)
            return FleetQuery(target: target, instance: instance)
        } catch {
            throw ValidationError("--storage.url: " + error.message.replacingOccurrences(of: "replica URL", with: "URL")
                .replacingOccurrences(of: "replica password file", with: "password file"))
        }
    }
}
