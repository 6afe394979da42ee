/// The settings of shipping to the fleet's PostgreSQL (docs/fleet.md); all unset by default,
/// and without `replica.url` nothing is shipped and no replica metric is exported.
extension SettingCatalog {
    static let replicaURL = SettingSpec(flag: "replica.url", defaultValue: nil,
        help: "PostgreSQL URL to ship every stored call and quarantined line to, exactly once: postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=disable|prefer|require|verify-full (the password is never logged or shown).")
    static let replicaPasswordFile = SettingSpec(flag: "replica.password-file", defaultValue: nil,
        help: "File whose first line is the PostgreSQL password (wins over one in --replica.url).")
    static let replicaInstance = SettingSpec(flag: "replica.instance", defaultValue: nil,
        help: "This exporter's name in the fleet's tables (column instance); default the host name. Unique per exporter.")
    static let replicaRetention = SettingSpec(flag: "replica.retention", defaultValue: nil,
        help: "Keep this long of calls in PostgreSQL (whole days: older day partitions are dropped, for every instance); unset keeps all.")

    static let replica: [SettingSpec] = [replicaURL, replicaPasswordFile, replicaInstance, replicaRetention]
}
