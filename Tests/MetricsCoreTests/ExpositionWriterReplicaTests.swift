import Testing
@testable import MetricsCore

/// The replica's families: only with a replica configured, every error kind at zero from the
/// start, and a board that keeps the shipper's state across ingest snapshots.
@Suite struct ExpositionWriterReplicaTests {
    func replica() -> ReplicaMetrics {
        var replica = ReplicaMetrics()
        replica.up = true
        replica.rowsBehind = 1234
        replica.lastShippedTimestamp = 1_764_000_000.5
        replica.batches = 7
        replica.errors = ["auth": 0, "connect": 2, "timeout": 0]
        return replica
    }

    @Test func replicaFamiliesOnlyWhenConfigured() {
        var snapshot = MetricsSnapshot()
        #expect(!String(decoding: ExpositionWriter.write(snapshot), as: UTF8.self).contains("model_exporter_replica"))
        snapshot.replica = replica()
        let text = String(decoding: ExpositionWriter.write(snapshot), as: UTF8.self)
        #expect(text.contains("model_exporter_replica_up 1\n"))
        #expect(text.contains("model_exporter_replica_rows_behind 1234\n"))
        #expect(text.contains("model_exporter_replica_batches_total 7\n"))
        #expect(text.contains("model_exporter_replica_errors_total{kind=\"connect\"} 2\n"))
        #expect(text.contains("model_exporter_replica_errors_total{kind=\"auth\"} 0\n"))
        #expect(text.contains("model_exporter_replica_last_shipped_timestamp_seconds 1764000000.5\n"))
        #expect(text.contains("# TYPE model_exporter_replica_errors_total counter"))
        let openMetrics = String(decoding: ExpositionWriter.write(snapshot, format: .openMetrics), as: UTF8.self)
        #expect(openMetrics.contains("# TYPE model_exporter_replica_errors counter"))
        #expect(openMetrics.contains("# UNIT model_exporter_replica_last_shipped_timestamp_seconds seconds"))
    }

    @Test func anIngestSnapshotKeepsTheShippersState() {
        let board = MetricsBoard()
        board.publishReplica(replica())
        let generation = board.exposition().generation
        board.publishReplica(replica()) // unchanged: no new generation
        #expect(board.exposition().generation == generation)
        board.publish(MetricsSnapshot())
        #expect(board.snapshot.replica == replica())
    }
}
