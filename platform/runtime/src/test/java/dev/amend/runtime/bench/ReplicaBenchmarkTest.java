package dev.amend.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.ledger.PostgresCluster;
import dev.amend.runtime.model.TinyModels;
import org.junit.jupiter.api.Test;

/** The replica benchmark on a tiny model and a private PostgreSQL: its figures are there and the replicas agree. */
class ReplicaBenchmarkTest {
    @Test
    void reportsPropagationAndThroughputAndTheReplicasConverge() throws Exception {
        try (PostgresCluster cluster = PostgresCluster.startOrSkip()) {
            ReplicaBenchmark.Result r = ReplicaBenchmark.run(() -> TinyModels.random(TinyModels.gpt2(), 5),
                    cluster.database("amend"), 9);
            assertTrue(r.converged(), "three replicas hold the same weights");
            assertEquals(9, r.edits());
            double[] p = r.propagationMillis();
            assertTrue(p[0] > 0 && p[0] <= p[1] && p[1] <= p[2], java.util.Arrays.toString(p));
            assertTrue(p[1] < 1000, "p99 propagation under 1 s: " + p[1]);
            assertTrue(r.oneReplicaPerSecond() > 0 && r.threeReplicasPerSecond() > 0);
            System.out.printf("replica benchmark (tiny model, 9 edits): p50 %.1f ms, p99 %.1f ms, %.0f edits/s alone,"
                    + " %.0f edits/s with three%n", p[0], p[1], r.oneReplicaPerSecond(), r.threeReplicasPerSecond());
        }
    }
}
